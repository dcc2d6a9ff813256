/*
 * The NVIDIA GPUs of this node through NVML, loaded at run time with
 * dlopen() so that the library builds and runs where no NVIDIA driver is.
 */
#ifndef GEOPM_BRIDGE_NVMLDEVICEPOOL_HPP_INCLUDE
#define GEOPM_BRIDGE_NVMLDEVICEPOOL_HPP_INCLUDE

#include <set>
#include <vector>
#include <string>

namespace geopm_bridge
{
    /// One NVML session over every GPU NVML reports. Every reader answers
    /// NaN when NVML returns an error or the driver lacks the call; GPU
    /// indices are checked by the caller (num_gpu()).
    class NVMLDevicePool
    {
        public:
            virtual ~NVMLDevicePool() = default;
            /// Whether the driver has NVML function name (an old one lacks
            /// newer calls).
            virtual bool has_call(const std::string &name) const = 0;
            /// 0 when the library is absent or nvmlInit_v2() failed.
            virtual int num_gpu(void) const = 0;
            /// The CPUs below num_cpu that NVML names as near the GPU
            /// (nvmlDeviceGetCpuAffinity); empty when NVML cannot say.
            virtual std::set<int> cpu_affinity(int gpu_idx, int num_cpu) const = 0;
            /// Milliwatts.
            virtual double power_usage(int gpu_idx) const = 0;
            /// Millijoules since the driver was loaded.
            virtual double total_energy(int gpu_idx) const = 0;
            /// Milliwatts (nvmlDeviceGetPowerManagementLimit).
            virtual double power_limit(int gpu_idx) const = 0;
            /// Lowest and highest power limit the GPU takes, milliwatts.
            virtual double power_limit_min(int gpu_idx) const = 0;
            virtual double power_limit_max(int gpu_idx) const = 0;
            /// The power limit the GPU boots with, milliwatts.
            virtual double power_limit_default(int gpu_idx) const = 0;
            /// Current Streaming Multiprocessor and memory clocks, MHz.
            virtual double frequency_sm(int gpu_idx) const = 0;
            virtual double frequency_mem(int gpu_idx) const = 0;
            /// The SM clocks the GPU supports at its current memory clock,
            /// MHz, ascending; empty when NVML cannot say.
            virtual std::vector<unsigned int> frequency_supported_sm(int gpu_idx) const = 0;
            /// Percent of time a kernel ran over the driver's last samples.
            virtual double utilization(int gpu_idx) const = 0;
            /// Percent of time the memory was read or written, likewise.
            virtual double utilization_mem(int gpu_idx) const = 0;
            /// PCIe bytes received and sent by the GPU, KiB/s over NVML's
            /// last 20 ms.
            virtual double pcie_rx_throughput(int gpu_idx) const = 0;
            virtual double pcie_tx_throughput(int gpu_idx) const = 0;
            /// The processes running compute work on the GPU; empty when
            /// NVML cannot say.
            virtual std::vector<int> compute_processes(int gpu_idx) const = 0;
            /// Degrees Celsius.
            virtual double temperature(int gpu_idx) const = 0;
            /// NVML's bit mask of clock throttle reasons.
            virtual double throttle_reasons(int gpu_idx) const = 0;
            /// 0 (fastest) to 15, 32 unknown.
            virtual double performance_state(int gpu_idx) const = 0;
            /// Set the power limit; throws naming NVML's error.
            virtual void set_power_limit(int gpu_idx, unsigned int milliwatts) const = 0;
            /// Hold the SM clock within [min_mhz, max_mhz]; throws naming
            /// NVML's error.
            virtual void set_locked_clocks(int gpu_idx, unsigned int min_mhz,
                                           unsigned int max_mhz) const = 0;
            /// Let the SM clock range freely again; throws naming NVML's error.
            virtual void reset_locked_clocks(int gpu_idx) const = 0;
    };

    /// The process's pool: NVML from GEOPM_BRIDGE_NVML_LIBRARY, else
    /// libnvidia-ml.so.1, opened on the first call.
    const NVMLDevicePool &nvml_device_pool(void);
}

#endif
