#include "PowerBalancerImp.hpp"

#include <algorithm>
#include <cmath>

#include "geopm/Agg.hpp"
#include "geopm/Helper.hpp"

namespace geopm
{
    // Defaults of the balancer: the smallest trial step (W), the fewest
    // epochs in a measurement, the least time a measurement covers (s).
    static constexpr double M_DEFAULT_MIN_TRIAL_DELTA = 0.125;
    static constexpr int M_DEFAULT_MIN_NUM_SAMPLE = 9;
    static constexpr double M_DEFAULT_MIN_DURATION = 0.25;
    // The first trial step (W), and how far below the slowest node's epoch
    // time the target lies (a fraction of it).
    static constexpr double M_FIRST_TRIAL_DELTA = 8.0;
    static constexpr double M_TARGET_MARGIN = 0.02;

    std::unique_ptr<PowerBalancer> PowerBalancer::make_unique(double ctl_latency)
    {
        return geopm::make_unique<PowerBalancerImp>(ctl_latency);
    }

    std::shared_ptr<PowerBalancer> PowerBalancer::make_shared(double ctl_latency)
    {
        return std::make_shared<PowerBalancerImp>(ctl_latency);
    }

    PowerBalancerImp::PowerBalancerImp(double ctl_latency)
        : PowerBalancerImp(ctl_latency, M_DEFAULT_MIN_TRIAL_DELTA, M_DEFAULT_MIN_NUM_SAMPLE,
                           M_DEFAULT_MIN_DURATION)
    {

    }

    PowerBalancerImp::PowerBalancerImp(double ctl_latency, double min_trial_delta,
                                       int min_num_sample, double min_duration)
        : M_CONTROL_LATENCY(ctl_latency)
        , M_MIN_TRIAL_DELTA(min_trial_delta)
        , M_MIN_NUM_SAMPLE(min_num_sample)
        , M_MIN_DURATION(min_duration)
        , m_power_cap(NAN)
        , m_power_limit(NAN)
        , m_is_limit_changed(false)
        , m_target_runtime(NAN)
        , m_trial_delta(M_FIRST_TRIAL_DELTA)
        , m_runtime_sample(NAN)
        , m_is_target_met(false)
        , m_window(0)
    {

    }

    void PowerBalancerImp::power_cap(double cap)
    {
        m_power_cap = cap;
        m_power_limit = cap;
        m_target_runtime = NAN;
        m_window.clear();
    }

    double PowerBalancerImp::power_cap(void) const
    {
        return m_power_cap;
    }

    double PowerBalancerImp::power_limit(void) const
    {
        return m_power_limit;
    }

    void PowerBalancerImp::power_limit_adjusted(double limit)
    {
        if (limit > m_power_limit) {
            // Clamped up: the limit cannot go lower.
            m_is_target_met = true;
        }
        if (limit != m_power_limit) {
            m_power_limit = limit;
            m_is_limit_changed = true;
            m_limit_change_time = std::chrono::steady_clock::now();
            m_window.clear();
        }
    }

    bool PowerBalancerImp::is_limit_stable(void) const
    {
        if (!m_is_limit_changed) {
            return true;
        }
        std::chrono::duration<double> since = std::chrono::steady_clock::now() - m_limit_change_time;
        return since.count() > M_CONTROL_LATENCY;
    }

    bool PowerBalancerImp::is_runtime_stable(double measured_runtime)
    {
        if (std::isnan(measured_runtime) || !is_limit_stable()) {
            return false;
        }
        bool result = false;
        if (m_window.size() == 0) {
            // Until the durations cover the least time, their number is
            // not known: it sizes the window (at least the fewest).
            m_first.push_back(measured_runtime);
            if (Agg::sum(m_first) > M_MIN_DURATION) {
                int count = static_cast<int>(m_first.size());
                result = count >= M_MIN_NUM_SAMPLE;
                m_window.set_capacity(std::max(count, M_MIN_NUM_SAMPLE));
                for (double runtime : m_first) {
                    m_window.insert(runtime);
                }
                m_first.clear();
            }
        }
        else {
            m_window.insert(measured_runtime);
            result = m_window.size() == m_window.capacity();
        }
        calculate_runtime_sample();
        return result;
    }

    double PowerBalancerImp::runtime_sample(void) const
    {
        return m_runtime_sample;
    }

    void PowerBalancerImp::calculate_runtime_sample(void)
    {
        m_runtime_sample = m_window.size() != 0 ? Agg::median(m_window.make_vector()) :
                                                  Agg::median(m_first);
    }

    void PowerBalancerImp::target_runtime(double largest_runtime)
    {
        m_target_runtime = largest_runtime * (1.0 - M_TARGET_MARGIN);
        m_is_target_met = m_runtime_sample > m_target_runtime;
    }

    bool PowerBalancerImp::is_target_met(double measured_runtime)
    {
        if (m_is_target_met || !is_runtime_stable(measured_runtime)) {
            return m_is_target_met;
        }
        if (m_runtime_sample > m_target_runtime) {
            // Slow enough: step back up once (not above the cap) and stop.
            if (m_power_limit < m_power_cap) {
                m_power_limit = std::min(m_power_limit + m_trial_delta, m_power_cap);
            }
            m_is_target_met = true;
        }
        else {
            // Still faster than the target: try a lower limit.
            m_power_limit -= m_trial_delta;
            m_window.clear();
        }
        return m_is_target_met;
    }

    double PowerBalancerImp::power_slack(void)
    {
        double slack = m_power_cap - m_power_limit;
        if (slack == 0.0) {
            m_trial_delta = std::max(m_trial_delta / 2.0, M_MIN_TRIAL_DELTA);
        }
        return slack;
    }
}
