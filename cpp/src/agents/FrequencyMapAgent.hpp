/*
 * frequency_map: runs each region at a CPU frequency chosen per region hash
 * by the policy (HASH_<i> / FREQ_<i>), everything else at FREQ_CPU_DEFAULT,
 * and optionally pins the uncore (FREQ_CPU_UNCORE) and GPU
 * (FREQ_GPU_DEFAULT) frequencies.  Names and behaviour follow
 * geopm_agent_frequency_map(7) of GEOPM 3.1.
 */
#ifndef GEOPM_BRIDGE_FREQUENCYMAPAGENT_HPP_INCLUDE
#define GEOPM_BRIDGE_FREQUENCYMAPAGENT_HPP_INCLUDE

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "geopm/Agent.hpp"
#include "geopm_bridge/AgentPeriod.hpp"

namespace geopm
{
    class PlatformIO;
    class PlatformTopo;
    class Waiter;

    class FrequencyMapAgent : public Agent, public geopm_bridge::AgentPeriod
    {
        public:
            enum m_policy_e {
                M_POLICY_FREQ_CPU_DEFAULT,
                M_POLICY_FREQ_CPU_UNCORE,
                M_POLICY_FREQ_GPU_DEFAULT,
                // Then (HASH_<i>, FREQ_<i>) pairs, i in [0, M_NUM_MAPPED).
                M_POLICY_FIRST_HASH,
            };
            /// Region entries a policy may map (HASH_0 ... HASH_30).
            static constexpr int M_NUM_MAPPED = 31;
            static constexpr int M_NUM_POLICY = M_POLICY_FIRST_HASH + 2 * M_NUM_MAPPED;

            FrequencyMapAgent();
            /// Test seam.
            FrequencyMapAgent(PlatformIO &platform_io, const PlatformTopo &topo,
                              std::shared_ptr<Waiter> waiter);
            virtual ~FrequencyMapAgent();
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

            /// Registration name: "frequency_map".
            static std::string plugin_name(void);
            static std::unique_ptr<Agent> make_plugin(void);
            /// FREQ_CPU_DEFAULT, FREQ_CPU_UNCORE, FREQ_GPU_DEFAULT, then
            /// HASH_0, FREQ_0, ..., HASH_30, FREQ_30 (65 names).
            static std::vector<std::string> policy_names(void);
            /// None.
            static std::vector<std::string> sample_names(void);
            /// Default control-loop period (s); GEOPM_PERIOD overrides it.
            static constexpr double M_WAIT_SEC = 0.002;
        private:
            void init_platform_io(void);
            // Takes a validated policy in; sets m_is_policy_updated.
            void update_policy(const std::vector<double> &policy);

            PlatformIO &m_platform_io;
            const PlatformTopo &m_topo;
            std::shared_ptr<Waiter> m_waiter;
            const double m_cpu_freq_min;
            const double m_cpu_freq_max;
            bool m_has_gpu;
            double m_gpu_freq_min;
            double m_gpu_freq_max;
            // Leaf state: one control and one hash signal per domain of
            // CPU_FREQUENCY_MAX_CONTROL.
            int m_ctl_domain;
            std::vector<int> m_freq_ctl_idx;
            std::vector<int> m_hash_sig_idx;
            std::vector<uint64_t> m_hash;
            std::vector<double> m_applied_freq;
            int m_uncore_min_ctl_idx;
            int m_uncore_max_ctl_idx;
            int m_gpu_min_ctl_idx;
            int m_gpu_max_ctl_idx;
            double m_uncore_start_min;
            double m_uncore_start_max;
            // The policy in force.
            bool m_have_policy;
            bool m_is_policy_updated;
            double m_default_freq;
            double m_uncore_freq;
            double m_gpu_freq;
            std::map<uint64_t, double> m_region_freq;
            // What has been applied.
            bool m_is_started;
            bool m_do_write_batch;
            double m_applied_uncore;
            double m_applied_gpu;
            // Regions seen running at the default frequency.
            std::set<uint64_t> m_default_regions;
    };
}

#endif
