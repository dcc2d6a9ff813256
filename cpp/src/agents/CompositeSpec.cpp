// Parsing a composite agent's name, and registering it on demand.
#include "CompositeSpec.hpp"

#include <algorithm>
#include <memory>

#include "geopm/Agent.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm_bridge/Composite.hpp"

#include "CompositeAgent.hpp"

namespace geopm_bridge
{
    namespace
    {
        [[noreturn]] void bad_spec(const std::string &spec, const std::string &why)
        {
            throw geopm::Exception("composite agent \"" + spec + "\": " + why +
                                   " (write it as a+b[+c...][@CONTROL=min|max|first|last,...])",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }

        composite_merge_e merge_rule(const std::string &spec, const std::string &rule)
        {
            static const std::map<std::string, composite_merge_e> rules = {
                {"min", M_MERGE_MIN}, {"max", M_MERGE_MAX},
                {"first", M_MERGE_FIRST}, {"last", M_MERGE_LAST},
            };
            auto it = rules.find(rule);
            if (it == rules.end()) {
                bad_spec(spec, "unknown merge rule \"" + rule + "\"");
            }
            return it->second;
        }

        // Appends names to all (one entry per distinct name) and fills the
        // member's map and ownership.
        void add_names(const std::vector<std::string> &names, std::vector<std::string> &all,
                       std::vector<int> &map, std::vector<bool> &owned)
        {
            for (const auto &name : names) {
                auto it = std::find(all.begin(), all.end(), name);
                owned.push_back(it == all.end());
                if (it == all.end()) {
                    all.push_back(name);
                    map.push_back(static_cast<int>(all.size()) - 1);
                }
                else {
                    map.push_back(static_cast<int>(it - all.begin()));
                }
            }
        }
    }

    CompositeSpec::CompositeSpec(const std::string &name_, const std::string &spec)
        : name(name_)
    {
        size_t at = spec.find('@');
        members = geopm::string_split(spec.substr(0, at), "+");
        if (members.size() < 2) {
            bad_spec(spec, "a composite needs two members or more");
        }
        for (const auto &member : members) {
            if (member.empty()) {
                bad_spec(spec, "empty member name");
            }
            if (std::count(members.begin(), members.end(), member) > 1) {
                bad_spec(spec, "member \"" + member + "\" is named twice");
            }
        }
        if (at != std::string::npos) {
            for (const auto &entry : geopm::string_split(spec.substr(at + 1), ",")) {
                size_t eq = entry.find('=');
                if (eq == std::string::npos || eq == 0) {
                    bad_spec(spec, "merge entry \"" + entry + "\" is not CONTROL=rule");
                }
                merge[entry.substr(0, eq)] = merge_rule(spec, entry.substr(eq + 1));
            }
#ifdef GEOPM_BRIDGE_NATIVE
            // GEOPM's PlatformIO keeps no ledger (platform/ControlLedger.hpp):
            // which member pushed or set a control is not known there.
            throw geopm::Exception("composite agent \"" + spec + "\": merge rules (@CONTROL=rule) "
                                   "need geopm-bridge's embedded runtime; on GEOPM a composite "
                                   "can neither merge nor detect members' shared controls",
                                   GEOPM_ERROR_NOT_IMPLEMENTED, __FILE__, __LINE__);
#endif
        }
        policy_map.resize(members.size());
        sample_map.resize(members.size());
        policy_owned.resize(members.size());
        sample_owned.resize(members.size());
        const auto known = geopm::agent_factory().plugin_names();
        for (size_t idx = 0; idx < members.size(); ++idx) {
            const std::string &member = members[idx];
            if (std::find(known.begin(), known.end(), member) == known.end()) {
                throw geopm::Exception("composite agent \"" + spec + "\": no agent named \"" +
                                       member + "\" (known agents: " +
                                       geopm::string_join(known, ", ") + ")",
                                       GEOPM_ERROR_NO_AGENT, __FILE__, __LINE__);
            }
            add_names(geopm::Agent::policy_names(member), policy_names, policy_map[idx],
                      policy_owned[idx]);
            add_names(geopm::Agent::sample_names(member), sample_names, sample_map[idx],
                      sample_owned[idx]);
        }
    }

    bool is_composite_name(const std::string &agent_name)
    {
        return agent_name.find('+') != std::string::npos;
    }

    void register_composite(const std::string &name, const std::string &spec_text)
    {
        auto spec = std::make_shared<const CompositeSpec>(name, spec_text);
        geopm::agent_factory().register_plugin(
            name, [spec]() -> std::unique_ptr<geopm::Agent> {
                return std::make_unique<CompositeAgent>(spec);
            },
            geopm::Agent::make_dictionary(spec->policy_names, spec->sample_names));
    }

    const std::string &resolve_agent(const std::string &agent_name)
    {
        if (!is_composite_name(agent_name)) {
            return agent_name;
        }
        auto names = geopm::agent_factory().plugin_names();
        if (std::find(names.begin(), names.end(), agent_name) == names.end()) {
            register_composite(agent_name, agent_name);
        }
        return agent_name;
    }
}
