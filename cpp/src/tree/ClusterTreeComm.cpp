#include "ClusterTreeComm.hpp"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "geopm/Exception.hpp"
#include "geopm_bridge/ClusterComm.hpp"

#include "ClusterTags.hpp"

#include "TreeGeometry.hpp"

namespace geopm_bridge
{
    namespace
    {
        /// The tree over a ClusterComm. A node's own place in the families
        /// it heads (it is child 0 of each) is a local mailbox; everything
        /// else is a message. Incoming messages are drained at each receive
        /// so that only the newest one per sender counts.
        class ClusterTreeComm : public GeometryTreeComm
        {
            public:
                ClusterTreeComm(const TreeGeometry &geometry, ClusterComm &comm,
                                size_t num_policy, size_t num_sample)
                    : GeometryTreeComm(geometry, comm.rank())
                    , m_comm(comm)
                    , m_num_policy(num_policy)
                    , m_num_sample(num_sample)
                    , m_sample(m_num_level_ctl)
                    , m_is_sample_new(m_num_level_ctl)
                    , m_num_sample_new(m_num_level_ctl, 0)
                    , m_last_sent(m_num_level_ctl)
                    , m_is_sent(m_num_level_ctl)
                    , m_policy(m_max_level, std::vector<double>(num_policy, NAN))
                    , m_is_policy_held(m_max_level, false)
                    , m_overhead_send(0)
                {
                    for (int level = 0; level < m_num_level_ctl; ++level) {
                        int num_child = geometry.level_size(level);
                        m_sample[level].assign(num_child, std::vector<double>(num_sample, NAN));
                        m_is_sample_new[level].assign(num_child, false);
                        m_last_sent[level].assign(num_child, std::vector<double>(num_policy, NAN));
                        m_is_sent[level].assign(num_child, false);
                    }
                }

                void send_up(int level, const std::vector<double> &sample) override
                {
                    check_level("send_up", level, m_max_level);
                    check_size("send_up", sample.size(), m_num_sample);
                    if (level < m_num_level_ctl) {
                        store_sample(level, 0, sample.data());
                    }
                    else {
                        size_t size = sample.size() * sizeof(double);
                        m_comm.send(m_geometry.parent(m_node, level), M_TAG_SAMPLE + level,
                                    sample.data(), size);
                        m_overhead_send += size;
                    }
                }

                void send_down(int level, const std::vector<std::vector<double> > &policy) override
                {
                    check_level("send_down", level, m_num_level_ctl);
                    check_size("send_down", policy.size(), m_last_sent[level].size());
                    for (size_t child = 0; child < policy.size(); ++child) {
                        check_size("send_down", policy[child].size(), m_num_policy);
                        if (m_is_sent[level][child] &&
                            is_same_message(policy[child], m_last_sent[level][child])) {
                            continue;
                        }
                        m_last_sent[level][child] = policy[child];
                        m_is_sent[level][child] = true;
                        if (child == 0) {
                            m_policy[level] = policy[child];
                            m_is_policy_held[level] = true;
                        }
                        else {
                            size_t size = m_num_policy * sizeof(double);
                            m_comm.send(m_geometry.child(m_node, level, child),
                                        M_TAG_POLICY + level, policy[child].data(), size);
                            m_overhead_send += size;
                        }
                    }
                }

                bool receive_up(int level, std::vector<std::vector<double> > &sample) override
                {
                    check_level("receive_up", level, m_num_level_ctl);
                    auto &family = m_sample[level];
                    check_size("receive_up", sample.size(), family.size());
                    int source = -1;
                    while (m_comm.receive(M_TAG_SAMPLE + level, source, m_buffer)) {
                        if (source <= m_node || source >= m_geometry.num_node() ||
                            m_geometry.parent(source, level) != m_node) {
                            bad_message("a sample from rank " + std::to_string(source) +
                                        ", which is not a child of rank " + std::to_string(m_node) +
                                        " at level " + std::to_string(level));
                        }
                        check_size("receive_up", m_buffer.size(), m_num_sample * sizeof(double));
                        store_sample(level, m_geometry.level_rank(source, level), m_buffer.data());
                    }
                    if (m_num_sample_new[level] != (int)family.size()) {
                        return false;
                    }
                    m_is_sample_new[level].assign(family.size(), false);
                    m_num_sample_new[level] = 0;
                    for (const auto &child : family) {
                        if (has_nan(child)) {
                            return false;
                        }
                    }
                    sample = family;
                    return true;
                }

                bool receive_down(int level, std::vector<double> &policy) override
                {
                    check_level("receive_down", level, m_max_level);
                    int source = -1;
                    while (m_comm.receive(M_TAG_POLICY + level, source, m_buffer)) {
                        if (source != m_geometry.parent(m_node, level)) {
                            bad_message("a policy from rank " + std::to_string(source) +
                                        ", which is not the parent of rank " + std::to_string(m_node) +
                                        " at level " + std::to_string(level));
                        }
                        check_size("receive_down", m_buffer.size(), m_num_policy * sizeof(double));
                        memcpy(m_policy[level].data(), m_buffer.data(), m_buffer.size());
                        m_is_policy_held[level] = true;
                    }
                    if (!m_is_policy_held[level]) {
                        return false;
                    }
                    policy = m_policy[level];
                    return true;
                }

                size_t overhead_send(void) const override
                {
                    return m_overhead_send;
                }
            private:
                void store_sample(int level, int child, const void *data)
                {
                    memcpy(m_sample[level][child].data(), data, m_num_sample * sizeof(double));
                    if (!m_is_sample_new[level][child]) {
                        m_is_sample_new[level][child] = true;
                        ++m_num_sample_new[level];
                    }
                }

                void check_size(const char *func, size_t actual, size_t expected) const
                {
                    if (actual != expected) {
                        bad_message(std::string(func) + "(): " + std::to_string(actual) +
                                    " where " + std::to_string(expected) + " are expected");
                    }
                }

                [[noreturn]] void bad_message(const std::string &what) const
                {
                    throw geopm::Exception("ClusterTreeComm on rank " + std::to_string(m_node) +
                                           ": " + what, GEOPM_ERROR_LOGIC, __FILE__, __LINE__);
                }

                ClusterComm &m_comm;
                const size_t m_num_policy;
                const size_t m_num_sample;
                // Per controlled level: the children's latest samples.
                std::vector<std::vector<std::vector<double> > > m_sample;
                std::vector<std::vector<bool> > m_is_sample_new;
                std::vector<int> m_num_sample_new;
                // Per controlled level: what each child was last sent.
                std::vector<std::vector<std::vector<double> > > m_last_sent;
                std::vector<std::vector<bool> > m_is_sent;
                // Per level this node takes part in: its latest policy.
                std::vector<std::vector<double> > m_policy;
                std::vector<bool> m_is_policy_held;
                std::string m_buffer;
                size_t m_overhead_send;
        };
    }

    std::unique_ptr<TreeComm> make_cluster_tree_comm(const TreeGeometry &geometry,
                                                     ClusterComm &comm,
                                                     size_t num_policy, size_t num_sample)
    {
        return std::make_unique<ClusterTreeComm>(geometry, comm, num_policy, num_sample);
    }
}
