/*
 * IdleFrequencyAgent ("idle_frequency"): an agent plugin written the way a
 * GEOPM 3.1 user writes one. Each period it works out which fraction of CPU
 * time the node spent idle (from the PROCSTAT::*_TIME signals) and, where
 * the platform has CPU_FREQUENCY_MAX_CONTROL, caps the frequency low while
 * the node is mostly idle and lifts the cap while it is busy.
 * Build: g++ -std=c++17 -shared -fPIC -I<include> IdleFrequencyAgent.cpp
 *        -L<lib> -lgeopmd -o libgeopmagent_idle_frequency.so.2.1.0
 */
#ifndef IDLEFREQUENCYAGENT_HPP_INCLUDE
#define IDLEFREQUENCYAGENT_HPP_INCLUDE

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "geopm/Agent.hpp"

namespace geopm
{
    class PlatformIO;
    class Waiter;
}

class IdleFrequencyAgent : public geopm::Agent
{
    public:
        IdleFrequencyAgent();
        virtual ~IdleFrequencyAgent() = default;
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
        std::vector<std::pair<std::string, std::string> > report_header(void) const override;
        std::vector<std::pair<std::string, std::string> > report_host(void) const override;
        std::map<uint64_t, std::vector<std::pair<std::string, std::string> > > report_region(void) const override;
        std::vector<std::string> trace_names(void) const override;
        std::vector<std::function<std::string(double)> > trace_formats(void) const override;
        void trace_values(std::vector<double> &values) override;
        void enforce_policy(const std::vector<double> &policy) const override;

        static std::string plugin_name(void);
        static std::unique_ptr<geopm::Agent> make_plugin(void);
        static std::vector<std::string> policy_names(void);
        static std::vector<std::string> sample_names(void);
    private:
        // Must follow policy_names().
        enum m_policy_e {
            M_POLICY_LOW_IDLE,
            M_POLICY_HIGH_IDLE,
            M_POLICY_IDLE_FREQ,
            M_POLICY_BUSY_FREQ,
            M_NUM_POLICY
        };
        // Must follow sample_names().
        enum m_sample_e {
            M_SAMPLE_USER,
            M_SAMPLE_SYSTEM,
            M_SAMPLE_IDLE,
            M_NUM_SAMPLE
        };
        // Cumulative CPU times read each period.
        enum m_signal_e {
            M_SIGNAL_USER,
            M_SIGNAL_SYSTEM,
            M_SIGNAL_IDLE,
            M_NUM_SIGNAL
        };
        enum m_trace_e {
            M_TRACE_IDLE,
            M_TRACE_FREQ,
            M_NUM_TRACE
        };

        double optional_board_signal(const std::string &name) const;

        geopm::PlatformIO &m_platform_io;
        const double m_period;
        std::unique_ptr<geopm::Waiter> m_waiter;
        std::vector<int> m_signal_idx;
        std::vector<double> m_last_time;
        std::vector<double> m_last_sample;
        int m_freq_control_idx;
        double m_default_idle_freq;
        double m_default_busy_freq;
        double m_freq_request;
        bool m_do_write_batch;
        std::vector<double> m_last_policy;
        bool m_do_send_policy;
        double m_min_idle;
        double m_max_idle;
        int m_num_freq_change;
};

#endif
