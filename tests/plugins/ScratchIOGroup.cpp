#include "ScratchIOGroup.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "geopm/Agg.hpp"
#include "geopm/Exception.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm/PluginFactory.hpp"

using geopm::Exception;

// Registered at dlopen, so the IOGroup is in iogroup_factory() before
// PlatformIO instantiates the IOGroups.
static void __attribute__((constructor)) scratch_iogroup_load(void)
{
    geopm::iogroup_factory().register_plugin(ScratchIOGroup::plugin_name(),
                                             ScratchIOGroup::make_plugin);
}

namespace
{
    const char *const M_NAMES[] = {"SCRATCH::UPTIME", "SCRATCH::READ_COUNT",
                                   "SCRATCH::REGISTER"};
    const char *const M_REGISTER = "SCRATCH::REGISTER";
}

ScratchIOGroup::ScratchIOGroup()
    : m_topo(geopm::platform_topo())
    , m_register(m_topo.num_domain(GEOPM_DOMAIN_CPU), 0.0)
    , m_saved_register(m_register)
    , m_read_count(0.0)
    , m_uptime(NAN)
    , m_is_batch_read(false)
{

}

std::string ScratchIOGroup::plugin_name(void)
{
    return "SCRATCH";
}

std::unique_ptr<geopm::IOGroup> ScratchIOGroup::make_plugin(void)
{
    return std::make_unique<ScratchIOGroup>();
}

std::string ScratchIOGroup::name(void) const
{
    return plugin_name();
}

int ScratchIOGroup::signal_type(const std::string &signal_name) const
{
    for (int sig = 0; sig < M_NUM_SIGNAL; ++sig) {
        if (signal_name == M_NAMES[sig]) {
            return sig;
        }
    }
    return -1;
}

std::set<std::string> ScratchIOGroup::signal_names(void) const
{
    return {std::begin(M_NAMES), std::end(M_NAMES)};
}

std::set<std::string> ScratchIOGroup::control_names(void) const
{
    return {M_REGISTER};
}

bool ScratchIOGroup::is_valid_signal(const std::string &signal_name) const
{
    return signal_type(signal_name) != -1;
}

bool ScratchIOGroup::is_valid_control(const std::string &control_name) const
{
    return control_name == M_REGISTER;
}

int ScratchIOGroup::signal_domain_type(const std::string &signal_name) const
{
    switch (signal_type(signal_name)) {
        case M_SIGNAL_UPTIME:
        case M_SIGNAL_READ_COUNT:
            return GEOPM_DOMAIN_BOARD;
        case M_SIGNAL_REGISTER:
            return GEOPM_DOMAIN_CPU;
        default:
            return GEOPM_DOMAIN_INVALID;
    }
}

int ScratchIOGroup::control_domain_type(const std::string &control_name) const
{
    return is_valid_control(control_name) ? GEOPM_DOMAIN_CPU : GEOPM_DOMAIN_INVALID;
}

void ScratchIOGroup::check_request(int signal, int domain_type, int domain_idx) const
{
    if (signal == -1) {
        throw Exception("ScratchIOGroup: unknown signal or control name",
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    const int native = signal == M_SIGNAL_REGISTER ? GEOPM_DOMAIN_CPU : GEOPM_DOMAIN_BOARD;
    if (domain_type != native) {
        throw Exception(std::string("ScratchIOGroup: ") + M_NAMES[signal] +
                        " is only offered at domain " +
                        geopm::PlatformTopo::domain_type_to_name(native),
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    if (domain_idx < 0 || domain_idx >= m_topo.num_domain(domain_type)) {
        throw Exception("ScratchIOGroup: domain index " + std::to_string(domain_idx) +
                        " is out of range", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
}

int ScratchIOGroup::push_signal(const std::string &signal_name, int domain_type, int domain_idx)
{
    const int signal = signal_type(signal_name);
    check_request(signal, domain_type, domain_idx);
    if (m_is_batch_read) {
        throw Exception("ScratchIOGroup::push_signal(): cannot push after read_batch()",
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    const std::pair<int, int> request(signal, domain_idx);
    for (size_t idx = 0; idx < m_pushed_signal.size(); ++idx) {
        if (m_pushed_signal[idx] == request) {
            return (int)idx;
        }
    }
    m_pushed_signal.push_back(request);
    m_pushed_value.push_back(NAN);
    return (int)m_pushed_signal.size() - 1;
}

int ScratchIOGroup::push_control(const std::string &control_name, int domain_type, int domain_idx)
{
    if (!is_valid_control(control_name)) {
        throw Exception("ScratchIOGroup: unknown control " + control_name,
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    check_request(M_SIGNAL_REGISTER, domain_type, domain_idx);
    for (size_t idx = 0; idx < m_pushed_control.size(); ++idx) {
        if (m_pushed_control[idx] == domain_idx) {
            return (int)idx;
        }
    }
    m_pushed_control.push_back(domain_idx);
    m_control_setting.push_back(NAN);
    m_is_adjusted.push_back(false);
    return (int)m_pushed_control.size() - 1;
}

double ScratchIOGroup::read_uptime(void)
{
    std::ifstream in("/proc/uptime");
    double uptime = NAN;
    if (!(in >> uptime)) {
        throw Exception("ScratchIOGroup: could not read /proc/uptime",
                        GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
    }
    return uptime;
}

double ScratchIOGroup::current_value(int signal, int domain_idx) const
{
    switch (signal) {
        case M_SIGNAL_UPTIME:
            return m_uptime;
        case M_SIGNAL_READ_COUNT:
            return m_read_count;
        default:
            return m_register[domain_idx];
    }
}

void ScratchIOGroup::read_batch(void)
{
    m_is_batch_read = true;
    if (m_pushed_signal.empty()) {
        return;
    }
    m_read_count += 1.0;
    m_uptime = read_uptime();
    for (size_t idx = 0; idx < m_pushed_signal.size(); ++idx) {
        m_pushed_value[idx] = current_value(m_pushed_signal[idx].first,
                                            m_pushed_signal[idx].second);
    }
}

void ScratchIOGroup::write_batch(void)
{
    for (size_t idx = 0; idx < m_pushed_control.size(); ++idx) {
        if (m_is_adjusted[idx]) {
            m_register[m_pushed_control[idx]] = m_control_setting[idx];
            m_is_adjusted[idx] = false;
        }
    }
}

double ScratchIOGroup::sample(int batch_idx)
{
    if (batch_idx < 0 || batch_idx >= (int)m_pushed_value.size()) {
        throw Exception("ScratchIOGroup::sample(): batch index out of range",
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    if (!m_is_batch_read) {
        throw Exception("ScratchIOGroup::sample(): read_batch() has not been called",
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    return m_pushed_value[batch_idx];
}

void ScratchIOGroup::adjust(int batch_idx, double setting)
{
    if (batch_idx < 0 || batch_idx >= (int)m_pushed_control.size()) {
        throw Exception("ScratchIOGroup::adjust(): batch index out of range",
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    m_control_setting[batch_idx] = setting;
    m_is_adjusted[batch_idx] = true;
}

double ScratchIOGroup::read_signal(const std::string &signal_name, int domain_type, int domain_idx)
{
    const int signal = signal_type(signal_name);
    check_request(signal, domain_type, domain_idx);
    if (signal == M_SIGNAL_UPTIME) {
        return read_uptime();
    }
    return current_value(signal, domain_idx);
}

void ScratchIOGroup::write_control(const std::string &control_name, int domain_type,
                                   int domain_idx, double setting)
{
    if (!is_valid_control(control_name)) {
        throw Exception("ScratchIOGroup: unknown control " + control_name,
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    check_request(M_SIGNAL_REGISTER, domain_type, domain_idx);
    m_register[domain_idx] = setting;
}

void ScratchIOGroup::save_control(void)
{
    m_saved_register = m_register;
}

void ScratchIOGroup::restore_control(void)
{
    m_register = m_saved_register;
}

std::string ScratchIOGroup::save_file(const std::string &save_path) const
{
    // The file itself, as GEOPM's PlatformIO names it (<dir>/SCRATCH-save-control.json).
    return save_path;
}

void ScratchIOGroup::save_control(const std::string &save_path)
{
    // A plugin whose save to a file fails (tests/faults).
    if (getenv("SCRATCH_SAVE_FAILS") != nullptr) {
        throw Exception("ScratchIOGroup: saving to a file is broken", GEOPM_ERROR_RUNTIME,
                        __FILE__, __LINE__);
    }
    std::ofstream out(save_file(save_path));
    for (double value : m_register) {
        out << value << '\n';
    }
    if (!out) {
        throw Exception("ScratchIOGroup: could not write " + save_file(save_path),
                        GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
    }
}

void ScratchIOGroup::restore_control(const std::string &save_path)
{
    std::ifstream in(save_file(save_path));
    std::vector<double> values;
    double value = NAN;
    while (in >> value) {
        values.push_back(value);
    }
    if (values.size() != m_register.size()) {
        throw Exception("ScratchIOGroup: " + save_file(save_path) +
                        " does not hold one value per CPU",
                        GEOPM_ERROR_FILE_PARSE, __FILE__, __LINE__);
    }
    m_register = values;
}

std::function<double(const std::vector<double> &)>
ScratchIOGroup::agg_function(const std::string &signal_name) const
{
    switch (signal_type(signal_name)) {
        case M_SIGNAL_UPTIME:
        case M_SIGNAL_READ_COUNT:
            return geopm::Agg::max;
        case M_SIGNAL_REGISTER:
            // A coarser domain reads the sum of its CPUs' registers.
            return geopm::Agg::sum;
        default:
            throw Exception("ScratchIOGroup: unknown signal " + signal_name,
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
}

std::string ScratchIOGroup::signal_description(const std::string &signal_name) const
{
    switch (signal_type(signal_name)) {
        case M_SIGNAL_UPTIME:
            return "Seconds since the node booted, read from /proc/uptime";
        case M_SIGNAL_READ_COUNT:
            return "Number of batch reads this IOGroup has served";
        case M_SIGNAL_REGISTER:
            return "Per-CPU scratch value, last written through SCRATCH::REGISTER";
        default:
            throw Exception("ScratchIOGroup: unknown signal " + signal_name,
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
}

std::string ScratchIOGroup::control_description(const std::string &control_name) const
{
    if (!is_valid_control(control_name)) {
        throw Exception("ScratchIOGroup: unknown control " + control_name,
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    return "Per-CPU scratch value, read back by the signal of the same name";
}

int ScratchIOGroup::signal_behavior(const std::string &signal_name) const
{
    switch (signal_type(signal_name)) {
        case M_SIGNAL_UPTIME:
        case M_SIGNAL_READ_COUNT:
            return M_SIGNAL_BEHAVIOR_MONOTONE;
        case M_SIGNAL_REGISTER:
            return M_SIGNAL_BEHAVIOR_VARIABLE;
        default:
            throw Exception("ScratchIOGroup: unknown signal " + signal_name,
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
}
