#include "IdleFrequencyAgent.hpp"

#include <algorithm>
#include <cmath>

#include "geopm/Agg.hpp"
#include "geopm/Environment.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm/PluginFactory.hpp"
#include "geopm/Waiter.hpp"

using geopm::Agent;
using geopm::Exception;

// Registered at dlopen, with the dictionary the controller sizes vectors by.
static void __attribute__((constructor)) idle_frequency_agent_load(void)
{
    geopm::agent_factory().register_plugin(IdleFrequencyAgent::plugin_name(),
                                           IdleFrequencyAgent::make_plugin,
                                           Agent::make_dictionary(IdleFrequencyAgent::policy_names(),
                                                                  IdleFrequencyAgent::sample_names()));
}

namespace
{
    const double M_DEFAULT_LOW_IDLE = 0.3;
    const double M_DEFAULT_HIGH_IDLE = 0.7;
    const double M_DEFAULT_PERIOD = 0.1;
    const char *const M_TIME_SIGNALS[] = {"PROCSTAT::USER_TIME", "PROCSTAT::SYSTEM_TIME",
                                          "PROCSTAT::IDLE_TIME"};
    const char *const M_FREQ_CONTROL = "CPU_FREQUENCY_MAX_CONTROL";
}

IdleFrequencyAgent::IdleFrequencyAgent()
    : m_platform_io(geopm::platform_io())
    , m_period(geopm::environment().period(M_DEFAULT_PERIOD))
    , m_waiter(geopm::Waiter::make_unique(m_period))
    , m_signal_idx(M_NUM_SIGNAL, -1)
    , m_last_time(M_NUM_SIGNAL, NAN)
    , m_last_sample(M_NUM_SAMPLE, NAN)
    , m_freq_control_idx(-1)
    , m_default_idle_freq(NAN)
    , m_default_busy_freq(NAN)
    , m_freq_request(NAN)
    , m_do_write_batch(false)
    , m_last_policy(M_NUM_POLICY, NAN)
    , m_do_send_policy(false)
    , m_min_idle(NAN)
    , m_max_idle(NAN)
    , m_num_freq_change(0)
{

}

std::string IdleFrequencyAgent::plugin_name(void)
{
    return "idle_frequency";
}

std::unique_ptr<Agent> IdleFrequencyAgent::make_plugin(void)
{
    return std::make_unique<IdleFrequencyAgent>();
}

std::vector<std::string> IdleFrequencyAgent::policy_names(void)
{
    return {"LOW_IDLE_THRESHOLD", "HIGH_IDLE_THRESHOLD", "IDLE_FREQUENCY", "BUSY_FREQUENCY"};
}

std::vector<std::string> IdleFrequencyAgent::sample_names(void)
{
    return {"USER_FRACTION", "SYSTEM_FRACTION", "IDLE_FRACTION"};
}

double IdleFrequencyAgent::optional_board_signal(const std::string &name) const
{
    if (m_platform_io.signal_names().count(name) == 0) {
        return NAN;
    }
    return m_platform_io.read_signal(name, GEOPM_DOMAIN_BOARD, 0);
}

void IdleFrequencyAgent::init(int level, const std::vector<int> &, bool)
{
    if (level != 0) {
        return;  // tree agents only average samples
    }
    for (int sig = 0; sig < M_NUM_SIGNAL; ++sig) {
        if (m_platform_io.signal_names().count(M_TIME_SIGNALS[sig]) == 0) {
            throw Exception(std::string("IdleFrequencyAgent: the platform has no signal ") +
                            M_TIME_SIGNALS[sig], GEOPM_ERROR_AGENT_UNSUPPORTED,
                            __FILE__, __LINE__);
        }
        m_signal_idx[sig] = m_platform_io.push_signal(M_TIME_SIGNALS[sig], GEOPM_DOMAIN_BOARD, 0);
    }
    // Frequency control is optional: without it the agent only observes.
    if (m_platform_io.control_names().count(M_FREQ_CONTROL) != 0) {
        m_freq_control_idx = m_platform_io.push_control(M_FREQ_CONTROL, GEOPM_DOMAIN_BOARD, 0);
        m_default_idle_freq = optional_board_signal("CPU_FREQUENCY_MIN_AVAIL");
        m_default_busy_freq = optional_board_signal("CPU_FREQUENCY_MAX_AVAIL");
    }
}

void IdleFrequencyAgent::validate_policy(std::vector<double> &policy) const
{
    if (policy.size() != M_NUM_POLICY) {
        throw Exception("IdleFrequencyAgent::validate_policy(): expected " +
                        std::to_string(M_NUM_POLICY) + " values",
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    double &low = policy[M_POLICY_LOW_IDLE];
    double &high = policy[M_POLICY_HIGH_IDLE];
    low = std::isnan(low) ? M_DEFAULT_LOW_IDLE : low;
    high = std::isnan(high) ? M_DEFAULT_HIGH_IDLE : high;
    if (!(0.0 <= low && low <= high && high <= 1.0)) {
        throw Exception("IdleFrequencyAgent::validate_policy(): thresholds must satisfy "
                        "0 <= LOW_IDLE_THRESHOLD <= HIGH_IDLE_THRESHOLD <= 1",
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    // Frequencies left NaN mean "the platform's range", where it has one.
    if (std::isnan(policy[M_POLICY_IDLE_FREQ])) {
        policy[M_POLICY_IDLE_FREQ] = m_default_idle_freq;
    }
    if (std::isnan(policy[M_POLICY_BUSY_FREQ])) {
        policy[M_POLICY_BUSY_FREQ] = m_default_busy_freq;
    }
}

void IdleFrequencyAgent::split_policy(const std::vector<double> &in_policy,
                                      std::vector<std::vector<double> > &out_policy)
{
    // Every node gets the same policy; resend only when it changes.
    m_do_send_policy = false;
    for (int idx = 0; idx < M_NUM_POLICY; ++idx) {
        const bool both_nan = std::isnan(in_policy[idx]) && std::isnan(m_last_policy[idx]);
        if (!both_nan && in_policy[idx] != m_last_policy[idx]) {
            m_do_send_policy = true;
        }
    }
    if (m_do_send_policy) {
        m_last_policy = in_policy;
        for (auto &child : out_policy) {
            child = in_policy;
        }
    }
}

bool IdleFrequencyAgent::do_send_policy(void) const
{
    return m_do_send_policy;
}

void IdleFrequencyAgent::aggregate_sample(const std::vector<std::vector<double> > &in_sample,
                                          std::vector<double> &out_sample)
{
    Agent::aggregate_sample(in_sample, {geopm::Agg::average, geopm::Agg::average,
                                        geopm::Agg::average}, out_sample);
}

bool IdleFrequencyAgent::do_send_sample(void) const
{
    return !std::isnan(m_last_sample[M_SAMPLE_IDLE]);
}

void IdleFrequencyAgent::adjust_platform(const std::vector<double> &in_policy)
{
    m_do_write_batch = false;
    const double idle = m_last_sample[M_SAMPLE_IDLE];
    if (m_freq_control_idx == -1 || std::isnan(idle)) {
        return;
    }
    double request = m_freq_request;
    if (idle > in_policy[M_POLICY_HIGH_IDLE]) {
        request = in_policy[M_POLICY_IDLE_FREQ];
    }
    else if (idle < in_policy[M_POLICY_LOW_IDLE]) {
        request = in_policy[M_POLICY_BUSY_FREQ];
    }
    // Between the thresholds the last request stands (hysteresis).
    if (!std::isnan(request) && request != m_freq_request) {
        m_platform_io.adjust(m_freq_control_idx, request);
        m_freq_request = request;
        m_do_write_batch = true;
        ++m_num_freq_change;
    }
}

bool IdleFrequencyAgent::do_write_batch(void) const
{
    return m_do_write_batch;
}

void IdleFrequencyAgent::sample_platform(std::vector<double> &out_sample)
{
    std::vector<double> delta(M_NUM_SIGNAL);
    double total = 0.0;
    for (int sig = 0; sig < M_NUM_SIGNAL; ++sig) {
        const double now = m_platform_io.sample(m_signal_idx[sig]);
        delta[sig] = now - m_last_time[sig];
        total += delta[sig];
        m_last_time[sig] = now;
    }
    // The first period has no previous reading, and a very short one may
    // see no clock tick at all: report nothing rather than divide by zero.
    if (!(total > 0.0)) {
        return;
    }
    m_last_sample[M_SAMPLE_USER] = delta[M_SIGNAL_USER] / total;
    m_last_sample[M_SAMPLE_SYSTEM] = delta[M_SIGNAL_SYSTEM] / total;
    m_last_sample[M_SAMPLE_IDLE] = delta[M_SIGNAL_IDLE] / total;
    out_sample = m_last_sample;

    const double idle = m_last_sample[M_SAMPLE_IDLE];
    m_min_idle = std::isnan(m_min_idle) ? idle : std::min(m_min_idle, idle);
    m_max_idle = std::isnan(m_max_idle) ? idle : std::max(m_max_idle, idle);
}

void IdleFrequencyAgent::wait(void)
{
    m_waiter->wait();
}

std::vector<std::pair<std::string, std::string> > IdleFrequencyAgent::report_header(void) const
{
    return {{"Wait time (s)", geopm::string_format_double(m_period)}};
}

std::vector<std::pair<std::string, std::string> > IdleFrequencyAgent::report_host(void) const
{
    return {{"Lowest idle fraction", geopm::string_format_float(m_min_idle)},
            {"Highest idle fraction", geopm::string_format_float(m_max_idle)},
            {"Frequency changes", std::to_string(m_num_freq_change)}};
}

std::map<uint64_t, std::vector<std::pair<std::string, std::string> > >
IdleFrequencyAgent::report_region(void) const
{
    return {};
}

std::vector<std::string> IdleFrequencyAgent::trace_names(void) const
{
    return {"IDLE_FRACTION", "FREQUENCY_REQUEST"};
}

std::vector<std::function<std::string(double)> > IdleFrequencyAgent::trace_formats(void) const
{
    return {geopm::string_format_float, geopm::string_format_double};
}

void IdleFrequencyAgent::trace_values(std::vector<double> &values)
{
    values[M_TRACE_IDLE] = m_last_sample[M_SAMPLE_IDLE];
    values[M_TRACE_FREQ] = m_freq_request;
}

void IdleFrequencyAgent::enforce_policy(const std::vector<double> &policy) const
{
    // Without a controller there is no idle reading: apply the busy cap.
    if (policy.size() == M_NUM_POLICY && !std::isnan(policy[M_POLICY_BUSY_FREQ])) {
        m_platform_io.write_control(M_FREQ_CONTROL, GEOPM_DOMAIN_BOARD, 0,
                                    policy[M_POLICY_BUSY_FREQ]);
    }
}
