#include "NVMLDevicePoolImp.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>

#include "geopm/Exception.hpp"

namespace geopm_bridge
{
    NVMLDevicePoolImp::NVMLDevicePoolImp(const std::string &library)
        : m_handle(dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL))
        , m_shutdown(nullptr)
        , m_get_cpu_affinity(nullptr)
        , m_get_power_usage(nullptr)
        , m_get_total_energy(nullptr)
        , m_get_power_limit(nullptr)
        , m_get_power_limit_range(nullptr)
        , m_set_power_limit(nullptr)
        , m_get_power_limit_default(nullptr)
        , m_get_pcie_throughput(nullptr)
        , m_get_processes_v3(nullptr)
        , m_get_processes_v1(nullptr)
        , m_get_clock(nullptr)
        , m_get_supported_sm(nullptr)
        , m_get_utilization(nullptr)
        , m_get_temperature(nullptr)
        , m_get_throttle(nullptr)
        , m_get_pstate(nullptr)
        , m_set_locked_clocks(nullptr)
        , m_reset_locked_clocks(nullptr)
    {
        if (m_handle == nullptr) {
            // No NVIDIA driver: a node without NVIDIA GPUs, not an error.
            return;
        }
        auto init = reinterpret_cast<nvml::return_t (*)(void)>(symbol("nvmlInit_v2"));
        auto get_count = reinterpret_cast<nvml::return_t (*)(unsigned int *)>(
            symbol("nvmlDeviceGetCount_v2"));
        auto get_handle = reinterpret_cast<nvml::return_t (*)(unsigned int, nvml::device_t *)>(
            symbol("nvmlDeviceGetHandleByIndex_v2"));
        if (init == nullptr || get_count == nullptr || get_handle == nullptr ||
            init() != nvml::SUCCESS) {
            dlclose(m_handle);
            m_handle = nullptr;
            return;
        }
        m_shutdown = reinterpret_cast<nvml::return_t (*)(void)>(symbol("nvmlShutdown"));
        unsigned int count = 0;
        if (get_count(&count) == nvml::SUCCESS) {
            for (unsigned int idx = 0; idx < count; ++idx) {
                nvml::device_t device = nullptr;
                if (get_handle(idx, &device) != nvml::SUCCESS) {
                    // GPU indices must stay NVML's: stop at the first gap.
                    break;
                }
                m_device.push_back(device);
            }
        }
        m_get_cpu_affinity = reinterpret_cast<decltype(m_get_cpu_affinity)>(
            symbol("nvmlDeviceGetCpuAffinity"));
        m_get_power_usage = reinterpret_cast<decltype(m_get_power_usage)>(
            symbol("nvmlDeviceGetPowerUsage"));
        m_get_total_energy = reinterpret_cast<decltype(m_get_total_energy)>(
            symbol("nvmlDeviceGetTotalEnergyConsumption"));
        m_get_power_limit = reinterpret_cast<decltype(m_get_power_limit)>(
            symbol("nvmlDeviceGetPowerManagementLimit"));
        m_get_power_limit_range = reinterpret_cast<decltype(m_get_power_limit_range)>(
            symbol("nvmlDeviceGetPowerManagementLimitConstraints"));
        m_set_power_limit = reinterpret_cast<decltype(m_set_power_limit)>(
            symbol("nvmlDeviceSetPowerManagementLimit"));
        m_get_power_limit_default = reinterpret_cast<decltype(m_get_power_limit_default)>(
            symbol("nvmlDeviceGetPowerManagementDefaultLimit"));
        m_get_pcie_throughput = reinterpret_cast<decltype(m_get_pcie_throughput)>(
            symbol("nvmlDeviceGetPcieThroughput"));
        // The unversioned call is the oldest form, kept by newer drivers;
        // _v3 only where the driver has it (its entries are larger).
        m_get_processes_v3 = reinterpret_cast<decltype(m_get_processes_v3)>(
            symbol("nvmlDeviceGetComputeRunningProcesses_v3"));
        m_get_processes_v1 = reinterpret_cast<decltype(m_get_processes_v1)>(
            symbol("nvmlDeviceGetComputeRunningProcesses"));
        m_get_clock = reinterpret_cast<decltype(m_get_clock)>(symbol("nvmlDeviceGetClockInfo"));
        m_get_supported_sm = reinterpret_cast<decltype(m_get_supported_sm)>(
            symbol("nvmlDeviceGetSupportedGraphicsClocks"));
        m_get_utilization = reinterpret_cast<decltype(m_get_utilization)>(
            symbol("nvmlDeviceGetUtilizationRates"));
        m_get_temperature = reinterpret_cast<decltype(m_get_temperature)>(
            symbol("nvmlDeviceGetTemperature"));
        m_get_throttle = reinterpret_cast<decltype(m_get_throttle)>(
            symbol("nvmlDeviceGetCurrentClocksThrottleReasons"));
        m_get_pstate = reinterpret_cast<decltype(m_get_pstate)>(
            symbol("nvmlDeviceGetPerformanceState"));
        m_set_locked_clocks = reinterpret_cast<decltype(m_set_locked_clocks)>(
            symbol("nvmlDeviceSetGpuLockedClocks"));
        m_reset_locked_clocks = reinterpret_cast<decltype(m_reset_locked_clocks)>(
            symbol("nvmlDeviceResetGpuLockedClocks"));
    }

    NVMLDevicePoolImp::~NVMLDevicePoolImp()
    {
        if (m_handle != nullptr) {
            if (m_shutdown != nullptr) {
                m_shutdown();
            }
            dlclose(m_handle);
        }
    }

    void *NVMLDevicePoolImp::symbol(const char *name) const
    {
        return dlsym(m_handle, name);
    }

    bool NVMLDevicePoolImp::has_call(const std::string &name) const
    {
        return m_handle != nullptr && symbol(name.c_str()) != nullptr;
    }

    int NVMLDevicePoolImp::num_gpu(void) const
    {
        return static_cast<int>(m_device.size());
    }

    std::set<int> NVMLDevicePoolImp::cpu_affinity(int gpu_idx, int num_cpu) const
    {
        std::set<int> result;
        if (m_get_cpu_affinity == nullptr || num_cpu <= 0) {
            return result;
        }
        const int bits = static_cast<int>(sizeof(unsigned long) * CHAR_BIT);
        const unsigned int words = static_cast<unsigned int>((num_cpu + bits - 1) / bits);
        std::unique_ptr<unsigned long[]> mask(new unsigned long[words]());
        if (m_get_cpu_affinity(m_device.at(gpu_idx), words, mask.get()) != nvml::SUCCESS) {
            return result;
        }
        for (unsigned int word = 0; word < words; ++word) {
            for (int bit = 0; bit < bits; ++bit) {
                if (((mask[word] >> bit) & 1UL) && static_cast<int>(word) * bits + bit < num_cpu) {
                    result.insert(static_cast<int>(word) * bits + bit);
                }
            }
        }
        return result;
    }

    double NVMLDevicePoolImp::power_usage(int gpu_idx) const
    {
        unsigned int value = 0;
        if (m_get_power_usage == nullptr ||
            m_get_power_usage(m_device.at(gpu_idx), &value) != nvml::SUCCESS) {
            return NAN;
        }
        return value;
    }

    double NVMLDevicePoolImp::total_energy(int gpu_idx) const
    {
        unsigned long long value = 0;
        if (m_get_total_energy == nullptr ||
            m_get_total_energy(m_device.at(gpu_idx), &value) != nvml::SUCCESS) {
            return NAN;
        }
        return static_cast<double>(value);
    }

    double NVMLDevicePoolImp::power_limit(int gpu_idx) const
    {
        unsigned int value = 0;
        if (m_get_power_limit == nullptr ||
            m_get_power_limit(m_device.at(gpu_idx), &value) != nvml::SUCCESS) {
            return NAN;
        }
        return value;
    }

    double NVMLDevicePoolImp::power_limit_min(int gpu_idx) const
    {
        unsigned int low = 0;
        unsigned int high = 0;
        if (m_get_power_limit_range == nullptr ||
            m_get_power_limit_range(m_device.at(gpu_idx), &low, &high) != nvml::SUCCESS) {
            return NAN;
        }
        return low;
    }

    double NVMLDevicePoolImp::power_limit_max(int gpu_idx) const
    {
        unsigned int low = 0;
        unsigned int high = 0;
        if (m_get_power_limit_range == nullptr ||
            m_get_power_limit_range(m_device.at(gpu_idx), &low, &high) != nvml::SUCCESS) {
            return NAN;
        }
        return high;
    }

    double NVMLDevicePoolImp::power_limit_default(int gpu_idx) const
    {
        unsigned int value = 0;
        if (m_get_power_limit_default == nullptr ||
            m_get_power_limit_default(m_device.at(gpu_idx), &value) != nvml::SUCCESS) {
            return NAN;
        }
        return value;
    }

    double NVMLDevicePoolImp::frequency_sm(int gpu_idx) const
    {
        unsigned int mhz = 0;
        if (m_get_clock == nullptr ||
            m_get_clock(m_device.at(gpu_idx), nvml::CLOCK_SM, &mhz) != nvml::SUCCESS) {
            return NAN;
        }
        return mhz;
    }

    double NVMLDevicePoolImp::frequency_mem(int gpu_idx) const
    {
        unsigned int mhz = 0;
        if (m_get_clock == nullptr ||
            m_get_clock(m_device.at(gpu_idx), nvml::CLOCK_MEM, &mhz) != nvml::SUCCESS) {
            return NAN;
        }
        return mhz;
    }

    std::vector<unsigned int> NVMLDevicePoolImp::frequency_supported_sm(int gpu_idx) const
    {
        std::vector<unsigned int> result;
        const double mem_mhz = frequency_mem(gpu_idx);
        if (m_get_supported_sm == nullptr || std::isnan(mem_mhz)) {
            return result;
        }
        // Ask for the count first, as NVML answers INSUFFICIENT_SIZE with it.
        unsigned int count = 0;
        nvml::return_t err = m_get_supported_sm(m_device.at(gpu_idx), static_cast<unsigned int>(mem_mhz), &count, nullptr);
        if (err != nvml::SUCCESS && err != nvml::ERROR_INSUFFICIENT_SIZE) {
            return result;
        }
        result.resize(count);
        if (count != 0 &&
            m_get_supported_sm(m_device.at(gpu_idx), static_cast<unsigned int>(mem_mhz), &count, result.data()) != nvml::SUCCESS) {
            result.clear();
        }
        result.resize(std::min<size_t>(count, result.size()));
        std::sort(result.begin(), result.end());
        return result;
    }

    double NVMLDevicePoolImp::utilization(int gpu_idx) const
    {
        nvml::utilization_s rates {0, 0};
        if (m_get_utilization == nullptr ||
            m_get_utilization(m_device.at(gpu_idx), &rates) != nvml::SUCCESS) {
            return NAN;
        }
        return rates.gpu;
    }

    double NVMLDevicePoolImp::utilization_mem(int gpu_idx) const
    {
        nvml::utilization_s rates {0, 0};
        if (m_get_utilization == nullptr ||
            m_get_utilization(m_device.at(gpu_idx), &rates) != nvml::SUCCESS) {
            return NAN;
        }
        return rates.memory;
    }

    double NVMLDevicePoolImp::pcie_throughput(int gpu_idx, int counter) const
    {
        unsigned int kib_per_s = 0;
        if (m_get_pcie_throughput == nullptr ||
            m_get_pcie_throughput(m_device.at(gpu_idx), counter, &kib_per_s) != nvml::SUCCESS) {
            return NAN;
        }
        return kib_per_s;
    }

    double NVMLDevicePoolImp::pcie_rx_throughput(int gpu_idx) const
    {
        return pcie_throughput(gpu_idx, nvml::PCIE_UTIL_RX_BYTES);
    }

    double NVMLDevicePoolImp::pcie_tx_throughput(int gpu_idx) const
    {
        return pcie_throughput(gpu_idx, nvml::PCIE_UTIL_TX_BYTES);
    }

    template <typename Info>
    std::vector<int> NVMLDevicePoolImp::process_pids(
        nvml::return_t (*call)(nvml::device_t, unsigned int *, Info *), int gpu_idx) const
    {
        std::vector<int> result;
        std::vector<Info> info;
        // Processes may start between the count and the list: a few tries,
        // each with room to spare.
        for (int attempt = 0; attempt < 3; ++attempt) {
            unsigned int count = static_cast<unsigned int>(info.size());
            nvml::return_t err = call(m_device.at(gpu_idx), &count,
                                      info.empty() ? nullptr : info.data());
            if (err == nvml::SUCCESS) {
                for (unsigned int idx = 0; idx < count && idx < info.size(); ++idx) {
                    result.push_back(static_cast<int>(info[idx].pid));
                }
                break;
            }
            if (err != nvml::ERROR_INSUFFICIENT_SIZE) {
                break;
            }
            info.resize(count + 8);
        }
        return result;
    }

    std::vector<int> NVMLDevicePoolImp::compute_processes(int gpu_idx) const
    {
        if (m_get_processes_v3 != nullptr) {
            return process_pids(m_get_processes_v3, gpu_idx);
        }
        if (m_get_processes_v1 != nullptr) {
            return process_pids(m_get_processes_v1, gpu_idx);
        }
        return {};
    }

    double NVMLDevicePoolImp::temperature(int gpu_idx) const
    {
        unsigned int celsius = 0;
        if (m_get_temperature == nullptr ||
            m_get_temperature(m_device.at(gpu_idx), nvml::TEMPERATURE_GPU, &celsius) != nvml::SUCCESS) {
            return NAN;
        }
        return celsius;
    }

    double NVMLDevicePoolImp::throttle_reasons(int gpu_idx) const
    {
        unsigned long long mask = 0;
        if (m_get_throttle == nullptr ||
            m_get_throttle(m_device.at(gpu_idx), &mask) != nvml::SUCCESS) {
            return NAN;
        }
        return static_cast<double>(mask);
    }

    double NVMLDevicePoolImp::performance_state(int gpu_idx) const
    {
        int state = 0;
        if (m_get_pstate == nullptr ||
            m_get_pstate(m_device.at(gpu_idx), &state) != nvml::SUCCESS) {
            return NAN;
        }
        return state;
    }

    void NVMLDevicePoolImp::check_set(const char *call, bool is_found, nvml::return_t err,
                                      int gpu_idx) const
    {
        if (!is_found) {
            throw geopm::Exception(std::string("NVML: this driver has no ") + call + "()",
                                   GEOPM_ERROR_PLATFORM_UNSUPPORTED, __FILE__, __LINE__);
        }
        if (err != nvml::SUCCESS) {
            throw geopm::Exception(std::string("NVML: ") + call + "() failed for GPU " +
                                   std::to_string(gpu_idx) + " with NVML error " +
                                   std::to_string(err), GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
    }

    void NVMLDevicePoolImp::set_power_limit(int gpu_idx, unsigned int milliwatts) const
    {
        check_set("nvmlDeviceSetPowerManagementLimit", m_set_power_limit != nullptr,
                  m_set_power_limit ? m_set_power_limit(m_device.at(gpu_idx), milliwatts) : 0,
                  gpu_idx);
    }

    void NVMLDevicePoolImp::set_locked_clocks(int gpu_idx, unsigned int min_mhz,
                                              unsigned int max_mhz) const
    {
        check_set("nvmlDeviceSetGpuLockedClocks", m_set_locked_clocks != nullptr,
                  m_set_locked_clocks ?
                      m_set_locked_clocks(m_device.at(gpu_idx), min_mhz, max_mhz) : 0,
                  gpu_idx);
    }

    void NVMLDevicePoolImp::reset_locked_clocks(int gpu_idx) const
    {
        check_set("nvmlDeviceResetGpuLockedClocks", m_reset_locked_clocks != nullptr,
                  m_reset_locked_clocks ? m_reset_locked_clocks(m_device.at(gpu_idx)) : 0,
                  gpu_idx);
    }

    const NVMLDevicePool &nvml_device_pool(void)
    {
        // One NVML session per process, as NVML expects; never destroyed so
        // that no exit-time order can call into an unloaded library.
        static const NVMLDevicePool *instance = [] {
            const char *path = getenv("GEOPM_BRIDGE_NVML_LIBRARY");
            return new NVMLDevicePoolImp(path != nullptr && *path != '\0' ?
                                         path : "libnvidia-ml.so.1");
        }();
        return *instance;
    }
}
