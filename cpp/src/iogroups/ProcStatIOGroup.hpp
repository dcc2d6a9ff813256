/*
 * PROCSTAT: per-CPU time accounting from /proc/stat, in seconds.
 */
#ifndef GEOPM_BRIDGE_PROCSTATIOGROUP_HPP_INCLUDE
#define GEOPM_BRIDGE_PROCSTATIOGROUP_HPP_INCLUDE

#include <vector>

#include "BasicIOGroup.hpp"

namespace geopm_bridge
{
    /// PROCSTAT::USER_TIME, NICE_TIME, SYSTEM_TIME, IDLE_TIME, IOWAIT_TIME,
    /// IRQ_TIME, SOFTIRQ_TIME, STEAL_TIME, GUEST_TIME, GUEST_NICE_TIME (and
    /// the same names without the prefix): the columns of the "cpuN" lines,
    /// converted from clock ticks to seconds. Native at the cpu domain and
    /// summed over coarser ones; NaN for a CPU that /proc/stat omits
    /// (offline). The file is read once per batch.
    class ProcStatIOGroup : public BasicIOGroup
    {
        public:
            ProcStatIOGroup();
            virtual ~ProcStatIOGroup() = default;
            static std::string plugin_name(void);
            static std::unique_ptr<geopm::IOGroup> make_plugin(void);
        private:
            void refresh(void) override;
            double read_value(int id, int domain_idx) override;

            const std::string m_path;
            const double m_seconds_per_tick;
            // Ticks by CPU, then by column; empty row for a CPU not listed.
            std::vector<std::vector<double> > m_ticks;
    };
}

#endif
