#include "CompositeAgent.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "geopm/Environment.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"

#include "platform/ControlLedger.hpp"

namespace geopm_bridge
{
    namespace
    {
        // GEOPM's period for an agent that declares none.
        constexpr double M_DEFAULT_PERIOD = 0.005;
    }

    CompositeAgent::CompositeAgent(std::shared_ptr<const CompositeSpec> spec)
        : m_spec(std::move(spec))
        , m_platform_io(geopm::platform_io())
        , m_ledger(dynamic_cast<ControlLedger *>(&m_platform_io))
        , m_slice(m_spec->members.size())
        , m_member_shared(m_spec->members.size())
        , m_is_sample_sent(false)
        , m_is_merge_written(false)
        , m_wait_member(0)
        , m_period(INFINITY)
    {
        for (size_t idx = 0; idx < m_spec->members.size(); ++idx) {
            auto before = push_counts();
            m_member.push_back(geopm::agent_factory().make_plugin(m_spec->members[idx]));
            m_made_pushes.push_back(pushes_since(before));
            m_slice[idx].policy.assign(m_spec->policy_map[idx].size(), NAN);
            m_slice[idx].sample.assign(m_spec->sample_map[idx].size(), NAN);
            m_slice[idx].sent = m_slice[idx].sample;
            const auto *declared = dynamic_cast<const AgentPeriod *>(m_member.back().get());
            double period = declared ? declared->period()
                                     : geopm::environment().period(M_DEFAULT_PERIOD);
            if (period < m_period) {
                m_period = period;
                m_wait_member = idx;
            }
        }
    }

    std::vector<uint64_t> CompositeAgent::push_counts(void) const
    {
        std::vector<uint64_t> result;
        for (int idx = 0; m_ledger && idx < m_ledger->num_control(); ++idx) {
            result.push_back(m_ledger->num_push(idx));
        }
        return result;
    }

    std::set<int> CompositeAgent::pushes_since(const std::vector<uint64_t> &before) const
    {
        std::set<int> result;
        for (int idx = 0; m_ledger && idx < m_ledger->num_control(); ++idx) {
            // Controls pushed only as another's operands have no push count.
            uint64_t count = static_cast<size_t>(idx) < before.size() ? before[idx] : 0;
            if (m_ledger->num_push(idx) != count) {
                result.insert(idx);
            }
        }
        return result;
    }

    void CompositeAgent::init(int level, const std::vector<int> &fan_in, bool is_level_root)
    {
        std::vector<std::set<int> > pushed = m_made_pushes;
        for (size_t idx = 0; idx < m_member.size(); ++idx) {
            auto before = push_counts();
            m_member[idx]->init(level, fan_in, is_level_root);
            std::set<int> more = pushes_since(before);
            pushed[idx].insert(more.begin(), more.end());
        }
        find_shared_controls(pushed);
        size_t offset = 0;
        for (size_t idx = 0; idx < m_member.size(); ++idx) {
            m_slice[idx].trace_offset = offset;
            m_slice[idx].trace.assign(m_member[idx]->trace_names().size(), NAN);
            offset += m_slice[idx].trace.size();
        }
    }

    std::string CompositeAgent::control_text(int control_idx) const
    {
        std::string name;
        int domain = 0;
        int domain_idx = 0;
        std::tie(name, domain, domain_idx) = m_ledger->control_request(control_idx);
        return name + " (" + geopm::PlatformTopo::domain_type_to_name(domain) + " " +
               std::to_string(domain_idx) + ")";
    }

    void CompositeAgent::check_overlaps(const std::vector<std::set<int> > &pushed) const
    {
        // The same hardware control pushed at two domains (a board and its
        // packages) by two members: no rule can merge settings that split
        // differently, so it is refused whatever the name says.
        std::map<int, std::pair<size_t, int> > writer;  // native control: member, its push
        for (size_t idx = 0; idx < pushed.size(); ++idx) {
            for (int control_idx : pushed[idx]) {
                for (int native : m_ledger->control_operands(control_idx)) {
                    auto found = writer.emplace(native, std::make_pair(idx, control_idx));
                    const auto &other = found.first->second;
                    if (!found.second && other.first != idx && other.second != control_idx) {
                        throw geopm::Exception(
                            "composite agent \"" + m_spec->name + "\": members \"" +
                            m_spec->members[other.first] + "\" and \"" + m_spec->members[idx] +
                            "\" both push control " + control_text(other.second) + " and " +
                            control_text(control_idx) + "; a merge rule needs both at the same "
                            "domain and index", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                    }
                }
            }
        }
    }

    void CompositeAgent::find_shared_controls(const std::vector<std::set<int> > &pushed)
    {
        if (m_ledger != nullptr) {
            check_overlaps(pushed);
        }
        std::map<int, std::vector<size_t> > owners;
        for (size_t idx = 0; idx < pushed.size(); ++idx) {
            for (int control_idx : pushed[idx]) {
                owners[control_idx].push_back(idx);
            }
        }
        for (const auto &entry : owners) {
            if (entry.second.size() < 2) {
                continue;
            }
            const std::string name = std::get<0>(m_ledger->control_request(entry.first));
            auto rule = m_spec->merge.find(name);
            if (rule == m_spec->merge.end()) {
                // One line: both members, the control, and the way out.
                throw geopm::Exception(
                    "composite agent \"" + m_spec->name + "\": members \"" +
                    m_spec->members[entry.second[0]] + "\" and \"" + m_spec->members[entry.second[1]] +
                    "\" both push control " + control_text(entry.first) +
                    "; give it a merge rule: ...@" + name + "=min|max|first|last",
                    GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            for (size_t member : entry.second) {
                m_member_shared[member].push_back(m_shared.size());
            }
            m_shared.push_back({entry.first, rule->second, entry.second,
                                std::vector<double>(entry.second.size(), NAN)});
        }
        m_adjust_count.assign(m_shared.size(), 0);
        m_is_shared_adjusted.assign(m_shared.size(), false);
    }

    void CompositeAgent::gather(const std::vector<double> &all, const std::vector<int> &map,
                                std::vector<double> &slice)
    {
        for (size_t idx = 0; idx < map.size(); ++idx) {
            slice[idx] = all[map[idx]];
        }
    }

    void CompositeAgent::scatter(const std::vector<double> &slice, const std::vector<int> &map,
                                 const std::vector<bool> *owned, std::vector<double> &all)
    {
        for (size_t idx = 0; idx < map.size(); ++idx) {
            if (owned == nullptr || (*owned)[idx]) {
                all[map[idx]] = slice[idx];
            }
        }
    }

    void CompositeAgent::validate_policy(std::vector<double> &policy) const
    {
        // In turn: each member sees (and may fill or reject) what the ones
        // before it left.
        for (size_t idx = 0; idx < m_member.size(); ++idx) {
            auto &slice = m_slice[idx].policy;
            gather(policy, m_spec->policy_map[idx], slice);
            m_member[idx]->validate_policy(slice);
            scatter(slice, m_spec->policy_map[idx], nullptr, policy);
        }
    }

    void CompositeAgent::split_policy(const std::vector<double> &in_policy,
                                      std::vector<std::vector<double> > &out_policy)
    {
        for (size_t idx = 0; idx < m_member.size(); ++idx) {
            Slice &slice = m_slice[idx];
            const auto &map = m_spec->policy_map[idx];
            gather(in_policy, map, slice.policy);
            slice.child_policy.resize(out_policy.size(), std::vector<double>(map.size(), NAN));
            m_member[idx]->split_policy(slice.policy, slice.child_policy);
            for (size_t child = 0; child < out_policy.size(); ++child) {
                scatter(slice.child_policy[child], map, &m_spec->policy_owned[idx], out_policy[child]);
            }
        }
    }

    bool CompositeAgent::do_send_policy(void) const
    {
        return std::any_of(m_member.begin(), m_member.end(),
                           [](const auto &member) { return member->do_send_policy(); });
    }

    void CompositeAgent::aggregate_sample(const std::vector<std::vector<double> > &in_sample,
                                          std::vector<double> &out_sample)
    {
        for (size_t idx = 0; idx < m_member.size(); ++idx) {
            Slice &slice = m_slice[idx];
            const auto &map = m_spec->sample_map[idx];
            slice.child_sample.resize(in_sample.size(), std::vector<double>(map.size(), NAN));
            for (size_t child = 0; child < in_sample.size(); ++child) {
                gather(in_sample[child], map, slice.child_sample[child]);
            }
            m_member[idx]->aggregate_sample(slice.child_sample, slice.sample);
        }
        pass_samples(out_sample);
    }

    void CompositeAgent::pass_samples(std::vector<double> &out_sample)
    {
        // A member that sends nothing this period passes on what it sent
        // last; the composite sends once every member with samples has
        // sent something.
        m_is_sample_sent = false;
        bool is_complete = true;
        for (size_t idx = 0; idx < m_member.size(); ++idx) {
            Slice &slice = m_slice[idx];
            if (m_member[idx]->do_send_sample()) {
                slice.sent = slice.sample;
                slice.has_sent = true;
                m_is_sample_sent = true;
            }
            is_complete &= slice.has_sent || slice.sample.empty();
            scatter(slice.sent, m_spec->sample_map[idx], &m_spec->sample_owned[idx], out_sample);
        }
        m_is_sample_sent &= is_complete;
    }

    bool CompositeAgent::do_send_sample(void) const
    {
        return m_is_sample_sent;
    }

    void CompositeAgent::adjust_platform(const std::vector<double> &in_policy)
    {
        m_is_merge_written = false;
        std::fill(m_is_shared_adjusted.begin(), m_is_shared_adjusted.end(), false);
        for (size_t idx = 0; idx < m_member.size(); ++idx) {
            auto &slice = m_slice[idx].policy;
            gather(in_policy, m_spec->policy_map[idx], slice);
            for (size_t shared : m_member_shared[idx]) {
                m_adjust_count[shared] = m_ledger->num_adjust(m_shared[shared].control_idx);
            }
            m_member[idx]->adjust_platform(slice);
            // A member's adjust() of a shared control is noted; the merged
            // setting, adjusted last, is the one written.
            for (size_t shared : m_member_shared[idx]) {
                SharedControl &control = m_shared[shared];
                if (m_ledger->num_adjust(control.control_idx) != m_adjust_count[shared]) {
                    size_t pos = std::find(control.members.begin(), control.members.end(), idx) -
                                 control.members.begin();
                    control.setting[pos] = m_ledger->adjusted_setting(control.control_idx);
                    m_is_shared_adjusted[shared] = true;
                }
            }
        }
        for (size_t shared = 0; shared < m_shared.size(); ++shared) {
            if (!m_is_shared_adjusted[shared]) {
                continue;
            }
            const SharedControl &control = m_shared[shared];
            double merged = NAN;
            for (double setting : control.setting) {
                if (std::isnan(setting)) {
                    continue;
                }
                if (std::isnan(merged) || control.rule == M_MERGE_LAST ||
                    (control.rule == M_MERGE_MIN && setting < merged) ||
                    (control.rule == M_MERGE_MAX && setting > merged)) {
                    merged = setting;
                }
            }
            m_platform_io.adjust(control.control_idx, merged);
            m_is_merge_written = true;
        }
    }

    bool CompositeAgent::do_write_batch(void) const
    {
        return m_is_merge_written ||
               std::any_of(m_member.begin(), m_member.end(),
                           [](const auto &member) { return member->do_write_batch(); });
    }

    void CompositeAgent::sample_platform(std::vector<double> &out_sample)
    {
        for (size_t idx = 0; idx < m_member.size(); ++idx) {
            m_member[idx]->sample_platform(m_slice[idx].sample);
        }
        pass_samples(out_sample);
    }

    void CompositeAgent::wait(void)
    {
        m_member[m_wait_member]->wait();
    }

    double CompositeAgent::period(void) const
    {
        return m_period;
    }

    std::vector<std::pair<std::string, std::string> > CompositeAgent::prefixed(
        size_t member, const std::vector<std::pair<std::string, std::string> > &pairs) const
    {
        std::vector<std::pair<std::string, std::string> > result;
        for (const auto &kv : pairs) {
            result.emplace_back(m_spec->members[member] + "/" + kv.first, kv.second);
        }
        return result;
    }

    std::vector<std::pair<std::string, std::string> > CompositeAgent::report_header(void) const
    {
        std::vector<std::pair<std::string, std::string> > result;
        for (size_t idx = 0; idx < m_member.size(); ++idx) {
            auto pairs = prefixed(idx, m_member[idx]->report_header());
            result.insert(result.end(), pairs.begin(), pairs.end());
        }
        return result;
    }

    std::vector<std::pair<std::string, std::string> > CompositeAgent::report_host(void) const
    {
        std::vector<std::pair<std::string, std::string> > result;
        for (size_t idx = 0; idx < m_member.size(); ++idx) {
            auto pairs = prefixed(idx, m_member[idx]->report_host());
            result.insert(result.end(), pairs.begin(), pairs.end());
        }
        return result;
    }

    std::map<uint64_t, std::vector<std::pair<std::string, std::string> > >
        CompositeAgent::report_region(void) const
    {
        std::map<uint64_t, std::vector<std::pair<std::string, std::string> > > result;
        for (size_t idx = 0; idx < m_member.size(); ++idx) {
            for (const auto &region : m_member[idx]->report_region()) {
                auto pairs = prefixed(idx, region.second);
                auto &into = result[region.first];
                into.insert(into.end(), pairs.begin(), pairs.end());
            }
        }
        return result;
    }

    std::vector<std::string> CompositeAgent::trace_names(void) const
    {
        std::vector<std::vector<std::string> > names;
        std::map<std::string, int> count;
        for (const auto &member : m_member) {
            names.push_back(member->trace_names());
            for (const auto &name : names.back()) {
                ++count[name];
            }
        }
        // A column two members share is named "member/column" for each.
        std::vector<std::string> result;
        for (size_t idx = 0; idx < names.size(); ++idx) {
            for (const auto &name : names[idx]) {
                result.push_back(count[name] > 1 ? m_spec->members[idx] + "/" + name : name);
            }
        }
        return result;
    }

    std::vector<std::function<std::string(double)> > CompositeAgent::trace_formats(void) const
    {
        std::vector<std::function<std::string(double)> > result;
        for (const auto &member : m_member) {
            auto formats = member->trace_formats();
            if (formats.empty()) {
                formats.assign(member->trace_names().size(), geopm::string_format_double);
            }
            result.insert(result.end(), formats.begin(), formats.end());
        }
        return result;
    }

    void CompositeAgent::trace_values(std::vector<double> &values)
    {
        for (size_t idx = 0; idx < m_member.size(); ++idx) {
            Slice &slice = m_slice[idx];
            if (slice.trace.empty()) {
                continue;
            }
            m_member[idx]->trace_values(slice.trace);
            std::copy(slice.trace.begin(), slice.trace.end(), values.begin() + slice.trace_offset);
        }
    }

    void CompositeAgent::enforce_policy(const std::vector<double> &policy) const
    {
        for (size_t idx = 0; idx < m_member.size(); ++idx) {
            auto &slice = m_slice[idx].policy;
            gather(policy, m_spec->policy_map[idx], slice);
            m_member[idx]->enforce_policy(slice);
        }
    }
}
