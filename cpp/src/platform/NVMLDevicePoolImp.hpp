#ifndef GEOPM_BRIDGE_NVMLDEVICEPOOLIMP_HPP_INCLUDE
#define GEOPM_BRIDGE_NVMLDEVICEPOOLIMP_HPP_INCLUDE

#include <vector>

#include "NVMLDevicePool.hpp"

namespace geopm_bridge
{
    // The NVML declarations we use, written from NVML's documented ABI so
    // that no nvml.h is needed to build.
    namespace nvml
    {
        using return_t = int;
        const return_t SUCCESS = 0;
        struct device_st;
        using device_t = device_st *;
    }

    class NVMLDevicePoolImp : public NVMLDevicePool
    {
        public:
            /// library: the path or soname given to dlopen().
            explicit NVMLDevicePoolImp(const std::string &library);
            virtual ~NVMLDevicePoolImp();
            NVMLDevicePoolImp(const NVMLDevicePoolImp &) = delete;
            NVMLDevicePoolImp &operator=(const NVMLDevicePoolImp &) = delete;
            int num_gpu(void) const override;
            std::set<int> cpu_affinity(int gpu_idx) const override;
            double power_usage(int gpu_idx) const override;
            double total_energy(int gpu_idx) const override;
            double power_limit(int gpu_idx) const override;
            double power_limit_min(int gpu_idx) const override;
            double power_limit_max(int gpu_idx) const override;
            void set_power_limit(int gpu_idx, unsigned int milliwatts) const override;
        private:
            // The address of symbol name, nullptr when the driver lacks it.
            void *symbol(const char *name) const;
            void *m_handle;
            std::vector<nvml::device_t> m_device;
            nvml::return_t (*m_shutdown)(void);
            nvml::return_t (*m_get_cpu_affinity)(nvml::device_t, unsigned int, unsigned long *);
            nvml::return_t (*m_get_power_usage)(nvml::device_t, unsigned int *);
            nvml::return_t (*m_get_total_energy)(nvml::device_t, unsigned long long *);
            nvml::return_t (*m_get_power_limit)(nvml::device_t, unsigned int *);
            nvml::return_t (*m_get_power_limit_range)(nvml::device_t, unsigned int *, unsigned int *);
            nvml::return_t (*m_set_power_limit)(nvml::device_t, unsigned int);
    };
}

#endif
