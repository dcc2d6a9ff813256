/*
 * Topology read from sysfs/procfs under a root directory (tests point it at
 * a fake tree): board, package, core, cpu; and gpu, gpu_chip from a GPUTopo.
 */
#ifndef GEOPM_BRIDGE_PLATFORMTOPOIMP_HPP_INCLUDE
#define GEOPM_BRIDGE_PLATFORMTOPOIMP_HPP_INCLUDE

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "geopm/PlatformTopo.hpp"

namespace geopm_bridge
{
    class GPUTopo;
}

namespace geopm
{
    class PlatformTopoImp : public PlatformTopo
    {
        public:
            /// Reads <root>/sys/devices/system/cpu/cpu<N>/topology and
            /// <root>/proc/cpuinfo; see PlatformTopoImp.cpp for fallbacks.
            /// The GPUs are NVML's (make_gpu_topo()).
            explicit PlatformTopoImp(const std::string &root);
            /// The GPUs are gpu_topo's: none, or simulated ones.
            PlatformTopoImp(const std::string &root, const geopm_bridge::GPUTopo &gpu_topo);
            /// The GPUs are make_gpu_topo(number of CPUs)'s: for simulated
            /// GPUs, which share out the CPUs read here.
            PlatformTopoImp(const std::string &root,
                            const std::function<std::unique_ptr<geopm_bridge::GPUTopo>(int num_cpu)>
                                &make_gpu_topo);
            virtual ~PlatformTopoImp() = default;
            int num_domain(int domain_type) const override;
            int domain_idx(int domain_type, int cpu_idx) const override;
            bool is_nested_domain(int inner_domain, int outer_domain) const override;
            std::set<int> domain_nested(int inner_domain, int outer_domain, int outer_idx) const override;
        private:
            void read_cpus(const std::string &root);
            void set_gpus(const geopm_bridge::GPUTopo &gpu_topo);
            std::vector<int> m_cpu_package;
            std::vector<int> m_cpu_core;
            int m_num_package;
            int m_num_core;
            // Per CPU, its GPU (and chip: one per GPU), -1 for none.
            std::vector<int> m_cpu_gpu;
            int m_num_gpu;
    };
}

#endif
