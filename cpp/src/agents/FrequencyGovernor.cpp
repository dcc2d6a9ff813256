#include "FrequencyGovernorImp.hpp"

#include <algorithm>
#include <cmath>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformIOProf.hpp"
#include "geopm/PlatformTopo.hpp"

namespace geopm
{
    static const char *const M_CONTROL = "CPU_FREQUENCY_MAX_CONTROL";

    std::unique_ptr<FrequencyGovernor> FrequencyGovernor::make_unique(void)
    {
        return geopm::make_unique<FrequencyGovernorImp>();
    }

    std::shared_ptr<FrequencyGovernor> FrequencyGovernor::make_shared(void)
    {
        return std::make_shared<FrequencyGovernorImp>();
    }

    FrequencyGovernorImp::FrequencyGovernorImp()
        : FrequencyGovernorImp(PlatformIOProf::platform_io(), platform_topo())
    {

    }

    FrequencyGovernorImp::FrequencyGovernorImp(PlatformIO &platform_io,
                                               const PlatformTopo &platform_topo)
        : m_platform_io(platform_io)
        , m_platform_topo(platform_topo)
        , m_freq_step(m_platform_io.signal_names().count("CPU_FREQUENCY_STEP") != 0 ?
                      read_limit("CPU_FREQUENCY_STEP") : NAN)
        , m_platform_min(read_limit("CPU_FREQUENCY_MIN_AVAIL"))
        , m_platform_max(read_limit("CPU_FREQUENCY_MAX_AVAIL"))
        , m_freq_min(m_platform_min)
        , m_freq_max(m_platform_max)
        , m_clamp_count(0)
        , m_do_write_batch(false)
        , m_domain_type(m_platform_io.control_domain_type(M_CONTROL))
        , m_is_initialized(false)
    {
        if (m_domain_type == GEOPM_DOMAIN_INVALID) {
            throw Exception("FrequencyGovernorImp: the platform has no control \"" +
                            std::string(M_CONTROL) + "\"",
                            GEOPM_ERROR_AGENT_UNSUPPORTED, __FILE__, __LINE__);
        }
    }

    double FrequencyGovernorImp::read_limit(const std::string &signal_name) const
    {
        return m_platform_io.read_signal(signal_name, m_platform_io.signal_domain_type(signal_name), 0);
    }

    void FrequencyGovernorImp::init_platform_io(void)
    {
        int num_domain = m_platform_topo.num_domain(m_domain_type);
        m_last_setting.assign(num_domain, NAN);
        for (int domain_idx = 0; domain_idx < num_domain; ++domain_idx) {
            m_control_idx.push_back(m_platform_io.push_control(M_CONTROL, m_domain_type, domain_idx));
        }
        m_is_initialized = true;
    }

    int FrequencyGovernorImp::frequency_domain_type(void) const
    {
        return m_domain_type;
    }

    void FrequencyGovernorImp::set_domain_type(int domain_type)
    {
        if (m_is_initialized) {
            throw Exception("FrequencyGovernorImp::set_domain_type(): called after init_platform_io()",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        int native = m_platform_io.control_domain_type(M_CONTROL);
        if (!m_platform_topo.is_nested_domain(native, domain_type)) {
            throw Exception("FrequencyGovernorImp::set_domain_type(): domain " +
                            PlatformTopo::domain_type_to_name(domain_type) + " does not contain " +
                            PlatformTopo::domain_type_to_name(native) + ", the domain of " + M_CONTROL,
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        m_domain_type = domain_type;
    }

    void FrequencyGovernorImp::adjust_platform(const std::vector<double> &frequency_request)
    {
        if (frequency_request.size() != m_control_idx.size()) {
            throw Exception("FrequencyGovernorImp::adjust_platform(): " +
                            std::to_string(frequency_request.size()) + " requests for " +
                            std::to_string(m_control_idx.size()) + " control domains",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        m_do_write_batch = false;
        for (size_t idx = 0; idx < m_control_idx.size(); ++idx) {
            double setting = frequency_request[idx];
            if (setting > m_freq_max) {
                setting = m_freq_max;
                ++m_clamp_count;
            }
            else if (setting < m_freq_min) {
                setting = m_freq_min;
                ++m_clamp_count;
            }
            if (setting != m_last_setting[idx]) {
                m_do_write_batch = true;
                m_last_setting[idx] = setting;
            }
            m_platform_io.adjust(m_control_idx[idx], setting);
        }
    }

    bool FrequencyGovernorImp::do_write_batch(void) const
    {
        return m_do_write_batch;
    }

    bool FrequencyGovernorImp::set_frequency_bounds(double freq_min, double freq_max)
    {
        if (!(freq_min >= m_platform_min && freq_max <= m_platform_max && freq_min <= freq_max)) {
            throw Exception("FrequencyGovernorImp::set_frequency_bounds(): bounds [" +
                            std::to_string(freq_min) + ", " + std::to_string(freq_max) +
                            "] Hz are not an interval within the platform's [" +
                            std::to_string(m_platform_min) + ", " + std::to_string(m_platform_max) + "]",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        bool is_changed = freq_min != m_freq_min || freq_max != m_freq_max;
        m_freq_min = freq_min;
        m_freq_max = freq_max;
        return is_changed;
    }

    double FrequencyGovernorImp::get_frequency_min() const
    {
        return m_freq_min;
    }

    double FrequencyGovernorImp::get_frequency_max() const
    {
        return m_freq_max;
    }

    double FrequencyGovernorImp::get_frequency_step() const
    {
        return m_freq_step;
    }

    int FrequencyGovernorImp::get_clamp_count() const
    {
        return m_clamp_count;
    }

    void FrequencyGovernorImp::validate_policy(double &freq_min, double &freq_max) const
    {
        if (std::isnan(freq_min)) {
            freq_min = read_limit("CPU_FREQUENCY_MIN_AVAIL");
        }
        if (std::isnan(freq_max)) {
            freq_max = read_limit("CPU_FREQUENCY_STICKER");
        }
        if (freq_min > freq_max) {
            throw Exception("FrequencyGovernorImp::validate_policy(): the minimum frequency " +
                            std::to_string(freq_min) + " Hz is above the maximum " +
                            std::to_string(freq_max) + " Hz",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        freq_min = std::max(freq_min, m_freq_min);
        freq_max = std::min(freq_max, m_freq_max);
    }
}
