/*
 * PowerBalancerImp: the epoch durations collected under the current power
 * limit, and the trial steps that lower it towards the target.
 */
#ifndef GEOPM_BRIDGE_POWERBALANCERIMP_HPP_INCLUDE
#define GEOPM_BRIDGE_POWERBALANCERIMP_HPP_INCLUDE

#include <chrono>
#include <vector>

#include "geopm/CircularBuffer.hpp"
#include "geopm/PowerBalancer.hpp"

namespace geopm
{
    class PowerBalancerImp : public PowerBalancer
    {
        public:
            explicit PowerBalancerImp(double ctl_latency);
            /// With the smallest trial step (watts), the fewest durations
            /// in a measurement and the least time they must cover.
            PowerBalancerImp(double ctl_latency, double min_trial_delta,
                             int min_num_sample, double min_duration);
            virtual ~PowerBalancerImp() = default;
            void power_cap(double cap) override;
            double power_cap(void) const override;
            double power_limit(void) const override;
            void power_limit_adjusted(double limit) override;
            bool is_runtime_stable(double measured_runtime) override;
            double runtime_sample(void) const override;
            void calculate_runtime_sample(void) override;
            void target_runtime(double largest_runtime) override;
            bool is_target_met(double measured_runtime) override;
            double power_slack(void) override;
        private:
            bool is_limit_stable(void) const;

            const double M_CONTROL_LATENCY;
            const double M_MIN_TRIAL_DELTA;
            const int M_MIN_NUM_SAMPLE;
            const double M_MIN_DURATION;
            double m_power_cap;
            double m_power_limit;
            bool m_is_limit_changed;
            std::chrono::steady_clock::time_point m_limit_change_time;
            double m_target_runtime;
            double m_trial_delta;
            double m_runtime_sample;
            bool m_is_target_met;
            // The durations of a measurement: first gathered in m_first
            // until they cover M_MIN_DURATION, which sizes m_window.
            std::vector<double> m_first;
            CircularBuffer<double> m_window;
    };
}

#endif
