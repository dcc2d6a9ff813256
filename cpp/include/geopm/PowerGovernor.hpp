/*
 * Splits a node power budget over the packages and writes the package power
 * limits (used by the power_governor and power_balancer agents).
 */
#ifndef POWERGOVERNOR_HPP_INCLUDE
#define POWERGOVERNOR_HPP_INCLUDE

#include <memory>

#include "geopm_public.h"

namespace geopm
{
    class GEOPM_PUBLIC PowerGovernor
    {
        public:
            PowerGovernor() = default;
            virtual ~PowerGovernor() = default;
            /// Push the signals and controls it needs (call from Agent::init()).
            virtual void init_platform_io(void) = 0;
            virtual void sample_platform(void) = 0;
            /// Apply a node power request; node_power_actual receives the
            /// power actually granted after clamping to the bounds.
            virtual void adjust_platform(double node_power_request, double &node_power_actual) = 0;
            virtual bool do_write_batch(void) const = 0;
            /// Per-package power bounds in watts.
            virtual void set_power_bounds(double min_pkg_power, double max_pkg_power) = 0;
            /// The package power limit time window in seconds.
            virtual double power_package_time_window(void) const = 0;
            static std::unique_ptr<PowerGovernor> make_unique(void);
            static std::shared_ptr<PowerGovernor> make_shared(void);
    };
}

#endif
