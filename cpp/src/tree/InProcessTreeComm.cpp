#include "InProcessTreeComm.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "geopm/Exception.hpp"

#include "TreeGeometry.hpp"

namespace geopm_bridge
{
    namespace
    {
        /// What a parent at one level and its children share. Each kind
        /// of message lies in one flat block (child-major), so a walk over
        /// thousands of simulated nodes touches few cache lines.
        struct Family
        {
            Family(int num_child, size_t num_policy, size_t num_sample)
                : num_policy(num_policy)
                , num_sample(num_sample)
                , num_sample_new(0)
                , sample(num_child * num_sample, NAN)
                , is_sample_new(num_child, 0)
                , policy(num_child * num_policy, NAN)
                , is_policy_held(num_child, 0)
            {
            }
            const size_t num_policy;
            const size_t num_sample;
            int num_sample_new;
            std::vector<double> sample;
            std::vector<char> is_sample_new;
            std::vector<double> policy;
            std::vector<char> is_policy_held;
        };

        /// Every family of the tree: families[node][level] for the levels
        /// node controls (built once: the addresses never change).
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
                    // Where this node's messages go, level by level, worked
                    // out once.
                    for (int level = 0; level < m_max_level; ++level) {
                        int parent = geometry.parent(node, level);
                        m_link.push_back({&m_mailboxes->families[parent][level],
                                          level < m_num_level_ctl ?
                                              &m_mailboxes->families[node][level] : nullptr,
                                          geometry.level_rank(node, level), parent != node});
                    }
                }

                void send_up(int level, const std::vector<double> &sample) override
                {
                    check_level("send_up", level, m_max_level);
                    const Link &link = m_link[level];
                    Family &family = *link.parent;
                    check_size("send_up", sample.size(), family.num_sample);
                    std::copy(sample.begin(), sample.end(),
                              family.sample.begin() + link.rank * family.num_sample);
                    if (!family.is_sample_new[link.rank]) {
                        family.is_sample_new[link.rank] = 1;
                        ++family.num_sample_new;
                    }
                    if (link.is_remote) {
                        m_overhead_send += sample.size() * sizeof(double);
                    }
                }

                void send_down(int level, const std::vector<std::vector<double> > &policy) override
                {
                    check_level("send_down", level, m_num_level_ctl);
                    Family &family = *m_link[level].own;
                    check_size("send_down", policy.size(), family.is_policy_held.size());
                    for (size_t child = 0; child < policy.size(); ++child) {
                        check_size("send_down", policy[child].size(), family.num_policy);
                        auto held = family.policy.begin() + child * family.num_policy;
                        if (family.is_policy_held[child] &&
                            is_same_message(policy[child].data(), &*held, family.num_policy)) {
                            continue;
                        }
                        std::copy(policy[child].begin(), policy[child].end(), held);
                        family.is_policy_held[child] = 1;
                        if (child != 0) {
                            m_overhead_send += policy[child].size() * sizeof(double);
                        }
                    }
                }

                bool receive_up(int level, std::vector<std::vector<double> > &sample) override
                {
                    check_level("receive_up", level, m_num_level_ctl);
                    Family &family = *m_link[level].own;
                    size_t num_child = family.is_sample_new.size();
                    check_size("receive_up", sample.size(), num_child);
                    if (family.num_sample_new != (int)num_child) {
                        return false;
                    }
                    std::fill(family.is_sample_new.begin(), family.is_sample_new.end(), 0);
                    family.num_sample_new = 0;
                    for (double value : family.sample) {
                        if (std::isnan(value)) {
                            return false;
                        }
                    }
                    auto from = family.sample.begin();
                    for (auto &child : sample) {
                        check_size("receive_up", child.size(), family.num_sample);
                        std::copy(from, from + family.num_sample, child.begin());
                        from += family.num_sample;
                    }
                    return true;
                }

                bool receive_down(int level, std::vector<double> &policy) override
                {
                    check_level("receive_down", level, m_max_level);
                    const Link &link = m_link[level];
                    const Family &family = *link.parent;
                    if (!family.is_policy_held[link.rank]) {
                        return false;
                    }
                    check_size("receive_down", policy.size(), family.num_policy);
                    auto held = family.policy.begin() + link.rank * family.num_policy;
                    std::copy(held, held + family.num_policy, policy.begin());
                    return true;
                }

                size_t overhead_send(void) const override
                {
                    return m_overhead_send;
                }
            private:
                /// This node's place at one level.
                struct Link
                {
                    Family *parent;  // the family it is a child in
                    Family *own;     // the family it heads (levels it controls)
                    int rank;        // its rank in parent
                    bool is_remote;  // the parent is on another node
                };

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
                std::vector<Link> m_link;
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
