/*
 * power_governor: enforces a node power budget (policy CPU_POWER_LIMIT, in
 * watts) by setting package power limits, and reports the median power the
 * node draws back up the tree.
 */
#ifndef GEOPM_BRIDGE_POWERGOVERNORAGENT_HPP_INCLUDE
#define GEOPM_BRIDGE_POWERGOVERNORAGENT_HPP_INCLUDE

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
    class PowerGovernor;
    class Waiter;

    class PowerGovernorAgent : public Agent, public geopm_bridge::AgentPeriod
    {
        public:
            enum m_policy_e {
                M_POLICY_POWER,
                M_NUM_POLICY,
            };
            enum m_sample_e {
                M_SAMPLE_POWER,
                M_SAMPLE_IS_CONVERGED,
                M_SAMPLE_POWER_ENFORCED,
                M_NUM_SAMPLE,
            };

            PowerGovernorAgent();
            /// Test seam: power_gov may be null (made in init() at the leaf).
            PowerGovernorAgent(PlatformIO &platform_io,
                               std::unique_ptr<PowerGovernor> power_gov,
                               std::shared_ptr<Waiter> waiter);
            virtual ~PowerGovernorAgent();
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

            /// Registration name: "power_governor".
            static std::string plugin_name(void);
            static std::unique_ptr<Agent> make_plugin(void);
            /// {"CPU_POWER_LIMIT"}
            static std::vector<std::string> policy_names(void);
            /// {"POWER", "IS_CONVERGED", "POWER_AVERAGE_ENFORCED"}
            static std::vector<std::string> sample_names(void);
            /// Default control-loop period (s); GEOPM_PERIOD overrides it.
            static constexpr double M_WAIT_SEC = 0.005;
        private:
            void init_platform_io(void);

            // Power readings kept for the median sent up the tree.
            static constexpr size_t M_POWER_HISTORY = 16;
            // A leaf reports once it holds more readings than this.
            static constexpr size_t M_MIN_NUM_CONVERGED = 15;
            // A tree agent forwards one converged sample in this many.
            static constexpr int M_ASCEND_PERIOD = 10;

            PlatformIO &m_platform_io;
            const double m_min_power_setting;
            const double m_max_power_setting;
            const double m_tdp_power_setting;
            std::unique_ptr<PowerGovernor> m_power_gov;
            std::shared_ptr<Waiter> m_waiter;
            int m_power_signal_idx;
            std::vector<std::function<double(const std::vector<double> &)> > m_agg_func;
            double m_last_power_budget;
            bool m_power_budget_changed;
            bool m_do_send_sample;
            int m_ascend_count;
            double m_adjusted_power;
            // The last M_POWER_HISTORY readings, as a ring (order does not
            // matter for a median), and room to take their median in: the
            // leaf allocates nothing per control period.
            std::vector<double> m_power_history;
            size_t m_history_next;
            std::vector<double> m_median_scratch;
    };
}

#endif
