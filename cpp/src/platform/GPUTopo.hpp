/*
 * Which GPUs the node has and which CPUs belong to each (GEOPM's GPUTopo):
 * PlatformTopoImp's source for the gpu and gpu_chip domains.
 */
#ifndef GEOPM_BRIDGE_GPUTOPO_HPP_INCLUDE
#define GEOPM_BRIDGE_GPUTOPO_HPP_INCLUDE

#include <memory>
#include <set>
#include <vector>

namespace geopm_bridge
{
    class NVMLDevicePool;

    class GPUTopo
    {
        public:
            virtual ~GPUTopo() = default;
            /// GPUs (GEOPM_DOMAIN_GPU) or their chips (GEOPM_DOMAIN_GPU_CHIP);
            /// 0 for any other domain.
            virtual int num_gpu(int domain_type) const = 0;
            /// The CPUs assigned to GPU (or chip) gpu_idx; no CPU belongs to
            /// two GPUs. Throws for an index out of range.
            virtual std::set<int> cpu_affinity_ideal(int domain_type, int gpu_idx) const = 0;
    };

    class GPUTopoImp : public GPUTopo
    {
        public:
            /// From NVML: each GPU's CPUs are its NVML CPU affinity, shared
            /// out so that a CPU near several GPUs goes to one of them (as
            /// GEOPM's NVMLGPUTopo does); one chip per GPU.
            GPUTopoImp(const NVMLDevicePool &pool, int num_cpu);
            /// num_gpu simulated GPUs of one chip each, the CPUs split
            /// evenly in index order (the first GPUs take the remainder).
            GPUTopoImp(int num_gpu, int num_cpu);
            /// No GPUs.
            GPUTopoImp();
            virtual ~GPUTopoImp() = default;
            int num_gpu(int domain_type) const override;
            std::set<int> cpu_affinity_ideal(int domain_type, int gpu_idx) const override;
        private:
            std::vector<std::set<int> > m_gpu_cpus;
    };

    /// The GPU topology of this node: NVML's GPUs when NVML is there, else
    /// none.
    std::unique_ptr<GPUTopo> make_gpu_topo(int num_cpu);
}

#endif
