/*
 * power_balancer: holds a job to an average power limit per node
 * (CPU_POWER_LIMIT) while moving power from the nodes that finish their
 * epochs early to the node that holds the job back.  Names and behaviour
 * follow geopm_agent_power_balancer(7) of GEOPM 3.1: the root steps every
 * node through rounds of three steps (send down a limit, measure the epoch
 * runtime, reduce the limit to the slowest node's runtime), passing the
 * step, the slowest runtime and the power saved in the policy and sample.
 */
#ifndef GEOPM_BRIDGE_POWERBALANCERAGENT_HPP_INCLUDE
#define GEOPM_BRIDGE_POWERBALANCERAGENT_HPP_INCLUDE

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "geopm/Agent.hpp"
#include "geopm_bridge/AgentPeriod.hpp"

namespace geopm
{
    class PlatformIO;
    class PlatformTopo;
    class PowerBalancer;
    class SampleAggregator;
    class Waiter;

    class PowerBalancerAgent : public Agent, public geopm_bridge::AgentPeriod
    {
        public:
            enum m_policy_e {
                /// Average power limit per node (W); non-zero only when
                /// the root (re)starts the algorithm with a budget.
                M_POLICY_CPU_POWER_LIMIT,
                /// The step the root asks for (rounds x M_NUM_STEP + step).
                M_POLICY_STEP_COUNT,
                /// The slowest node's epoch runtime (s), once measured.
                M_POLICY_MAX_EPOCH_RUNTIME,
                /// Power (W) each node may add to its limit in the next
                /// send-down step.
                M_POLICY_POWER_SLACK,
                M_NUM_POLICY,
            };
            enum m_sample_e {
                /// The step this subtree has completed.
                M_SAMPLE_STEP_COUNT,
                /// Largest epoch runtime (s) in the subtree.
                M_SAMPLE_MAX_EPOCH_RUNTIME,
                /// Power (W) the subtree gave up by reducing its limits.
                M_SAMPLE_SUM_POWER_SLACK,
                /// Smallest room (W) between a node's limit and its maximum.
                M_SAMPLE_MIN_POWER_HEADROOM,
                M_NUM_SAMPLE,
            };
            enum m_step_e {
                M_STEP_SEND_DOWN_LIMIT,
                M_STEP_MEASURE_RUNTIME,
                M_STEP_REDUCE_LIMIT,
                M_NUM_STEP,
            };
            enum m_trace_e {
                M_TRACE_POLICY_CPU_POWER_LIMIT,
                M_TRACE_POLICY_STEP_COUNT,
                M_TRACE_POLICY_MAX_EPOCH_RUNTIME,
                M_TRACE_POLICY_POWER_SLACK,
                M_TRACE_ENFORCED_POWER_LIMIT,
                M_NUM_TRACE,
            };

            PowerBalancerAgent();
            /// Test seam: balancers may be empty (one per package is made
            /// at the leaf).
            PowerBalancerAgent(PlatformIO &platform_io, const PlatformTopo &topo,
                               std::shared_ptr<SampleAggregator> sample_agg,
                               std::vector<std::shared_ptr<PowerBalancer> > balancers,
                               std::shared_ptr<Waiter> waiter);
            virtual ~PowerBalancerAgent();
            void init(int level, const std::vector<int> &fan_in, bool is_level_root) override;
            void validate_policy(std::vector<double> &policy) const override;
            void split_policy(const std::vector<double> &in_policy,
                              std::vector<std::vector<double> > &out_policy) override;
            bool do_send_policy(void) const override;
            void aggregate_sample(const std::vector<std::vector<double> > &in_sample,
                                  std::vector<double> &out_sample) override;
            bool do_send_sample(void) const override;
            void adjust_platform(const std::vector<double> &in_policy) override;
            bool do_write_batch(void) const override;
            void sample_platform(std::vector<double> &out_sample) override;
            void wait(void) override;
            double period(void) const override;
            std::vector<std::pair<std::string, std::string> > report_header(void) const override;
            std::vector<std::pair<std::string, std::string> > report_host(void) const override;
            std::map<uint64_t, std::vector<std::pair<std::string, std::string> > > report_region(void) const override;
            std::vector<std::string> trace_names(void) const override;
            std::vector<std::function<std::string(double)> > trace_formats(void) const override;
            void trace_values(std::vector<double> &values) override;
            void enforce_policy(const std::vector<double> &policy) const override;

            /// Registration name: "power_balancer".
            static std::string plugin_name(void);
            static std::unique_ptr<Agent> make_plugin(void);
            /// CPU_POWER_LIMIT, STEP_COUNT, MAX_EPOCH_RUNTIME, POWER_SLACK.
            static std::vector<std::string> policy_names(void);
            /// STEP_COUNT, MAX_EPOCH_RUNTIME, SUM_POWER_SLACK,
            /// MIN_POWER_HEADROOM.
            static std::vector<std::string> sample_names(void);
            /// "<round>-STEP_SEND_DOWN_LIMIT" and so on, as in GEOPM's trace.
            static std::string format_step_count(double step_count);
            /// Default control-loop period (s); GEOPM_PERIOD overrides it.
            static constexpr double M_WAIT_SEC = 0.005;
            /// The package power-limit time window the leaf sets (s).
            static constexpr double M_TIME_WINDOW = 0.015;
            /// A new limit is trusted after this many time windows.
            static constexpr double M_STABILITY_FACTOR = 3.0;
        private:
            enum m_role_e {
                M_ROLE_LEAF,
                M_ROLE_TREE,
                M_ROLE_ROOT,
            };
            /// One package of a leaf: its balancer and what it measured.
            struct Package
            {
                int epoch_count_idx;
                int time_idx;
                int network_idx;
                int ignore_idx;
                int limit_ctl_idx;
                double epoch_count;
                double last_epoch_count;
                // No application process here, but on another package.
                bool is_idle;
                double runtime;
                double enforced_limit;
                double power_slack;
                double power_headroom;
                bool is_out_of_bounds;
                bool is_step_complete;
            };

            static int step_of(double step_count);
            void init_leaf(bool is_single_node);
            /// Throws, naming CPU_POWER_LIMIT, if cap is not a budget the
            /// nodes allow.
            void check_budget(double cap, const std::string &method) const;
            // Tree and root.
            bool tree_descend(const std::vector<double> &in_policy,
                              std::vector<std::vector<double> > &out_policy);
            bool root_descend(const std::vector<double> &in_policy,
                              std::vector<std::vector<double> > &out_policy);
            bool tree_ascend(const std::vector<std::vector<double> > &in_sample,
                             std::vector<double> &out_sample);
            /// At the root (or a single node): the policy of the next
            /// step from the sample of the step just completed.
            void complete_step(const std::vector<double> &sample);
            // Leaf.
            void restart(double node_limit);
            void enter_step(void);
            void enter_send_down_limit(void);
            /// The runtime of the epoch just ended on package pkg, less its
            /// time in network and ignored regions; NaN if no new epoch.
            double new_epoch_runtime(Package &pkg);
            void sample_measure_runtime(void);
            void sample_reduce_limit(void);
            void set_steps_complete(bool is_complete);
            bool are_steps_complete(void) const;
            /// NaN before the leaf set any limit.
            double enforced_limit(void) const;

            PlatformIO &m_platform_io;
            const PlatformTopo &m_topo;
            std::shared_ptr<SampleAggregator> m_sample_agg;
            std::vector<std::shared_ptr<PowerBalancer> > m_balancer;
            std::shared_ptr<Waiter> m_waiter;
            const int m_num_pkg;
            const double m_pkg_min;
            const double m_pkg_max;
            const double m_node_min;
            const double m_node_max;
            const double m_tdp;
            m_role_e m_role;
            int m_num_node;
            bool m_is_single_node;
            // A leaf with a parent: its policy comes only from the parent.
            bool m_is_child_leaf;
            // The policy of the current step (at the root, the one it
            // sends; elsewhere, the one it received), and the step.
            std::vector<double> m_policy;
            int64_t m_step_count;
            bool m_is_step_complete;
            double m_root_cap;
            std::vector<std::function<double(const std::vector<double> &)> > m_agg_func;
            std::vector<Package> m_pkg;
            bool m_do_send_policy;
            bool m_do_send_sample;
            bool m_do_write_batch;
    };
}

#endif
