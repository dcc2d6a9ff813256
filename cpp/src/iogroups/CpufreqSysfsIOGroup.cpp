#include "CpufreqSysfsIOGroup.hpp"

#include <cmath>
#include <set>
#include <sstream>
#include <vector>

#include "geopm/Agg.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_topo.h"

namespace geopm_bridge
{
    namespace
    {
        struct attribute_s {
            const char *name;      // after "CPUFREQ::"
            const char *file;      // in the policy directory
            const char *alias;     // "" for none
            double scale;          // file units to SI units
            geopm::IOGroup::m_units_e units;
            bool is_writable;
            const char *description;
        };

        constexpr auto HZ = geopm::IOGroup::M_UNITS_HERTZ;
        constexpr auto SECONDS = geopm::IOGroup::M_UNITS_SECONDS;
        const attribute_s ATTRIBUTES[] = {
            {"SCALING_CUR_FREQ", "scaling_cur_freq", "CPU_FREQUENCY_STATUS", 1e3, HZ, false,
             "Current CPU frequency as last seen by the cpufreq driver"},
            {"SCALING_MAX_FREQ", "scaling_max_freq", "CPU_FREQUENCY_MAX_CONTROL", 1e3, HZ, true,
             "Highest frequency the cpufreq governor may choose"},
            {"SCALING_MIN_FREQ", "scaling_min_freq", "CPU_FREQUENCY_MIN_CONTROL", 1e3, HZ, true,
             "Lowest frequency the cpufreq governor may choose"},
            {"SCALING_SETSPEED", "scaling_setspeed", "CPU_FREQUENCY_DESIRED_CONTROL", 1e3, HZ, true,
             "Frequency requested from the userspace cpufreq governor"},
            {"CPUINFO_MIN_FREQ", "cpuinfo_min_freq", "CPU_FREQUENCY_MIN_AVAIL", 1e3, HZ, false,
             "Lowest frequency the hardware supports"},
            {"CPUINFO_MAX_FREQ", "cpuinfo_max_freq", "CPU_FREQUENCY_MAX_AVAIL", 1e3, HZ, false,
             "Highest frequency the hardware supports"},
            {"CPUINFO_CUR_FREQ", "cpuinfo_cur_freq", "", 1e3, HZ, false,
             "Current CPU frequency as reported by the hardware"},
            {"BIOS_LIMIT", "bios_limit", "", 1e3, HZ, false,
             "Highest frequency allowed by the platform firmware"},
            {"CPUINFO_TRANSITION_LATENCY", "cpuinfo_transition_latency", "", 1e-9, SECONDS, false,
             "Time the CPU takes to switch between two frequencies"},
        };

        const std::string CPUFREQ_DIR = "/sys/devices/system/cpu/cpufreq";

        // CPUs listed in a policy's affected_cpus ("0 1 2").
        std::vector<int> affected_cpus(const std::string &policy_dir)
        {
            std::istringstream text(geopm::read_file(policy_dir + "/affected_cpus"));
            std::vector<int> result;
            int cpu = 0;
            while (text >> cpu) {
                result.push_back(cpu);
            }
            return result;
        }
    }

    CpufreqSysfsIOGroup::CpufreqSysfsIOGroup()
        : BasicIOGroup(plugin_name())
    {
        const std::string root = host_path(CPUFREQ_DIR);
        std::map<std::string, std::vector<int> > policies;
        try {
            for (const auto &entry : geopm::list_directory_files(root)) {
                if (geopm::string_begins_with(entry, "policy")) {
                    policies[root + '/' + entry] = affected_cpus(root + '/' + entry);
                }
            }
        }
        catch (const geopm::Exception &) {
            policies.clear();
        }
        if (policies.empty()) {
            throw geopm::Exception("CPUFREQ IOGroup: no cpufreq policy in " + root,
                                   GEOPM_ERROR_PLATFORM_UNSUPPORTED, __FILE__, __LINE__);
        }

        // Native domain: the finest one in which no policy spans two indices.
        const int num_cpu = m_topo.num_domain(GEOPM_DOMAIN_CPU);
        int domain = GEOPM_DOMAIN_BOARD;
        for (int candidate : {GEOPM_DOMAIN_CPU, GEOPM_DOMAIN_CORE, GEOPM_DOMAIN_PACKAGE}) {
            bool fits = true;
            for (const auto &policy : policies) {
                std::set<int> indices;
                for (int cpu : policy.second) {
                    if (cpu < num_cpu) {
                        indices.insert(m_topo.domain_idx(candidate, cpu));
                    }
                }
                fits = fits && indices.size() <= 1;
            }
            if (fits) {
                domain = candidate;
                break;
            }
        }
        for (const auto &policy : policies) {
            for (int cpu : policy.second) {
                if (cpu < num_cpu) {
                    m_policy_dir[m_topo.domain_idx(domain, cpu)] = policy.first;
                }
            }
        }
        if (m_policy_dir.empty()) {
            throw geopm::Exception("CPUFREQ IOGroup: no cpufreq policy covers a CPU of this node",
                                   GEOPM_ERROR_PLATFORM_UNSUPPORTED, __FILE__, __LINE__);
        }

        // Offer what the first policy shows as a number.
        const std::string &sample_dir = m_policy_dir.begin()->second;
        for (int id = 0; id < (int)(sizeof ATTRIBUTES / sizeof ATTRIBUTES[0]); ++id) {
            const attribute_s &attr = ATTRIBUTES[id];
            double value = NAN;
            try {
                value = read_host_number(sample_dir + '/' + attr.file);
            }
            catch (const geopm::Exception &) {
            }
            if (std::isnan(value)) {
                continue;
            }
            std::string low_name = plugin_name() + "::" + attr.name;
            info_s info {id, domain, attr.units,
                         geopm::Agg::average, M_SIGNAL_BEHAVIOR_VARIABLE,
                         std::string(attr.description) + " (cpufreq " + attr.file + ")"};
            if (attr.is_writable) {
                add_control(low_name, info);
            }
            else {
                add_signal(low_name, info);
            }
            if (*attr.alias != '\0') {
                add_alias(attr.alias, low_name);
            }
        }
    }

    std::string CpufreqSysfsIOGroup::plugin_name(void)
    {
        return "CPUFREQ";
    }

    std::unique_ptr<geopm::IOGroup> CpufreqSysfsIOGroup::make_plugin(void)
    {
        return std::make_unique<CpufreqSysfsIOGroup>();
    }

    std::string CpufreqSysfsIOGroup::attribute_path(int id, int domain_idx) const
    {
        auto it = m_policy_dir.find(domain_idx);
        if (it == m_policy_dir.end()) {
            throw geopm::Exception("CPUFREQ IOGroup: no cpufreq policy for domain index " +
                                   std::to_string(domain_idx),
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return it->second + '/' + ATTRIBUTES[id].file;
    }

    double CpufreqSysfsIOGroup::read_value(int id, int domain_idx)
    {
        return ATTRIBUTES[id].scale * read_host_number(attribute_path(id, domain_idx));
    }

    void CpufreqSysfsIOGroup::write_value(int id, int domain_idx, double setting)
    {
        if (!std::isfinite(setting)) {
            throw geopm::Exception("CPUFREQ IOGroup: cannot write " + std::to_string(setting) +
                                   " to CPUFREQ::" + ATTRIBUTES[id].name,
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        geopm::write_file(attribute_path(id, domain_idx),
                          std::to_string(std::llround(setting / ATTRIBUTES[id].scale)));
    }
}
