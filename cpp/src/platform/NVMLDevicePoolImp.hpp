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
        const return_t ERROR_INSUFFICIENT_SIZE = 7;
        // nvmlClockType_t
        const int CLOCK_SM = 1;
        const int CLOCK_MEM = 2;
        // nvmlTemperatureSensors_t
        const int TEMPERATURE_GPU = 0;
        struct utilization_s {
            unsigned int gpu;
            unsigned int memory;
        };
        // nvmlPcieUtilCounter_t
        const int PCIE_UTIL_TX_BYTES = 0;
        const int PCIE_UTIL_RX_BYTES = 1;
        // nvmlProcessInfo_v1_t, the unversioned call's, and the _v2 form
        // that nvmlDeviceGetComputeRunningProcesses_v3 fills.
        struct process_info_v1_s {
            unsigned int pid;
            unsigned long long used_gpu_memory;
        };
        struct process_info_v2_s {
            unsigned int pid;
            unsigned long long used_gpu_memory;
            unsigned int gpu_instance_id;
            unsigned int compute_instance_id;
        };
    }

    class NVMLDevicePoolImp : public NVMLDevicePool
    {
        public:
            /// library: the path or soname given to dlopen().
            explicit NVMLDevicePoolImp(const std::string &library);
            virtual ~NVMLDevicePoolImp();
            NVMLDevicePoolImp(const NVMLDevicePoolImp &) = delete;
            NVMLDevicePoolImp &operator=(const NVMLDevicePoolImp &) = delete;
            bool has_call(const std::string &name) const override;
            int num_gpu(void) const override;
            std::set<int> cpu_affinity(int gpu_idx, int num_cpu) const override;
            double power_usage(int gpu_idx) const override;
            double total_energy(int gpu_idx) const override;
            double power_limit(int gpu_idx) const override;
            double power_limit_min(int gpu_idx) const override;
            double power_limit_max(int gpu_idx) const override;
            double power_limit_default(int gpu_idx) const override;
            double frequency_sm(int gpu_idx) const override;
            double frequency_mem(int gpu_idx) const override;
            std::vector<unsigned int> frequency_supported_sm(int gpu_idx) const override;
            double utilization(int gpu_idx) const override;
            double utilization_mem(int gpu_idx) const override;
            double pcie_rx_throughput(int gpu_idx) const override;
            double pcie_tx_throughput(int gpu_idx) const override;
            std::vector<int> compute_processes(int gpu_idx) const override;
            double temperature(int gpu_idx) const override;
            double throttle_reasons(int gpu_idx) const override;
            double performance_state(int gpu_idx) const override;
            void set_power_limit(int gpu_idx, unsigned int milliwatts) const override;
            void set_locked_clocks(int gpu_idx, unsigned int min_mhz,
                                   unsigned int max_mhz) const override;
            void reset_locked_clocks(int gpu_idx) const override;
        private:
            // The address of symbol name, nullptr when the driver lacks it.
            void *symbol(const char *name) const;
            // Throws when a setter is missing or failed.
            void check_set(const char *call, bool is_found, nvml::return_t err, int gpu_idx) const;
            // One nvmlDeviceGetPcieThroughput() counter, KiB/s or NaN.
            double pcie_throughput(int gpu_idx, int counter) const;
            // The pids of a process list call whose entries are Info.
            template <typename Info>
            std::vector<int> process_pids(nvml::return_t (*call)(nvml::device_t, unsigned int *,
                                                                 Info *),
                                          int gpu_idx) const;
            void *m_handle;
            std::vector<nvml::device_t> m_device;
            nvml::return_t (*m_shutdown)(void);
            nvml::return_t (*m_get_cpu_affinity)(nvml::device_t, unsigned int, unsigned long *);
            nvml::return_t (*m_get_power_usage)(nvml::device_t, unsigned int *);
            nvml::return_t (*m_get_total_energy)(nvml::device_t, unsigned long long *);
            nvml::return_t (*m_get_power_limit)(nvml::device_t, unsigned int *);
            nvml::return_t (*m_get_power_limit_range)(nvml::device_t, unsigned int *, unsigned int *);
            nvml::return_t (*m_set_power_limit)(nvml::device_t, unsigned int);
            nvml::return_t (*m_get_power_limit_default)(nvml::device_t, unsigned int *);
            nvml::return_t (*m_get_pcie_throughput)(nvml::device_t, int, unsigned int *);
            nvml::return_t (*m_get_processes_v3)(nvml::device_t, unsigned int *,
                                                 nvml::process_info_v2_s *);
            nvml::return_t (*m_get_processes_v1)(nvml::device_t, unsigned int *,
                                                 nvml::process_info_v1_s *);
            nvml::return_t (*m_get_clock)(nvml::device_t, int, unsigned int *);
            nvml::return_t (*m_get_supported_sm)(nvml::device_t, unsigned int, unsigned int *,
                                                 unsigned int *);
            nvml::return_t (*m_get_utilization)(nvml::device_t, nvml::utilization_s *);
            nvml::return_t (*m_get_temperature)(nvml::device_t, int, unsigned int *);
            nvml::return_t (*m_get_throttle)(nvml::device_t, unsigned long long *);
            nvml::return_t (*m_get_pstate)(nvml::device_t, int *);
            nvml::return_t (*m_set_locked_clocks)(nvml::device_t, unsigned int, unsigned int);
            nvml::return_t (*m_reset_locked_clocks)(nvml::device_t);
    };
}

#endif
