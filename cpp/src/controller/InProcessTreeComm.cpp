#include "InProcessTreeComm.hpp"

#include <cmath>
#include <string>

#include "geopm/Exception.hpp"

#include "TreeGeometry.hpp"

namespace geopm_bridge
{
    namespace
    {
        /// What a parent at one level and its children share.
        struct Family
        {
            Family(int num_child, size_t num_policy, size_t num_sample)
                : sample(num_child, std::vector<double>(num_sample, NAN))
                , is_sample_new(num_child, false)
                , num_sample_new(0)
                , policy(num_child, std::vector<double>(num_policy, NAN))
                , is_policy_held(num_child, false)
            {
            }
            std::vector<std::vector<double> > sample;
            std::vector<bool> is_sample_new;
            int num_sample_new;
            std::vector<std::vector<double> > policy;
            std::vector<bool> is_policy_held;
        };

        /// Every family of the tree: families[node][level] for the levels
        /// node controls.
        struct Mailboxes
        {
            std::vector<std::vector<Family> > families;
        };

        class InProcessTreeComm : public GeometryTreeComm
        {
            public:
                InProcessTreeComm(const TreeGeometry &geometry, int node,
                                  std::shared_ptr<Mailboxes> mailboxes)
                    : GeometryTreeComm(geometry, node)
                    , m_mailboxes(std::move(mailboxes))
                    , m_overhead_send(0)
                {
                }

                void send_up(int level, const std::vector<double> &sample) override
                {
                    check_level("send_up", level, m_max_level);
                    int parent = m_geometry.parent(m_node, level);
                    Family &family = m_mailboxes->families[parent][level];
                    int rank = m_geometry.level_rank(m_node, level);
                    check_size("send_up", sample.size(), family.sample[rank].size());
                    family.sample[rank] = sample;
                    if (!family.is_sample_new[rank]) {
                        family.is_sample_new[rank] = true;
                        ++family.num_sample_new;
                    }
                    if (parent != m_node) {
                        m_overhead_send += sample.size() * sizeof(double);
                    }
                }

                void send_down(int level, const std::vector<std::vector<double> > &policy) override
                {
                    check_level("send_down", level, m_num_level_ctl);
                    Family &family = m_mailboxes->families[m_node][level];
                    check_size("send_down", policy.size(), family.policy.size());
                    for (size_t child = 0; child < policy.size(); ++child) {
                        check_size("send_down", policy[child].size(), family.policy[child].size());
                        if (family.is_policy_held[child] &&
                            is_same_message(policy[child], family.policy[child])) {
                            continue;
                        }
                        family.policy[child] = policy[child];
                        family.is_policy_held[child] = true;
                        if (child != 0) {
                            m_overhead_send += policy[child].size() * sizeof(double);
                        }
                    }
                }

                bool receive_up(int level, std::vector<std::vector<double> > &sample) override
                {
                    check_level("receive_up", level, m_num_level_ctl);
                    Family &family = m_mailboxes->families[m_node][level];
                    check_size("receive_up", sample.size(), family.sample.size());
                    if (family.num_sample_new != (int)family.sample.size()) {
                        return false;
                    }
                    family.is_sample_new.assign(family.sample.size(), false);
                    family.num_sample_new = 0;
                    for (const auto &child : family.sample) {
                        if (has_nan(child)) {
                            return false;
                        }
                    }
                    for (size_t child = 0; child < sample.size(); ++child) {
                        check_size("receive_up", sample[child].size(), family.sample[child].size());
                        sample[child] = family.sample[child];
                    }
                    return true;
                }

                bool receive_down(int level, std::vector<double> &policy) override
                {
                    check_level("receive_down", level, m_max_level);
                    int parent = m_geometry.parent(m_node, level);
                    Family &family = m_mailboxes->families[parent][level];
                    int rank = m_geometry.level_rank(m_node, level);
                    if (!family.is_policy_held[rank]) {
                        return false;
                    }
                    check_size("receive_down", policy.size(), family.policy[rank].size());
                    policy = family.policy[rank];
                    return true;
                }

                size_t overhead_send(void) const override
                {
                    return m_overhead_send;
                }
            private:
                static void check_size(const char *func, size_t actual, size_t expected)
                {
                    if (actual != expected) {
                        throw geopm::Exception(std::string("InProcessTreeComm::") + func +
                                               "(): a message of " + std::to_string(actual) +
                                               " values where " + std::to_string(expected) +
                                               " are expected", GEOPM_ERROR_LOGIC,
                                               __FILE__, __LINE__);
                    }
                }

                std::shared_ptr<Mailboxes> m_mailboxes;
                size_t m_overhead_send;
        };
    }

    std::vector<std::unique_ptr<TreeComm> >
        make_in_process_tree_comms(const TreeGeometry &geometry, size_t num_policy,
                                   size_t num_sample)
    {
        auto mailboxes = std::make_shared<Mailboxes>();
        mailboxes->families.resize(geometry.num_node());
        for (int node = 0; node < geometry.num_node(); ++node) {
            int num_level_ctl = geometry.num_level_controlled(node);
            for (int level = 0; level < num_level_ctl; ++level) {
                mailboxes->families[node].emplace_back(geometry.level_size(level), num_policy,
                                                       num_sample);
            }
        }
        std::vector<std::unique_ptr<TreeComm> > result;
        for (int node = 0; node < geometry.num_node(); ++node) {
            result.push_back(std::make_unique<InProcessTreeComm>(geometry, node, mailboxes));
        }
        return result;
    }
}
