/*
 * NVML: NVIDIA GPU signals and controls through NVMLDevicePool, under
 * GEOPM 3.1's names.
 */
#ifndef GEOPM_BRIDGE_NVMLIOGROUP_HPP_INCLUDE
#define GEOPM_BRIDGE_NVMLIOGROUP_HPP_INCLUDE

#include <memory>
#include <string>
#include <vector>

#include "BasicIOGroup.hpp"

namespace geopm_bridge
{
    class NVMLDevicePool;

    /// GPU-domain quantities, NVML's units turned into SI:
    ///
    ///   NVML::GPU_POWER                     GPU_POWER (W, from mW)
    ///   NVML::GPU_ENERGY_CONSUMPTION_TOTAL  GPU_ENERGY (J since the driver
    ///                                       loaded, from mJ)
    ///   NVML::GPU_POWER_LIMIT_CONTROL       GPU_POWER_LIMIT_CONTROL (W;
    ///                                       control; a setting outside the
    ///                                       GPU's range is refused naming it)
    ///   NVML::GPU_CORE_FREQUENCY_STATUS     GPU_CORE_FREQUENCY_STATUS (Hz, SM clock)
    ///   NVML::GPU_UNCORE_FREQUENCY_STATUS   (Hz, memory clock)
    ///   NVML::GPU_CORE_FREQUENCY_MIN_AVAIL, _MAX_AVAIL, _STEP   same aliases
    ///                                       (Hz, from the supported SM clocks)
    ///   NVML::GPU_UTILIZATION               GPU_UTILIZATION (0 to 1, from %)
    ///   NVML::GPU_TEMPERATURE               GPU_TEMPERATURE (Celsius)
    ///   NVML::GPU_CORE_THROTTLE_REASONS     (NVML's bit mask)
    ///   NVML::GPU_PERFORMANCE_STATE         (0 to 15, 32 unknown)
    ///   NVML::GPU_CORE_FREQUENCY_MIN_CONTROL, _MAX_CONTROL   same aliases
    ///                                       (Hz; controls; both ends set at
    ///                                       once, reading the last request)
    ///   NVML::GPU_CORE_FREQUENCY_RESET_CONTROL  (control; frees the range)
    ///   NVML::GPU_UNCORE_UTILIZATION        (0 to 1, memory busy, from %)
    ///   NVML::GPU_PCIE_RX_THROUGHPUT, _TX_THROUGHPUT  (bytes/s, from KiB/s)
    ///   NVML::GPU_CPU_ACTIVE_AFFINITIZATION (cpu domain: the GPU that the
    ///                                       processes allowed on the CPU
    ///                                       use; -1 none, NaN several)
    ///
    /// Beyond GEOPM 3.1, as the node model's simulated GPUs (W, constant):
    ///
    ///   NVML::GPU_POWER_LIMIT_MIN_AVAIL, _MAX_AVAIL, NVML::GPU_POWER_LIMIT_DEFAULT
    ///                                       same aliases
    ///
    /// Saved and restored as every control: the clock range is restored
    /// to the supported range, then reset (the reset sorts last).
    ///
    /// An NVML error at read time is NaN, and so is a signal whose call the
    /// driver lacks (a missing setter instead removes its control). Throws
    /// GEOPM_ERROR_PLATFORM_UNSUPPORTED when NVML has no GPUs (or other
    /// GPUs than the topology's).
    class NVMLIOGroup : public BasicIOGroup
    {
        public:
            NVMLIOGroup();
            NVMLIOGroup(const NVMLDevicePool &pool);
            virtual ~NVMLIOGroup() = default;
            static std::string plugin_name(void);
            static std::unique_ptr<geopm::IOGroup> make_plugin(void);
        protected:
            void refresh(void) override;
            double read_value(int id, int domain_idx) override;
            void write_value(int id, int domain_idx, double setting) override;
        private:
            // NVML::GPU_CPU_ACTIVE_AFFINITIZATION of CPU cpu_idx.
            double cpu_active_gpu(int cpu_idx);
            const NVMLDevicePool &m_pool;
            // Per CPU, NVML::GPU_CPU_ACTIVE_AFFINITIZATION, taken at most
            // once per refresh().
            std::vector<double> m_cpu_active_gpu;
            bool m_is_process_gpu_stale = true;
            // Per GPU, its supported SM clocks in Hz, ascending.
            std::vector<std::vector<double> > m_supported_sm_hz;
            // Per GPU, the last SM clock range requested, Hz.
            std::vector<double> m_sm_min_request;
            std::vector<double> m_sm_max_request;
    };
}

#endif
