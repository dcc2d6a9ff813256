/*
 * CPUFREQ: the Linux cpufreq policy attributes under
 * /sys/devices/system/cpu/cpufreq/policy<N>/.
 */
#ifndef GEOPM_BRIDGE_CPUFREQSYSFSIOGROUP_HPP_INCLUDE
#define GEOPM_BRIDGE_CPUFREQSYSFSIOGROUP_HPP_INCLUDE

#include <map>
#include <string>

#include "BasicIOGroup.hpp"

namespace geopm_bridge
{
    /// GEOPM's CPUFREQ names: CPUFREQ::SCALING_CUR_FREQ (alias
    /// CPU_FREQUENCY_STATUS), CPUFREQ::SCALING_MAX_FREQ and SCALING_MIN_FREQ
    /// (signals and controls, aliases CPU_FREQUENCY_MAX_CONTROL and
    /// CPU_FREQUENCY_MIN_CONTROL), CPUFREQ::SCALING_SETSPEED
    /// (CPU_FREQUENCY_DESIRED_CONTROL, only under the userspace governor),
    /// CPUFREQ::CPUINFO_MIN_FREQ / CPUINFO_MAX_FREQ (CPU_FREQUENCY_MIN_AVAIL
    /// / MAX_AVAIL), CPUFREQ::CPUINFO_CUR_FREQ, BIOS_LIMIT and
    /// CPUINFO_TRANSITION_LATENCY; each only when policy0 has a numeric
    /// file for it. Values are in Hz (seconds for the latency).
    ///
    /// The native domain is the finest of cpu, core, package and board
    /// that holds every policy's affected_cpus in one index. Throws
    /// GEOPM_ERROR_PLATFORM_UNSUPPORTED when there is no cpufreq policy.
    class CpufreqSysfsIOGroup : public BasicIOGroup
    {
        public:
            CpufreqSysfsIOGroup();
            virtual ~CpufreqSysfsIOGroup() = default;
            static std::string plugin_name(void);
            static std::unique_ptr<geopm::IOGroup> make_plugin(void);
        private:
            double read_value(int id, int domain_idx) override;
            void write_value(int id, int domain_idx, double setting) override;
            std::string attribute_path(int id, int domain_idx) const;

            std::map<int, std::string> m_policy_dir;  // by native domain index
    };
}

#endif
