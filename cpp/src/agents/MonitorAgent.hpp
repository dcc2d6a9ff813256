/*
 * monitor: the default agent. It only lets the controller sample the
 * platform for the report and trace; it has no policy, sends nothing up the
 * tree and writes no control.
 */
#ifndef GEOPM_BRIDGE_MONITORAGENT_HPP_INCLUDE
#define GEOPM_BRIDGE_MONITORAGENT_HPP_INCLUDE

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "geopm/Agent.hpp"
#include "geopm_bridge/AgentPeriod.hpp"

namespace geopm
{
    class Waiter;

    class MonitorAgent : public Agent, public geopm_bridge::AgentPeriod
    {
        public:
            MonitorAgent();
            /// Test seam: pace the loop with the given waiter.
            explicit MonitorAgent(std::shared_ptr<Waiter> waiter);
            virtual ~MonitorAgent() = default;
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

            /// Registration name: "monitor".
            static std::string plugin_name(void);
            static std::unique_ptr<Agent> make_plugin(void);
            /// Empty: monitor takes no policy.
            static std::vector<std::string> policy_names(void);
            /// Empty: monitor sends no sample up the tree.
            static std::vector<std::string> sample_names(void);
            /// Default control-loop period (s); GEOPM_PERIOD overrides it.
            static constexpr double M_WAIT_SEC = 0.2;
        private:
            std::shared_ptr<Waiter> m_waiter;
    };
}

#endif
