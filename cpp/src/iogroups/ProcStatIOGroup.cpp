#include "ProcStatIOGroup.hpp"

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <sstream>

#include "geopm/Agg.hpp"
#include "geopm/Helper.hpp"
#include "geopm_topo.h"

namespace geopm_bridge
{
    // Column order of a "cpuN" line in /proc/stat (see proc(5)).
    static const std::vector<std::pair<std::string, std::string> > COLUMNS = {
        {"USER_TIME", "Time spent in user mode"},
        {"NICE_TIME", "Time spent in user mode at low priority (positive nice)"},
        {"SYSTEM_TIME", "Time spent in kernel mode"},
        {"IDLE_TIME", "Time spent idle"},
        {"IOWAIT_TIME", "Time spent idle while waiting for I/O to complete"},
        {"IRQ_TIME", "Time spent servicing hardware interrupts"},
        {"SOFTIRQ_TIME", "Time spent servicing software interrupts"},
        {"STEAL_TIME", "Time the hypervisor gave to other virtual machines"},
        {"GUEST_TIME", "Time spent running a guest virtual CPU (included in USER_TIME)"},
        {"GUEST_NICE_TIME", "Time spent running a niced guest virtual CPU (included in NICE_TIME)"},
    };

    ProcStatIOGroup::ProcStatIOGroup()
        : BasicIOGroup(plugin_name())
        , m_path(host_path("/proc/stat"))
        , m_seconds_per_tick(1.0 / sysconf(_SC_CLK_TCK))
    {
        refresh();  // throws here when there is no /proc/stat to read
        for (size_t col = 0; col < COLUMNS.size(); ++col) {
            std::string low_name = plugin_name() + "::" + COLUMNS[col].first;
            add_signal(low_name, {(int)col, GEOPM_DOMAIN_CPU, M_UNITS_SECONDS, geopm::Agg::sum,
                                  M_SIGNAL_BEHAVIOR_MONOTONE,
                                  COLUMNS[col].second + ", from /proc/stat"});
            add_alias(COLUMNS[col].first, low_name);
        }
    }

    std::string ProcStatIOGroup::plugin_name(void)
    {
        return "PROCSTAT";
    }

    std::unique_ptr<geopm::IOGroup> ProcStatIOGroup::make_plugin(void)
    {
        return std::make_unique<ProcStatIOGroup>();
    }

    void ProcStatIOGroup::refresh(void)
    {
        std::istringstream lines(geopm::read_file(m_path));
        for (auto &row : m_ticks) {
            row.clear();
        }
        std::string line;
        while (std::getline(lines, line)) {
            // Per-CPU lines only: "cpu3 ..." (the summary line is "cpu ...").
            if (line.compare(0, 3, "cpu") != 0 || line.size() < 4 || !std::isdigit((unsigned char)line[3])) {
                continue;
            }
            std::istringstream fields(line.substr(3));
            size_t cpu = 0;
            fields >> cpu;
            if (cpu >= m_ticks.size()) {
                m_ticks.resize(cpu + 1);
            }
            double value = 0.0;
            while (fields >> value) {
                m_ticks[cpu].push_back(value);
            }
        }
    }

    double ProcStatIOGroup::read_value(int id, int domain_idx)
    {
        double result = NAN;
        if (domain_idx < (int)m_ticks.size() && id < (int)m_ticks[domain_idx].size()) {
            result = m_ticks[domain_idx][id] * m_seconds_per_tick;
        }
        return result;
    }
}
