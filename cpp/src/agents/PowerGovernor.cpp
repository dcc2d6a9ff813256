#include "PowerGovernorImp.hpp"

#include <cmath>

#include "geopm/Exception.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"

namespace geopm
{
    std::unique_ptr<PowerGovernor> PowerGovernor::make_unique(void)
    {
        return std::make_unique<PowerGovernorImp>();
    }

    std::shared_ptr<PowerGovernor> PowerGovernor::make_shared(void)
    {
        return std::make_shared<PowerGovernorImp>();
    }

    PowerGovernorImp::PowerGovernorImp()
        : PowerGovernorImp(platform_io(), platform_topo())
    {

    }

    PowerGovernorImp::PowerGovernorImp(PlatformIO &platform_io, const PlatformTopo &platform_topo)
        : m_platform_io(platform_io)
        , m_pkg_domain_type(m_platform_io.control_domain_type("CPU_POWER_LIMIT_CONTROL"))
        , m_num_pkg(m_pkg_domain_type == GEOPM_DOMAIN_INVALID ?
                    0 : platform_topo.num_domain(m_pkg_domain_type))
        , m_min_pkg_setting(m_platform_io.read_signal("CPU_POWER_MIN_AVAIL", GEOPM_DOMAIN_PACKAGE, 0))
        , m_max_pkg_setting(m_platform_io.read_signal("CPU_POWER_MAX_AVAIL", GEOPM_DOMAIN_PACKAGE, 0))
        , m_min_pkg_policy(m_min_pkg_setting)
        , m_max_pkg_policy(m_max_pkg_setting)
        , m_last_pkg_setting(NAN)
        , m_do_write_batch(false)
    {
        if (m_num_pkg <= 0) {
            throw Exception("PowerGovernorImp: the platform has no control \"CPU_POWER_LIMIT_CONTROL\"",
                            GEOPM_ERROR_AGENT_UNSUPPORTED, __FILE__, __LINE__);
        }
    }

    void PowerGovernorImp::init_platform_io(void)
    {
        // The time window is optional: platforms (and the node model) that
        // do not expose it keep their own averaging window.
        const bool has_window =
            m_platform_io.control_names().count("CPU_POWER_TIME_WINDOW_CONTROL") != 0;
        for (int pkg = 0; pkg < m_num_pkg; ++pkg) {
            m_control_idx.push_back(m_platform_io.push_control("CPU_POWER_LIMIT_CONTROL",
                                                               m_pkg_domain_type, pkg));
            if (has_window) {
                m_platform_io.write_control("CPU_POWER_TIME_WINDOW_CONTROL",
                                            m_pkg_domain_type, pkg, M_TIME_WINDOW);
            }
        }
    }

    void PowerGovernorImp::sample_platform(void)
    {

    }

    void PowerGovernorImp::adjust_platform(double node_power_request, double &node_power_actual)
    {
        m_do_write_batch = false;
        if (std::isnan(node_power_request)) {
            return;
        }
        // Even split across packages, clamped to what each package accepts.
        double pkg_target = node_power_request / m_num_pkg;
        if (pkg_target < m_min_pkg_policy) {
            pkg_target = m_min_pkg_policy;
        }
        else if (pkg_target > m_max_pkg_policy) {
            pkg_target = m_max_pkg_policy;
        }
        // Write only on change so the batch write stays cheap in steady state.
        if (pkg_target != m_last_pkg_setting) {
            for (int idx : m_control_idx) {
                m_platform_io.adjust(idx, pkg_target);
            }
            m_last_pkg_setting = pkg_target;
            node_power_actual = m_num_pkg * pkg_target;
            m_do_write_batch = true;
        }
    }

    bool PowerGovernorImp::do_write_batch(void) const
    {
        return m_do_write_batch;
    }

    void PowerGovernorImp::set_power_bounds(double min_pkg_power, double max_pkg_power)
    {
        if (min_pkg_power < m_min_pkg_setting) {
            throw Exception("PowerGovernorImp::set_power_bounds(): minimum package power " +
                            std::to_string(min_pkg_power) + " W is below CPU_POWER_MIN_AVAIL",
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        if (max_pkg_power > m_max_pkg_setting) {
            throw Exception("PowerGovernorImp::set_power_bounds(): maximum package power " +
                            std::to_string(max_pkg_power) + " W is above CPU_POWER_MAX_AVAIL",
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        m_min_pkg_policy = min_pkg_power;
        m_max_pkg_policy = max_pkg_power;
    }

    double PowerGovernorImp::power_package_time_window(void) const
    {
        return M_TIME_WINDOW;
    }
}
