#include "PowerGovernorAgent.hpp"

#include <algorithm>
#include <cmath>

#include "geopm/Agg.hpp"
#include "geopm/Environment.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm/PowerGovernor.hpp"
#include "geopm/Waiter.hpp"

namespace geopm
{
    namespace
    {
        const char *const M_NO_POWER_HINT =
            ": power_governor needs CPU power-limit support"
            " (set GEOPM_BRIDGE_NODE_MODEL=1 to simulate it)";

        void require_signal(PlatformIO &pio, const std::string &name)
        {
            if (pio.signal_names().count(name) == 0) {
                throw Exception("PowerGovernorAgent: the platform has no signal \"" + name +
                                "\"" + M_NO_POWER_HINT,
                                GEOPM_ERROR_AGENT_UNSUPPORTED, __FILE__, __LINE__);
            }
        }

        void require_control(PlatformIO &pio, const std::string &name)
        {
            if (pio.control_names().count(name) == 0) {
                throw Exception("PowerGovernorAgent: the platform has no control \"" + name +
                                "\"" + M_NO_POWER_HINT,
                                GEOPM_ERROR_AGENT_UNSUPPORTED, __FILE__, __LINE__);
            }
        }

        void check_policy_size(const std::vector<double> &policy, const std::string &method)
        {
            if (policy.size() != PowerGovernorAgent::M_NUM_POLICY) {
                throw Exception("PowerGovernorAgent::" + method +
                                "(): expected 1 policy value, got " +
                                std::to_string(policy.size()),
                                GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
        }

        // The median of values (none NaN), computed in scratch, whose
        // capacity the caller reserved.
        double median_of(const std::vector<double> &values, std::vector<double> &scratch)
        {
            scratch.assign(values.begin(), values.end());
            auto mid = scratch.begin() + scratch.size() / 2;
            std::nth_element(scratch.begin(), mid, scratch.end());
            if (scratch.size() % 2 == 1) {
                return *mid;
            }
            return (*std::max_element(scratch.begin(), mid) + *mid) / 2.0;
        }

        // Checked first so a platform without power support fails with the
        // missing name rather than a generic read error.
        double read_board_signal(PlatformIO &pio, const std::string &name)
        {
            require_signal(pio, name);
            return pio.read_signal(name, GEOPM_DOMAIN_BOARD, 0);
        }
    }

    PowerGovernorAgent::PowerGovernorAgent()
        : PowerGovernorAgent(platform_io(), nullptr,
                             Waiter::make_unique(environment().period(M_WAIT_SEC)))
    {

    }

    PowerGovernorAgent::PowerGovernorAgent(PlatformIO &platform_io,
                                           std::unique_ptr<PowerGovernor> power_gov,
                                           std::shared_ptr<Waiter> waiter)
        : m_platform_io(platform_io)
        , m_min_power_setting(read_board_signal(m_platform_io, "CPU_POWER_MIN_AVAIL"))
        , m_max_power_setting(read_board_signal(m_platform_io, "CPU_POWER_MAX_AVAIL"))
        , m_tdp_power_setting(read_board_signal(m_platform_io, "CPU_POWER_LIMIT_DEFAULT"))
        , m_power_gov(std::move(power_gov))
        , m_waiter(std::move(waiter))
        , m_power_signal_idx(-1)
        , m_agg_func{Agg::average, Agg::logical_and, Agg::average}  // per m_sample_e
        , m_last_power_budget(NAN)
        , m_power_budget_changed(false)
        , m_do_send_sample(false)
        , m_ascend_count(0)
        , m_adjusted_power(0.0)
        , m_history_next(0)
    {
        m_power_history.reserve(M_POWER_HISTORY);
        m_median_scratch.reserve(M_POWER_HISTORY);
    }

    PowerGovernorAgent::~PowerGovernorAgent() = default;

    std::string PowerGovernorAgent::plugin_name(void)
    {
        return "power_governor";
    }

    std::unique_ptr<Agent> PowerGovernorAgent::make_plugin(void)
    {
        return std::make_unique<PowerGovernorAgent>();
    }

    std::vector<std::string> PowerGovernorAgent::policy_names(void)
    {
        return {"CPU_POWER_LIMIT"};
    }

    std::vector<std::string> PowerGovernorAgent::sample_names(void)
    {
        return {"POWER", "IS_CONVERGED", "POWER_AVERAGE_ENFORCED"};
    }

    void PowerGovernorAgent::init(int level, const std::vector<int> &fan_in, bool)
    {
        if (level < 0 || level > (int)fan_in.size()) {
            throw Exception("PowerGovernorAgent::init(): level " + std::to_string(level) +
                            " is outside [0, " + std::to_string(fan_in.size()) +
                            "] for this tree",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        if (level == 0) {
            // Only the leaf touches the hardware.
            init_platform_io();
        }
    }

    void PowerGovernorAgent::init_platform_io(void)
    {
        require_control(m_platform_io, "CPU_POWER_LIMIT_CONTROL");
        require_signal(m_platform_io, "CPU_POWER");
        if (m_power_gov == nullptr) {
            m_power_gov = PowerGovernor::make_unique();
        }
        m_power_gov->init_platform_io();
        m_power_signal_idx = m_platform_io.push_signal("CPU_POWER", GEOPM_DOMAIN_BOARD, 0);
    }

    void PowerGovernorAgent::validate_policy(std::vector<double> &policy) const
    {
        check_policy_size(policy, "validate_policy");
        double &budget = policy[M_POLICY_POWER];
        if (std::isnan(budget)) {
            budget = m_tdp_power_setting;
        }
        budget = std::min(std::max(budget, m_min_power_setting), m_max_power_setting);
    }

    void PowerGovernorAgent::split_policy(const std::vector<double> &in_policy,
                                          std::vector<std::vector<double> > &out_policy)
    {
        const double budget = in_policy[M_POLICY_POWER];
        if (budget < m_min_power_setting || budget > m_max_power_setting) {
            throw Exception("PowerGovernorAgent::split_policy(): power budget " +
                            std::to_string(budget) + " W is outside [" +
                            std::to_string(m_min_power_setting) + ", " +
                            std::to_string(m_max_power_setting) + "]",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        // Every child gets the whole node budget; send only when it changes
        // (the first budget always differs from the initial NaN).
        m_power_budget_changed = budget != m_last_power_budget;
        if (m_power_budget_changed) {
            m_last_power_budget = budget;
            for (auto &child : out_policy) {
                child[M_POLICY_POWER] = budget;
            }
        }
    }

    bool PowerGovernorAgent::do_send_policy(void) const
    {
        return m_power_budget_changed;
    }

    void PowerGovernorAgent::aggregate_sample(const std::vector<std::vector<double> > &in_sample,
                                              std::vector<double> &out_sample)
    {
        const bool is_stable = std::all_of(in_sample.begin(), in_sample.end(),
            [](const std::vector<double> &child) {
                return child[M_SAMPLE_IS_CONVERGED] != 0.0;
            });
        // Forward one converged sample every M_ASCEND_PERIOD iterations to
        // keep traffic up the tree low.
        m_do_send_sample = is_stable && m_ascend_count == 0;
        if (m_do_send_sample) {
            Agent::aggregate_sample(in_sample, m_agg_func, out_sample);
        }
        if (is_stable) {
            m_ascend_count = (m_ascend_count + 1) % M_ASCEND_PERIOD;
        }
    }

    bool PowerGovernorAgent::do_send_sample(void) const
    {
        return m_do_send_sample;
    }

    void PowerGovernorAgent::adjust_platform(const std::vector<double> &in_policy)
    {
        const double budget = in_policy[M_POLICY_POWER];
        m_power_gov->adjust_platform(budget, m_adjusted_power);
        m_last_power_budget = budget;
    }

    bool PowerGovernorAgent::do_write_batch(void) const
    {
        return m_power_gov->do_write_batch();
    }

    void PowerGovernorAgent::sample_platform(std::vector<double> &out_sample)
    {
        m_power_gov->sample_platform();
        const double power = m_platform_io.sample(m_power_signal_idx);
        if (!std::isnan(power)) {
            if (m_power_history.size() < M_POWER_HISTORY) {
                m_power_history.push_back(power);
            }
            else {
                m_power_history[m_history_next] = power;
            }
            m_history_next = (m_history_next + 1) % M_POWER_HISTORY;
        }
        // The median filters out transients; report only once enough
        // readings are in.
        m_do_send_sample = m_power_history.size() > M_MIN_NUM_CONVERGED;
        if (m_do_send_sample) {
            const double median = median_of(m_power_history, m_median_scratch);
            out_sample[M_SAMPLE_POWER] = median;
            // A relative slack of 1e-9 keeps rounding in the power sums
            // from reading as a budget overrun.
            out_sample[M_SAMPLE_IS_CONVERGED] = median <= m_last_power_budget * (1.0 + 1e-9);
            out_sample[M_SAMPLE_POWER_ENFORCED] = m_adjusted_power;
        }
    }

    void PowerGovernorAgent::wait(void)
    {
        m_waiter->wait();
    }

    double PowerGovernorAgent::period(void) const
    {
        return m_waiter->period();
    }

    std::vector<std::pair<std::string, std::string> > PowerGovernorAgent::report_header(void) const
    {
        return {};
    }

    std::vector<std::pair<std::string, std::string> > PowerGovernorAgent::report_host(void) const
    {
        return {};
    }

    std::map<uint64_t, std::vector<std::pair<std::string, std::string> > >
    PowerGovernorAgent::report_region(void) const
    {
        return {};
    }

    std::vector<std::string> PowerGovernorAgent::trace_names(void) const
    {
        return {"POWER_BUDGET"};
    }

    std::vector<std::function<std::string(double)> > PowerGovernorAgent::trace_formats(void) const
    {
        return {string_format_double};
    }

    void PowerGovernorAgent::trace_values(std::vector<double> &values)
    {
        values[0] = m_last_power_budget;
    }

    void PowerGovernorAgent::enforce_policy(const std::vector<double> &policy) const
    {
        check_policy_size(policy, "enforce_policy");
        m_platform_io.write_control("CPU_POWER_LIMIT_CONTROL", GEOPM_DOMAIN_BOARD, 0,
                                    policy[M_POLICY_POWER]);
    }
}
