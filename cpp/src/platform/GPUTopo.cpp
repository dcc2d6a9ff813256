#include "GPUTopo.hpp"

#include <string>

#include "geopm/Exception.hpp"
#include "geopm_topo.h"

#include "NVMLDevicePool.hpp"

namespace geopm_bridge
{
    GPUTopoImp::GPUTopoImp()
    {
    }

    GPUTopoImp::GPUTopoImp(int num_gpu, int num_cpu)
        : m_gpu_cpus(num_gpu > 0 ? num_gpu : 0)
    {
        if (num_gpu <= 0) {
            return;
        }
        int cpu = 0;
        for (int gpu = 0; gpu < num_gpu; ++gpu) {
            int share = num_cpu / num_gpu + (gpu < num_cpu % num_gpu ? 1 : 0);
            for (int count = 0; count < share; ++count, ++cpu) {
                m_gpu_cpus[gpu].insert(cpu);
            }
        }
    }

    GPUTopoImp::GPUTopoImp(const NVMLDevicePool &pool, int num_cpu)
        : m_gpu_cpus(pool.num_gpu())
    {
        const int num_gpu = pool.num_gpu();
        std::vector<std::set<int> > near(num_gpu);
        std::set<int> unassigned;
        for (int gpu = 0; gpu < num_gpu; ++gpu) {
            for (int cpu : pool.cpu_affinity(gpu, num_cpu)) {
                near[gpu].insert(cpu);
                unassigned.insert(cpu);
            }
        }
        // Two greedy rounds, each giving every GPU its fair share of the
        // CPUs still unassigned, lowest CPU first: CPUs near two GPUs are
        // split between them rather than all going to the first.
        for (int round = 0; round < 2 && !unassigned.empty(); ++round) {
            size_t share = unassigned.size() / num_gpu;
            if (share == 0) {
                share = unassigned.size() % num_gpu;
            }
            for (int gpu = 0; gpu < num_gpu; ++gpu) {
                size_t taken = 0;
                for (auto it = near[gpu].begin(); it != near[gpu].end() && taken < share;) {
                    int cpu = *it;
                    ++it;
                    if (unassigned.erase(cpu) != 0) {
                        m_gpu_cpus[gpu].insert(cpu);
                        ++taken;
                    }
                }
            }
        }
        // Where GEOPM fails the whole topology, a CPU left over goes to the
        // first GPU near it; a CPU near no GPU belongs to none (-1).
        for (int cpu : unassigned) {
            for (int gpu = 0; gpu < num_gpu; ++gpu) {
                if (near[gpu].count(cpu) != 0) {
                    m_gpu_cpus[gpu].insert(cpu);
                    break;
                }
            }
        }
    }

    int GPUTopoImp::num_gpu(int domain_type) const
    {
        if (domain_type == GEOPM_DOMAIN_GPU || domain_type == GEOPM_DOMAIN_GPU_CHIP) {
            return static_cast<int>(m_gpu_cpus.size());
        }
        return 0;
    }

    std::set<int> GPUTopoImp::cpu_affinity_ideal(int domain_type, int gpu_idx) const
    {
        if (gpu_idx < 0 || gpu_idx >= num_gpu(domain_type)) {
            throw geopm::Exception("GPUTopo::cpu_affinity_ideal(): GPU index " +
                                   std::to_string(gpu_idx) + " is out of range (the node has " +
                                   std::to_string(num_gpu(domain_type)) + ")",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return m_gpu_cpus[gpu_idx];
    }

    std::unique_ptr<GPUTopo> make_gpu_topo(int num_cpu)
    {
        const NVMLDevicePool &pool = nvml_device_pool();
        if (pool.num_gpu() > 0) {
            return std::make_unique<GPUTopoImp>(pool, num_cpu);
        }
        return std::make_unique<GPUTopoImp>();
    }
}
