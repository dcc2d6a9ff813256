/*
 * POWERCAP: RAPL package and DRAM energy and power limits through the Linux
 * powercap interface (/sys/class/powercap/intel-rapl:*).
 */
#ifndef GEOPM_BRIDGE_POWERCAPIOGROUP_HPP_INCLUDE
#define GEOPM_BRIDGE_POWERCAPIOGROUP_HPP_INCLUDE

#include <map>
#include <string>
#include <vector>

#include "geopm_time.h"

#include "BasicIOGroup.hpp"

namespace geopm_bridge
{
    /// Package-domain signals and controls from the "package-N" powercap
    /// zones (N is the package index) and their "dram" subzones, under
    /// GEOPM's high-level names:
    ///
    ///   POWERCAP::CPU_ENERGY             CPU_ENERGY (J, energy_uj, unwrapped
    ///                                    at max_energy_range_uj so it only grows)
    ///   POWERCAP::CPU_POWER              CPU_POWER (W, energy change between
    ///                                    the last two batches; read_signal()
    ///                                    measures over 50 ms)
    ///   POWERCAP::CPU_POWER_LIMIT        CPU_POWER_LIMIT_CONTROL (W, long_term
    ///                                    constraint power_limit_uw; control)
    ///   POWERCAP::CPU_POWER_TIME_WINDOW  CPU_POWER_TIME_WINDOW_CONTROL (s,
    ///                                    long_term time_window_us; control)
    ///   POWERCAP::CPU_POWER_LIMIT_DEFAULT CPU_POWER_LIMIT_DEFAULT (W, TDP: the
    ///                                    long_term max_power_uw)
    ///   POWERCAP::CPU_POWER_MIN_AVAIL    CPU_POWER_MIN_AVAIL (W, long_term
    ///                                    min_power_uw, when the kernel has it)
    ///   POWERCAP::CPU_POWER_MAX_AVAIL    CPU_POWER_MAX_AVAIL (W, short_term
    ///                                    max_power_uw)
    ///   POWERCAP::DRAM_ENERGY, DRAM_POWER  DRAM_ENERGY, DRAM_POWER
    ///
    /// Each is offered when package 0's zone has the file. Throws
    /// GEOPM_ERROR_PLATFORM_UNSUPPORTED when there is no package zone.
    class PowercapIOGroup : public BasicIOGroup
    {
        public:
            PowercapIOGroup();
            virtual ~PowercapIOGroup() = default;
            static std::string plugin_name(void);
            static std::unique_ptr<geopm::IOGroup> make_plugin(void);
        private:
            struct zone_s {
                std::string package_dir;
                std::string dram_dir;   // "" when there is no dram subzone
                int long_term;          // constraint numbers, -1 when absent
                int short_term;
            };
            // An energy counter made monotone across wrap-arounds.
            struct counter_s {
                double range_uj;
                double last_uj;
                double offset_uj;
            };
            // The previous batch reading that a rate is measured from.
            struct rate_s {
                bool is_valid;
                geopm_time_s time;
                double energy;
            };
            double read_value(int id, int domain_idx) override;
            double read_value_now(int id, int domain_idx) override;
            void write_value(int id, int domain_idx, double setting) override;
            std::string path(int id, int domain_idx) const;
            double energy(int id, int domain_idx);

            std::map<int, zone_s> m_zone;                 // by package
            std::map<std::pair<int, int>, counter_s> m_counter;  // by (id, package)
            std::map<std::pair<int, int>, rate_s> m_rate;        // by (id, package)
    };
}

#endif
