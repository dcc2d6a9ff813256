#include "FrequencyMapAgent.hpp"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>

#include "geopm/Environment.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm/Waiter.hpp"
#include "geopm_hash.h"

namespace geopm
{
    namespace
    {
        const char *const M_NO_FREQ_HINT =
            ": frequency_map needs CPU frequency control"
            " (set GEOPM_BRIDGE_NODE_MODEL=1 to simulate it)";

        [[noreturn]] void unsupported(const std::string &what)
        {
            throw Exception("FrequencyMapAgent: the platform has no " + what + M_NO_FREQ_HINT,
                            GEOPM_ERROR_AGENT_UNSUPPORTED, __FILE__, __LINE__);
        }

        double read_board_signal(PlatformIO &pio, const std::string &name)
        {
            if (pio.signal_names().count(name) == 0) {
                unsupported("signal \"" + name + "\"");
            }
            return pio.read_signal(name, GEOPM_DOMAIN_BOARD, 0);
        }

        void require_control(PlatformIO &pio, const std::string &name)
        {
            if (pio.control_names().count(name) == 0) {
                unsupported("control \"" + name + "\"");
            }
        }

        [[noreturn]] void bad_policy(const std::string &method, const std::string &why)
        {
            throw Exception("FrequencyMapAgent::" + method + "(): " + why,
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }

        void check_policy_size(const std::vector<double> &policy, const std::string &method)
        {
            if (policy.size() != (size_t)FrequencyMapAgent::M_NUM_POLICY) {
                bad_policy(method, "expected " + std::to_string(FrequencyMapAgent::M_NUM_POLICY) +
                                   " policy values, got " + std::to_string(policy.size()));
            }
        }

        bool is_all_nan(const std::vector<double> &policy)
        {
            return std::all_of(policy.begin(), policy.end(),
                               [](double value) { return std::isnan(value); });
        }

        std::string hash_name(int entry)
        {
            return "HASH_" + std::to_string(entry);
        }

        std::string freq_name(int entry)
        {
            return "FREQ_" + std::to_string(entry);
        }

        size_t hash_index(int entry)
        {
            return FrequencyMapAgent::M_POLICY_FIRST_HASH + 2 * entry;
        }

        // "<name> <value> Hz is outside [<min>, <max>] Hz (...)" or "".
        std::string range_problem(const std::string &name, double value,
                                  double min_value, double max_value,
                                  const std::string &bounds)
        {
            if (value >= min_value && value <= max_value) {
                return "";
            }
            return name + " " + string_format_double(value) + " Hz is outside the range [" +
                   string_format_double(min_value) + ", " + string_format_double(max_value) +
                   "] Hz that the platform allows (" + bounds + ")";
        }

        // Report form of a frequency, as GEOPM's frequency_map writes it.
        std::string report_freq(double freq)
        {
            return std::to_string(freq);
        }
    }

    FrequencyMapAgent::FrequencyMapAgent()
        : FrequencyMapAgent(platform_io(), platform_topo(),
                            Waiter::make_unique(environment().period(M_WAIT_SEC)))
    {

    }

    FrequencyMapAgent::FrequencyMapAgent(PlatformIO &platform_io, const PlatformTopo &topo,
                                         std::shared_ptr<Waiter> waiter)
        : m_platform_io(platform_io)
        , m_topo(topo)
        , m_waiter(std::move(waiter))
        , m_cpu_freq_min(read_board_signal(m_platform_io, "CPU_FREQUENCY_MIN_AVAIL"))
        , m_cpu_freq_max(read_board_signal(m_platform_io, "CPU_FREQUENCY_MAX_AVAIL"))
        , m_has_gpu(m_platform_io.control_names().count("GPU_CORE_FREQUENCY_MAX_CONTROL") != 0)
        , m_gpu_freq_min(NAN)
        , m_gpu_freq_max(NAN)
        , m_ctl_domain(GEOPM_DOMAIN_INVALID)
        , m_uncore_min_ctl_idx(-1)
        , m_uncore_max_ctl_idx(-1)
        , m_gpu_min_ctl_idx(-1)
        , m_gpu_max_ctl_idx(-1)
        , m_uncore_start_min(NAN)
        , m_uncore_start_max(NAN)
        , m_have_policy(false)
        , m_is_policy_updated(false)
        , m_default_freq(NAN)
        , m_uncore_freq(NAN)
        , m_gpu_freq(NAN)
        , m_is_started(false)
        , m_do_write_batch(false)
        , m_applied_uncore(NAN)
        , m_applied_gpu(NAN)
    {
        if (m_has_gpu) {
            m_gpu_freq_min = read_board_signal(m_platform_io, "GPU_CORE_FREQUENCY_MIN_AVAIL");
            m_gpu_freq_max = read_board_signal(m_platform_io, "GPU_CORE_FREQUENCY_MAX_AVAIL");
        }
    }

    FrequencyMapAgent::~FrequencyMapAgent() = default;

    std::string FrequencyMapAgent::plugin_name(void)
    {
        return "frequency_map";
    }

    std::unique_ptr<Agent> FrequencyMapAgent::make_plugin(void)
    {
        return std::make_unique<FrequencyMapAgent>();
    }

    std::vector<std::string> FrequencyMapAgent::policy_names(void)
    {
        std::vector<std::string> names {"FREQ_CPU_DEFAULT", "FREQ_CPU_UNCORE", "FREQ_GPU_DEFAULT"};
        for (int entry = 0; entry < M_NUM_MAPPED; ++entry) {
            names.push_back(hash_name(entry));
            names.push_back(freq_name(entry));
        }
        return names;
    }

    std::vector<std::string> FrequencyMapAgent::sample_names(void)
    {
        return {};
    }

    void FrequencyMapAgent::init(int level, const std::vector<int> &fan_in, bool)
    {
        if (level < 0 || level > (int)fan_in.size()) {
            throw Exception("FrequencyMapAgent::init(): level " + std::to_string(level) +
                            " is outside [0, " + std::to_string(fan_in.size()) +
                            "] for this tree",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        if (level == 0) {
            init_platform_io();
        }
    }

    void FrequencyMapAgent::init_platform_io(void)
    {
        for (const char *name : {"CPU_FREQUENCY_MAX_CONTROL", "CPU_UNCORE_FREQUENCY_MIN_CONTROL",
                                 "CPU_UNCORE_FREQUENCY_MAX_CONTROL"}) {
            require_control(m_platform_io, name);
        }
        if (m_platform_io.signal_names().count("REGION_HASH") == 0) {
            unsupported("signal \"REGION_HASH\"");
        }
        m_ctl_domain = m_platform_io.control_domain_type("CPU_FREQUENCY_MAX_CONTROL");
        const int num_domain = m_topo.num_domain(m_ctl_domain);
        for (int idx = 0; idx < num_domain; ++idx) {
            m_hash_sig_idx.push_back(m_platform_io.push_signal("REGION_HASH", m_ctl_domain, idx));
            m_freq_ctl_idx.push_back(
                m_platform_io.push_control("CPU_FREQUENCY_MAX_CONTROL", m_ctl_domain, idx));
        }
        m_hash.assign(num_domain, GEOPM_REGION_HASH_UNMARKED);
        m_applied_freq.assign(num_domain, NAN);
        m_uncore_min_ctl_idx = m_platform_io.push_control("CPU_UNCORE_FREQUENCY_MIN_CONTROL",
                                                          GEOPM_DOMAIN_BOARD, 0);
        m_uncore_max_ctl_idx = m_platform_io.push_control("CPU_UNCORE_FREQUENCY_MAX_CONTROL",
                                                          GEOPM_DOMAIN_BOARD, 0);
        // Where the uncore goes back to when a policy stops pinning it.
        m_uncore_start_min = m_platform_io.read_signal("CPU_UNCORE_FREQUENCY_MIN_CONTROL",
                                                       GEOPM_DOMAIN_BOARD, 0);
        m_uncore_start_max = m_platform_io.read_signal("CPU_UNCORE_FREQUENCY_MAX_CONTROL",
                                                       GEOPM_DOMAIN_BOARD, 0);
        if (m_has_gpu) {
            m_gpu_min_ctl_idx = m_platform_io.push_control("GPU_CORE_FREQUENCY_MIN_CONTROL",
                                                           GEOPM_DOMAIN_BOARD, 0);
            m_gpu_max_ctl_idx = m_platform_io.push_control("GPU_CORE_FREQUENCY_MAX_CONTROL",
                                                           GEOPM_DOMAIN_BOARD, 0);
        }
    }

    void FrequencyMapAgent::validate_policy(std::vector<double> &policy) const
    {
        const std::string method = "validate_policy";
        check_policy_size(policy, method);
        if (is_all_nan(policy)) {
            // What the controller holds before a policy arrives.
            return;
        }
        const double default_freq = policy[M_POLICY_FREQ_CPU_DEFAULT];
        const std::string cpu_bounds = "CPU_FREQUENCY_MIN_AVAIL to CPU_FREQUENCY_MAX_AVAIL";
        if (std::isnan(default_freq)) {
            bad_policy(method, "FREQ_CPU_DEFAULT is required (the CPU frequency outside mapped "
                               "regions), but the policy gives NAN");
        }
        std::string problem = range_problem("FREQ_CPU_DEFAULT", default_freq, m_cpu_freq_min,
                                            m_cpu_freq_max, cpu_bounds);
        if (!problem.empty()) {
            bad_policy(method, problem);
        }
        const double gpu_freq = policy[M_POLICY_FREQ_GPU_DEFAULT];
        if (!std::isnan(gpu_freq)) {
            if (!m_has_gpu) {
                bad_policy(method, "FREQ_GPU_DEFAULT is " + string_format_double(gpu_freq) +
                                   " Hz but the platform has no GPU frequency control");
            }
            problem = range_problem("FREQ_GPU_DEFAULT", gpu_freq, m_gpu_freq_min,
                                    m_gpu_freq_max,
                                    "GPU_CORE_FREQUENCY_MIN_AVAIL to "
                                    "GPU_CORE_FREQUENCY_MAX_AVAIL");
            if (!problem.empty()) {
                bad_policy(method, problem);
            }
        }
        std::map<uint64_t, int> entry_of_region;
        for (int entry = 0; entry < M_NUM_MAPPED; ++entry) {
            const double hash = policy[hash_index(entry)];
            const double freq = policy[hash_index(entry) + 1];
            if (std::isnan(hash)) {
                if (!std::isnan(freq)) {
                    bad_policy(method, freq_name(entry) + " is " + string_format_double(freq) +
                                       " Hz but " + hash_name(entry) + " names no region (NAN)");
                }
                continue;
            }
            if (std::isnan(freq)) {
                bad_policy(method, hash_name(entry) + " maps region " +
                                   string_format_hex(hash) + " but " + freq_name(entry) +
                                   " gives no frequency (NAN)");
            }
            problem = range_problem(freq_name(entry), freq, m_cpu_freq_min, m_cpu_freq_max,
                                    cpu_bounds);
            if (!problem.empty()) {
                bad_policy(method, problem);
            }
            auto placed = entry_of_region.emplace(static_cast<uint64_t>(hash), entry);
            if (!placed.second) {
                bad_policy(method, "region " + string_format_hex(hash) + " is mapped twice, by " +
                                   hash_name(placed.first->second) + " and " + hash_name(entry));
            }
        }
    }

    void FrequencyMapAgent::update_policy(const std::vector<double> &policy)
    {
        if (is_all_nan(policy)) {
            if (m_have_policy) {
                bad_policy("update_policy", "an all-NAN policy came after a real one");
            }
            m_is_policy_updated = false;
            return;
        }
        std::map<uint64_t, double> region_freq;
        for (int entry = 0; entry < M_NUM_MAPPED; ++entry) {
            const double hash = policy[hash_index(entry)];
            if (!std::isnan(hash)) {
                region_freq[static_cast<uint64_t>(hash)] = policy[hash_index(entry) + 1];
            }
        }
        const double default_freq = policy[M_POLICY_FREQ_CPU_DEFAULT];
        const double uncore_freq = policy[M_POLICY_FREQ_CPU_UNCORE];
        const double gpu_freq = policy[M_POLICY_FREQ_GPU_DEFAULT];
        m_is_policy_updated = !m_have_policy ||
                              default_freq != m_default_freq ||
                              region_freq != m_region_freq ||
                              (!std::isnan(uncore_freq) && uncore_freq != m_uncore_freq) ||
                              (!std::isnan(gpu_freq) && gpu_freq != m_gpu_freq);
        m_have_policy = true;
        m_default_freq = default_freq;
        m_uncore_freq = uncore_freq;
        m_gpu_freq = gpu_freq;
        m_region_freq.swap(region_freq);
    }

    void FrequencyMapAgent::split_policy(const std::vector<double> &in_policy,
                                         std::vector<std::vector<double> > &out_policy)
    {
        update_policy(in_policy);
        if (m_is_policy_updated) {
            std::fill(out_policy.begin(), out_policy.end(), in_policy);
        }
    }

    bool FrequencyMapAgent::do_send_policy(void) const
    {
        return m_is_policy_updated;
    }

    void FrequencyMapAgent::aggregate_sample(const std::vector<std::vector<double> > &,
                                             std::vector<double> &)
    {

    }

    bool FrequencyMapAgent::do_send_sample(void) const
    {
        return false;
    }

    void FrequencyMapAgent::adjust_platform(const std::vector<double> &in_policy)
    {
        update_policy(in_policy);
        m_do_write_batch = false;
        if (!m_is_started) {
            // Take hold of every control once, at its present setting, so
            // that all of them are restored when the job ends.
            for (size_t idx = 0; idx < m_freq_ctl_idx.size(); ++idx) {
                m_platform_io.adjust(m_freq_ctl_idx[idx],
                                     m_platform_io.read_signal("CPU_FREQUENCY_MAX_CONTROL",
                                                               m_ctl_domain, (int)idx));
            }
            m_platform_io.adjust(m_uncore_min_ctl_idx, m_uncore_start_min);
            m_platform_io.adjust(m_uncore_max_ctl_idx, m_uncore_start_max);
            if (m_has_gpu) {
                const double gpu_max = m_platform_io.read_signal(
                    "GPU_CORE_FREQUENCY_MAX_CONTROL", GEOPM_DOMAIN_BOARD, 0);
                m_platform_io.adjust(m_gpu_min_ctl_idx, m_platform_io.read_signal(
                    "GPU_CORE_FREQUENCY_MIN_CONTROL", GEOPM_DOMAIN_BOARD, 0));
                m_platform_io.adjust(m_gpu_max_ctl_idx, gpu_max);
            }
            m_is_started = true;
            m_do_write_batch = true;
        }
        if (!m_have_policy) {
            return;
        }
        for (size_t idx = 0; idx < m_freq_ctl_idx.size(); ++idx) {
            double freq = m_default_freq;
            auto mapped = m_region_freq.find(m_hash[idx]);
            if (mapped != m_region_freq.end()) {
                freq = mapped->second;
            }
            else {
                m_default_regions.insert(m_hash[idx]);
            }
            if (freq != m_applied_freq[idx]) {
                m_platform_io.adjust(m_freq_ctl_idx[idx], freq);
                m_applied_freq[idx] = freq;
                m_do_write_batch = true;
            }
        }
        // Both NAN: nothing to change; a NAN policy after a pinned value
        // gives the uncore its starting range back.
        if (!(std::isnan(m_uncore_freq) && std::isnan(m_applied_uncore)) &&
            m_uncore_freq != m_applied_uncore) {
            const bool is_pinned = !std::isnan(m_uncore_freq);
            m_platform_io.adjust(m_uncore_min_ctl_idx, is_pinned ? m_uncore_freq : m_uncore_start_min);
            m_platform_io.adjust(m_uncore_max_ctl_idx, is_pinned ? m_uncore_freq : m_uncore_start_max);
            m_applied_uncore = m_uncore_freq;
            m_do_write_batch = true;
        }
        if (m_has_gpu && !std::isnan(m_gpu_freq) && m_gpu_freq != m_applied_gpu) {
            m_platform_io.adjust(m_gpu_min_ctl_idx, m_gpu_freq);
            m_platform_io.adjust(m_gpu_max_ctl_idx, m_gpu_freq);
            m_applied_gpu = m_gpu_freq;
            m_do_write_batch = true;
        }
    }

    bool FrequencyMapAgent::do_write_batch(void) const
    {
        return m_do_write_batch;
    }

    void FrequencyMapAgent::sample_platform(std::vector<double> &)
    {
        for (size_t idx = 0; idx < m_hash_sig_idx.size(); ++idx) {
            m_hash[idx] = static_cast<uint64_t>(m_platform_io.sample(m_hash_sig_idx[idx]));
        }
    }

    void FrequencyMapAgent::wait(void)
    {
        m_waiter->wait();
    }

    double FrequencyMapAgent::period(void) const
    {
        return m_waiter->period();
    }

    std::vector<std::pair<std::string, std::string> > FrequencyMapAgent::report_header(void) const
    {
        return {};
    }

    std::vector<std::pair<std::string, std::string> > FrequencyMapAgent::report_host(void) const
    {
        // Every region the agent set a frequency for, as a flow mapping
        // {0x<16 hex digits>: Hz, ...} ordered by hash.
        std::map<uint64_t, double> applied(m_region_freq);
        for (uint64_t hash : m_default_regions) {
            applied.emplace(hash, m_default_freq);
        }
        std::string text = "{";
        for (const auto &region : applied) {
            if (text.size() > 1) {
                text += ", ";
            }
            char key[32];
            std::snprintf(key, sizeof(key), "0x%016" PRIx64, region.first);
            char value[32];
            std::snprintf(value, sizeof(value), "%.17g", region.second);
            text += std::string(key) + ": " + value;
        }
        text += "}";
        return {{"Frequency map", text}};
    }

    std::map<uint64_t, std::vector<std::pair<std::string, std::string> > >
    FrequencyMapAgent::report_region(void) const
    {
        std::map<uint64_t, std::vector<std::pair<std::string, std::string> > > result;
        for (const auto &region : m_region_freq) {
            result[region.first].emplace_back("frequency-map", report_freq(region.second));
        }
        for (uint64_t hash : m_default_regions) {
            if (m_region_freq.count(hash) == 0) {
                result[hash].emplace_back("frequency-map", report_freq(m_default_freq));
            }
        }
        return result;
    }

    std::vector<std::string> FrequencyMapAgent::trace_names(void) const
    {
        return {};
    }

    std::vector<std::function<std::string(double)> > FrequencyMapAgent::trace_formats(void) const
    {
        return {};
    }

    void FrequencyMapAgent::trace_values(std::vector<double> &)
    {

    }

    void FrequencyMapAgent::enforce_policy(const std::vector<double> &policy) const
    {
        check_policy_size(policy, "enforce_policy");
        if (is_all_nan(policy)) {
            bad_policy("enforce_policy", "the policy is all NAN");
        }
        m_platform_io.write_control("CPU_FREQUENCY_MAX_CONTROL", GEOPM_DOMAIN_BOARD, 0,
                                    policy[M_POLICY_FREQ_CPU_DEFAULT]);
        const double uncore_freq = policy[M_POLICY_FREQ_CPU_UNCORE];
        if (!std::isnan(uncore_freq)) {
            m_platform_io.write_control("CPU_UNCORE_FREQUENCY_MIN_CONTROL", GEOPM_DOMAIN_BOARD, 0,
                                        uncore_freq);
            m_platform_io.write_control("CPU_UNCORE_FREQUENCY_MAX_CONTROL", GEOPM_DOMAIN_BOARD, 0,
                                        uncore_freq);
        }
        const double gpu_freq = policy[M_POLICY_FREQ_GPU_DEFAULT];
        if (m_has_gpu && !std::isnan(gpu_freq)) {
            // Keep min <= max at every step: raise the max first when going
            // up, lower the min first when going down.
            const double gpu_min = m_platform_io.read_signal("GPU_CORE_FREQUENCY_MIN_CONTROL",
                                                             GEOPM_DOMAIN_BOARD, 0);
            const char *first = gpu_freq >= gpu_min ? "GPU_CORE_FREQUENCY_MAX_CONTROL"
                                                    : "GPU_CORE_FREQUENCY_MIN_CONTROL";
            const char *second = gpu_freq >= gpu_min ? "GPU_CORE_FREQUENCY_MIN_CONTROL"
                                                     : "GPU_CORE_FREQUENCY_MAX_CONTROL";
            m_platform_io.write_control(first, GEOPM_DOMAIN_BOARD, 0, gpu_freq);
            m_platform_io.write_control(second, GEOPM_DOMAIN_BOARD, 0, gpu_freq);
        }
    }
}
