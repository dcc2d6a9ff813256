/*
 * Topology read from sysfs/procfs under a root directory (tests point it at
 * a fake tree). Only CPU-based domains exist: board, package, core, cpu.
 */
#ifndef GEOPM_BRIDGE_PLATFORMTOPOIMP_HPP_INCLUDE
#define GEOPM_BRIDGE_PLATFORMTOPOIMP_HPP_INCLUDE

#include <set>
#include <string>
#include <vector>

#include "geopm/PlatformTopo.hpp"

namespace geopm
{
    class PlatformTopoImp : public PlatformTopo
    {
        public:
            /// Reads <root>/sys/devices/system/cpu/cpu<N>/topology and
            /// <root>/proc/cpuinfo; see PlatformTopoImp.cpp for fallbacks.
            explicit PlatformTopoImp(const std::string &root);
            virtual ~PlatformTopoImp() = default;
            int num_domain(int domain_type) const override;
            int domain_idx(int domain_type, int cpu_idx) const override;
            bool is_nested_domain(int inner_domain, int outer_domain) const override;
            std::set<int> domain_nested(int inner_domain, int outer_domain, int outer_idx) const override;
        private:
            std::vector<int> m_cpu_package;
            std::vector<int> m_cpu_core;
            int m_num_package;
            int m_num_core;
    };
}

#endif
