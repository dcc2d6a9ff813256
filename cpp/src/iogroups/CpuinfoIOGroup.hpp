/*
 * CPUINFO: the processor's frequency range, read once at start.
 */
#ifndef GEOPM_BRIDGE_CPUINFOIOGROUP_HPP_INCLUDE
#define GEOPM_BRIDGE_CPUINFOIOGROUP_HPP_INCLUDE

#include <vector>

#include "BasicIOGroup.hpp"

namespace geopm_bridge
{
    /// Board-domain constants CPUINFO::FREQ_MIN, FREQ_STICKER, FREQ_MAX and
    /// FREQ_STEP (aliases CPU_FREQUENCY_MIN_AVAIL, CPU_FREQUENCY_STICKER,
    /// CPU_FREQUENCY_MAX_AVAIL, CPU_FREQUENCY_STEP).
    ///
    /// Min and max come from cpu0's cpufreq cpuinfo_min_freq and
    /// cpuinfo_max_freq. The sticker (base) frequency comes from cpufreq's
    /// base_frequency, else the "@ 2.10GHz" of the /proc/cpuinfo model name,
    /// else its "cpu MHz" (clamped into [min, max]). A machine without
    /// cpufreq (a VM) runs at one frequency as far as we can tell: min and
    /// max are then the sticker frequency. The step is 100 MHz, as GEOPM
    /// assumes.
    class CpuinfoIOGroup : public BasicIOGroup
    {
        public:
            CpuinfoIOGroup();
            virtual ~CpuinfoIOGroup() = default;
            static std::string plugin_name(void);
            static std::unique_ptr<geopm::IOGroup> make_plugin(void);
        private:
            double read_value(int id, int domain_idx) override;

            std::vector<double> m_value;  // by id
    };
}

#endif
