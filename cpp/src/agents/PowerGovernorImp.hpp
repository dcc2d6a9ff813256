/*
 * PowerGovernorImp: splits a node power budget evenly over the packages and
 * sets CPU_POWER_LIMIT_CONTROL on each (only when the setting changes).
 */
#ifndef GEOPM_BRIDGE_POWERGOVERNORIMP_HPP_INCLUDE
#define GEOPM_BRIDGE_POWERGOVERNORIMP_HPP_INCLUDE

#include <vector>

#include "geopm/PowerGovernor.hpp"

namespace geopm
{
    class PlatformIO;
    class PlatformTopo;

    class PowerGovernorImp : public PowerGovernor
    {
        public:
            PowerGovernorImp();
            PowerGovernorImp(PlatformIO &platform_io, const PlatformTopo &platform_topo);
            virtual ~PowerGovernorImp() = default;
            void init_platform_io(void) override;
            void sample_platform(void) override;
            void adjust_platform(double node_power_request, double &node_power_actual) override;
            bool do_write_batch(void) const override;
            void set_power_bounds(double min_pkg_power, double max_pkg_power) override;
            double power_package_time_window(void) const override;
        private:
            static constexpr double M_TIME_WINDOW = 0.015;
            PlatformIO &m_platform_io;
            const int m_pkg_domain_type;
            const int m_num_pkg;
            const double m_min_pkg_setting;
            const double m_max_pkg_setting;
            double m_min_pkg_policy;
            double m_max_pkg_policy;
            std::vector<int> m_control_idx;
            double m_last_pkg_setting;
            bool m_do_write_batch;
    };
}

#endif
