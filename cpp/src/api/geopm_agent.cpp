// C interface to the registered agents (geopm_agent.h) over
// geopm::agent_factory().
#include "geopm_agent.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "geopm/Agent.hpp"
#include "geopm/Environment.hpp"
#include "geopm/Exception.hpp"
#include "geopm_bridge/Composite.hpp"

#include "controller/Format.hpp"
#include "controller/Policy.hpp"
#include "core/Json.hpp"
#include "platform/CApiGuard.hpp"

namespace
{
    using geopm::Exception;
    using geopm_bridge::guarded;

    std::string join(const std::vector<std::string> &words)
    {
        std::string result;
        for (const auto &word : words) {
            result += (result.empty() ? "" : ", ") + word;
        }
        return result;
    }

    void check_pointer(const void *pointer, const char *func, const char *name)
    {
        if (pointer == nullptr) {
            throw Exception(std::string(func) + "(): " + name + " is NULL",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }

    /// agent_name, once it is known to be a registered agent.
    std::string known_agent(const char *agent_name, const char *func)
    {
        check_pointer(agent_name, func, "agent_name");
        geopm_bridge::resolve_agent(agent_name);
        std::vector<std::string> names = geopm::Agent::agent_names();
        for (const auto &name : names) {
            if (name == agent_name) {
                return name;
            }
        }
        throw Exception(std::string(func) + "(): no agent named \"" + agent_name +
                        "\" (known agents: " + join(names) + ")",
                        GEOPM_ERROR_NO_AGENT, __FILE__, __LINE__);
    }

    /// Copy text and its NUL into size bytes; otherwise err, buffer untouched.
    void copy_out(const std::string &text, size_t size, char *buffer, int err,
                  const char *func, const char *what)
    {
        check_pointer(buffer, func, what);
        if (text.size() >= size) {
            throw Exception(std::string(func) + "(): the " + what + " \"" + text + "\" needs " +
                            std::to_string(text.size() + 1) + " bytes, the buffer has " +
                            std::to_string(size), err, __FILE__, __LINE__);
        }
        std::memcpy(buffer, text.c_str(), text.size() + 1);
    }

    /// names[idx], copied out, for the name functions.
    int name_at(const std::vector<std::string> &names, int idx, size_t size, char *buffer,
                const char *func, const char *what)
    {
        if (idx < 0 || static_cast<size_t>(idx) >= names.size()) {
            throw Exception(std::string(func) + "(): index " + std::to_string(idx) +
                            " is out of range: the agent has " + std::to_string(names.size()) +
                            " " + what + "s", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        copy_out(names[idx], size, buffer, E2BIG, func, what);
        return 0;
    }

    int policy_json(const char *agent_name, size_t num_value, const double *values,
                    size_t json_string_max, char *json_string, const char *func)
    {
        std::string agent = known_agent(agent_name, func);
        std::vector<std::string> names = geopm::Agent::policy_names(agent);
        if (num_value > names.size()) {
            throw Exception(std::string(func) + "(): agent \"" + agent + "\" takes " +
                            std::to_string(names.size()) + " policy values, not " +
                            std::to_string(num_value), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        if (num_value != 0) {
            check_pointer(values, func, "policy_array");
        }
        std::string text = "{";
        for (size_t idx = 0; idx < num_value; ++idx) {
            if (std::isinf(values[idx])) {
                throw Exception(std::string(func) + "(): the value of policy " + names[idx] +
                                " is infinite", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            text += (idx ? ", " : "") + geopm_bridge::json_quote(names[idx]) + ": " +
                    (std::isnan(values[idx]) ? "\"NAN\"" : geopm_bridge::format_json_number(values[idx]));
        }
        text += "}";
        copy_out(text, json_string_max, json_string, GEOPM_ERROR_INVALID, func, "policy JSON");
        return 0;
    }
}

extern "C"
{
    int geopm_agent_supported(const char *agent_name)
    {
        const char *func = __func__;
        return guarded([&]() {
            known_agent(agent_name, func);
            return 0;
        });
    }

    int geopm_agent_num_policy(const char *agent_name, int *num_policy)
    {
        const char *func = __func__;
        return guarded([&]() {
            std::string agent = known_agent(agent_name, func);
            check_pointer(num_policy, func, "num_policy");
            *num_policy = geopm::Agent::num_policy(agent);
            return 0;
        });
    }

    int geopm_agent_policy_name(const char *agent_name, int policy_idx,
                                size_t policy_name_max, char *policy_name)
    {
        const char *func = __func__;
        return guarded([&]() {
            std::string agent = known_agent(agent_name, func);
            return name_at(geopm::Agent::policy_names(agent), policy_idx, policy_name_max,
                           policy_name, func, "policy name");
        });
    }

    int geopm_agent_policy_json(const char *agent_name, const double *policy_array,
                                size_t json_string_max, char *json_string)
    {
        const char *func = __func__;
        return guarded([&]() {
            std::string agent = known_agent(agent_name, func);
            return policy_json(agent_name, geopm::Agent::num_policy(agent), policy_array,
                               json_string_max, json_string, func);
        });
    }

    int geopm_agent_policy_json_partial(const char *agent_name, size_t policy_array_size,
                                        const double *policy_array, size_t json_string_max,
                                        char *json_string)
    {
        const char *func = __func__;
        return guarded([&]() {
            return policy_json(agent_name, policy_array_size, policy_array,
                               json_string_max, json_string, func);
        });
    }

    int geopm_agent_num_sample(const char *agent_name, int *num_sample)
    {
        const char *func = __func__;
        return guarded([&]() {
            std::string agent = known_agent(agent_name, func);
            check_pointer(num_sample, func, "num_sample");
            *num_sample = geopm::Agent::num_sample(agent);
            return 0;
        });
    }

    int geopm_agent_sample_name(const char *agent_name, int sample_idx,
                                size_t sample_name_max, char *sample_name)
    {
        const char *func = __func__;
        return guarded([&]() {
            std::string agent = known_agent(agent_name, func);
            return name_at(geopm::Agent::sample_names(agent), sample_idx, sample_name_max,
                           sample_name, func, "sample name");
        });
    }

    int geopm_agent_num_avail(int *num_agent)
    {
        const char *func = __func__;
        return guarded([&]() {
            check_pointer(num_agent, func, "num_agent");
            *num_agent = static_cast<int>(geopm::Agent::agent_names().size());
            return 0;
        });
    }

    int geopm_agent_name(int agent_idx, size_t agent_name_max, char *agent_name)
    {
        const char *func = __func__;
        return guarded([&]() {
            std::vector<std::string> names = geopm::Agent::agent_names();
            if (agent_idx < 0 || static_cast<size_t>(agent_idx) >= names.size()) {
                throw Exception(std::string(func) + "(): index " + std::to_string(agent_idx) +
                                " is out of range: " + std::to_string(names.size()) +
                                " agents are known", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            copy_out(names[agent_idx], agent_name_max, agent_name, GEOPM_ERROR_INVALID,
                     func, "agent name");
            return 0;
        });
    }

    int geopm_agent_enforce_policy(void)
    {
        const char *func = __func__;
        return guarded([&]() {
            std::string agent_name = geopm::environment().agent();
            std::string agent = known_agent(agent_name.c_str(), func);
            std::unique_ptr<geopm::Agent> instance = geopm::Agent::make_unique(agent);
            geopm_bridge::FilePolicy file(geopm::environment().policy(), agent,
                                          geopm::Agent::policy_names(agent));
            std::vector<double> policy = file.policy();
            instance->validate_policy(policy);
            instance->enforce_policy(policy);
            return 0;
        });
    }
}
