#include "NVMLIOGroup.hpp"

#include <cmath>
#include <map>

#include "geopm/Agg.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_sched.h"
#include "geopm_topo.h"

#include "platform/NVMLDevicePool.hpp"

namespace geopm_bridge
{
    namespace
    {
        enum nvml_id_e {
            M_GPU_POWER,
            M_GPU_ENERGY,
            M_GPU_POWER_LIMIT,
            M_GPU_CORE_FREQUENCY_STATUS,
            M_GPU_UNCORE_FREQUENCY_STATUS,
            M_GPU_CORE_FREQUENCY_MIN_AVAIL,
            M_GPU_CORE_FREQUENCY_MAX_AVAIL,
            M_GPU_CORE_FREQUENCY_STEP,
            M_GPU_UTILIZATION,
            M_GPU_TEMPERATURE,
            M_GPU_CORE_THROTTLE_REASONS,
            M_GPU_PERFORMANCE_STATE,
            M_GPU_CORE_FREQUENCY_MIN_CONTROL,
            M_GPU_CORE_FREQUENCY_MAX_CONTROL,
            M_GPU_CORE_FREQUENCY_RESET_CONTROL,
            M_GPU_UNCORE_UTILIZATION,
            M_GPU_PCIE_RX_THROUGHPUT,
            M_GPU_PCIE_TX_THROUGHPUT,
            M_GPU_POWER_LIMIT_MIN_AVAIL,
            M_GPU_POWER_LIMIT_MAX_AVAIL,
            M_GPU_POWER_LIMIT_DEFAULT,
            M_GPU_CPU_ACTIVE_AFFINITIZATION,
        };
    }

    NVMLIOGroup::NVMLIOGroup()
        : NVMLIOGroup(nvml_device_pool())
    {
    }

    NVMLIOGroup::NVMLIOGroup(const NVMLDevicePool &pool)
        : BasicIOGroup(plugin_name())
        , m_pool(pool)
    {
        const int num_gpu = m_pool.num_gpu();
        if (num_gpu == 0 || num_gpu != m_topo.num_domain(GEOPM_DOMAIN_GPU)) {
            // No NVIDIA driver, or GPUs the topology does not take from NVML.
            throw geopm::Exception("NVML IOGroup: no NVML GPUs on this node",
                                   GEOPM_ERROR_PLATFORM_UNSUPPORTED, __FILE__, __LINE__);
        }
        const std::string prefix = plugin_name() + "::";
        add_signal(prefix + "GPU_POWER",
                   {M_GPU_POWER, GEOPM_DOMAIN_GPU, M_UNITS_WATTS, geopm::Agg::sum,
                    M_SIGNAL_BEHAVIOR_VARIABLE, "GPU power usage (nvmlDeviceGetPowerUsage)"});
        add_alias("GPU_POWER", prefix + "GPU_POWER");
        add_signal(prefix + "GPU_ENERGY_CONSUMPTION_TOTAL",
                   {M_GPU_ENERGY, GEOPM_DOMAIN_GPU, M_UNITS_JOULES, geopm::Agg::sum,
                    M_SIGNAL_BEHAVIOR_MONOTONE,
                    "GPU energy used since the driver was loaded "
                    "(nvmlDeviceGetTotalEnergyConsumption)"});
        add_alias("GPU_ENERGY", prefix + "GPU_ENERGY_CONSUMPTION_TOTAL");
        // A driver without the setter (an old one): a signal only.
        auto add_settable = m_pool.has_call("nvmlDeviceSetPowerManagementLimit") ?
                            &NVMLIOGroup::add_control : &NVMLIOGroup::add_signal;
        (this->*add_settable)(prefix + "GPU_POWER_LIMIT_CONTROL",
                              {M_GPU_POWER_LIMIT, GEOPM_DOMAIN_GPU, M_UNITS_WATTS,
                               geopm::Agg::sum, M_SIGNAL_BEHAVIOR_VARIABLE,
                               "GPU power limit; a setting outside the GPU's range is "
                               "refused (nvmlDeviceSetPowerManagementLimit)"});
        add_alias("GPU_POWER_LIMIT_CONTROL", prefix + "GPU_POWER_LIMIT_CONTROL");

        struct {
            int id;
            const char *name;
            const char *alias;  // nullptr: the NVML:: name only, as GEOPM
            m_units_e units;
            std::function<double(const std::vector<double> &)> agg;
            m_signal_behavior_e behavior;
            const char *description;
        } signals[] = {
            {M_GPU_CORE_FREQUENCY_STATUS, "GPU_CORE_FREQUENCY_STATUS", "GPU_CORE_FREQUENCY_STATUS",
             M_UNITS_HERTZ, geopm::Agg::average, M_SIGNAL_BEHAVIOR_VARIABLE,
             "Streaming Multiprocessor clock (nvmlDeviceGetClockInfo)"},
            {M_GPU_UNCORE_FREQUENCY_STATUS, "GPU_UNCORE_FREQUENCY_STATUS", nullptr,
             M_UNITS_HERTZ, geopm::Agg::average, M_SIGNAL_BEHAVIOR_VARIABLE,
             "GPU memory clock (nvmlDeviceGetClockInfo)"},
            {M_GPU_CORE_FREQUENCY_MIN_AVAIL, "GPU_CORE_FREQUENCY_MIN_AVAIL",
             "GPU_CORE_FREQUENCY_MIN_AVAIL", M_UNITS_HERTZ, geopm::Agg::expect_same,
             M_SIGNAL_BEHAVIOR_CONSTANT,
             "Lowest supported Streaming Multiprocessor clock (nvmlDeviceGetSupportedGraphicsClocks)"},
            {M_GPU_CORE_FREQUENCY_MAX_AVAIL, "GPU_CORE_FREQUENCY_MAX_AVAIL",
             "GPU_CORE_FREQUENCY_MAX_AVAIL", M_UNITS_HERTZ, geopm::Agg::expect_same,
             M_SIGNAL_BEHAVIOR_CONSTANT,
             "Highest supported Streaming Multiprocessor clock (nvmlDeviceGetSupportedGraphicsClocks)"},
            {M_GPU_CORE_FREQUENCY_STEP, "GPU_CORE_FREQUENCY_STEP", "GPU_CORE_FREQUENCY_STEP",
             M_UNITS_HERTZ, geopm::Agg::expect_same, M_SIGNAL_BEHAVIOR_CONSTANT,
             "Mean step between supported Streaming Multiprocessor clocks"},
            {M_GPU_UTILIZATION, "GPU_UTILIZATION", "GPU_UTILIZATION", M_UNITS_NONE,
             geopm::Agg::average, M_SIGNAL_BEHAVIOR_VARIABLE,
             "Fraction of the driver's last sample period a kernel ran "
             "(nvmlDeviceGetUtilizationRates)"},
            {M_GPU_TEMPERATURE, "GPU_TEMPERATURE", "GPU_TEMPERATURE", M_UNITS_CELSIUS,
             geopm::Agg::average, M_SIGNAL_BEHAVIOR_VARIABLE,
             "GPU temperature (nvmlDeviceGetTemperature)"},
            {M_GPU_CORE_THROTTLE_REASONS, "GPU_CORE_THROTTLE_REASONS", nullptr, M_UNITS_NONE,
             geopm::Agg::integer_bitwise_or, M_SIGNAL_BEHAVIOR_VARIABLE,
             "Bit mask of the reasons the GPU clocks are held down "
             "(nvmlDeviceGetCurrentClocksThrottleReasons)"},
            {M_GPU_PERFORMANCE_STATE, "GPU_PERFORMANCE_STATE", nullptr, M_UNITS_NONE,
             geopm::Agg::expect_same, M_SIGNAL_BEHAVIOR_VARIABLE,
             "NVML performance state: 0 fastest to 15 slowest, 32 unknown "
             "(nvmlDeviceGetPerformanceState)"},
            {M_GPU_UNCORE_UTILIZATION, "GPU_UNCORE_UTILIZATION", nullptr, M_UNITS_NONE,
             geopm::Agg::average, M_SIGNAL_BEHAVIOR_VARIABLE,
             "Fraction of the driver's last sample period the GPU memory was read or "
             "written (nvmlDeviceGetUtilizationRates)"},
            {M_GPU_PCIE_RX_THROUGHPUT, "GPU_PCIE_RX_THROUGHPUT", nullptr, M_UNITS_NONE,
             geopm::Agg::sum, M_SIGNAL_BEHAVIOR_VARIABLE,
             "PCIe bytes per second received by the GPU over the last 20 ms "
             "(nvmlDeviceGetPcieThroughput)"},
            {M_GPU_PCIE_TX_THROUGHPUT, "GPU_PCIE_TX_THROUGHPUT", nullptr, M_UNITS_NONE,
             geopm::Agg::sum, M_SIGNAL_BEHAVIOR_VARIABLE,
             "PCIe bytes per second sent by the GPU over the last 20 ms "
             "(nvmlDeviceGetPcieThroughput)"},
            // Beyond GEOPM 3.1, under the names the node model's simulated
            // GPUs also use: an agent keeps a power limit in range on both.
            {M_GPU_POWER_LIMIT_MIN_AVAIL, "GPU_POWER_LIMIT_MIN_AVAIL",
             "GPU_POWER_LIMIT_MIN_AVAIL", M_UNITS_WATTS, geopm::Agg::sum,
             M_SIGNAL_BEHAVIOR_CONSTANT,
             "Lowest power limit the GPU takes (nvmlDeviceGetPowerManagementLimitConstraints)"},
            {M_GPU_POWER_LIMIT_MAX_AVAIL, "GPU_POWER_LIMIT_MAX_AVAIL",
             "GPU_POWER_LIMIT_MAX_AVAIL", M_UNITS_WATTS, geopm::Agg::sum,
             M_SIGNAL_BEHAVIOR_CONSTANT,
             "Highest power limit the GPU takes (nvmlDeviceGetPowerManagementLimitConstraints)"},
            {M_GPU_POWER_LIMIT_DEFAULT, "GPU_POWER_LIMIT_DEFAULT", "GPU_POWER_LIMIT_DEFAULT",
             M_UNITS_WATTS, geopm::Agg::sum, M_SIGNAL_BEHAVIOR_CONSTANT,
             "Power limit the GPU boots with (nvmlDeviceGetPowerManagementDefaultLimit)"},
        };
        for (const auto &sig : signals) {
            add_signal(prefix + sig.name, {sig.id, GEOPM_DOMAIN_GPU, sig.units, sig.agg,
                                           sig.behavior, sig.description});
            if (sig.alias != nullptr) {
                add_alias(sig.alias, prefix + sig.name);
            }
        }
        add_signal(prefix + "GPU_CPU_ACTIVE_AFFINITIZATION",
                   {M_GPU_CPU_ACTIVE_AFFINITIZATION, GEOPM_DOMAIN_CPU, M_UNITS_NONE,
                    geopm::Agg::expect_same, M_SIGNAL_BEHAVIOR_VARIABLE,
                    "The GPU that the processes allowed on this CPU run compute work on "
                    "(nvmlDeviceGetComputeRunningProcesses): -1 when none, NaN when "
                    "a process uses several GPUs"});
        // The supported clocks do not change while the driver runs.
        for (int gpu = 0; gpu < num_gpu; ++gpu) {
            m_supported_sm_hz.push_back({});
            for (unsigned int mhz : m_pool.frequency_supported_sm(gpu)) {
                m_supported_sm_hz.back().push_back(mhz * 1e6);
            }
            // NVML cannot read the locked range back: the controls read the
            // last request, at first the whole supported range (as GEOPM).
            const auto &hz = m_supported_sm_hz.back();
            m_sm_min_request.push_back(hz.empty() ? NAN : hz.front());
            m_sm_max_request.push_back(hz.empty() ? NAN : hz.back());
        }
        struct {
            int id;
            const char *name;
            const char *description;
        } controls[] = {
            {M_GPU_CORE_FREQUENCY_MIN_CONTROL, "GPU_CORE_FREQUENCY_MIN_CONTROL",
             "Lowest Streaming Multiprocessor clock allowed; reads the last request "
             "(nvmlDeviceSetGpuLockedClocks)"},
            {M_GPU_CORE_FREQUENCY_MAX_CONTROL, "GPU_CORE_FREQUENCY_MAX_CONTROL",
             "Highest Streaming Multiprocessor clock allowed; reads the last request "
             "(nvmlDeviceSetGpuLockedClocks)"},
            {M_GPU_CORE_FREQUENCY_RESET_CONTROL, "GPU_CORE_FREQUENCY_RESET_CONTROL",
             "Any setting frees the Streaming Multiprocessor clock range "
             "(nvmlDeviceResetGpuLockedClocks); reads 0"},
        };
        const bool can_lock = m_pool.has_call("nvmlDeviceSetGpuLockedClocks") &&
                              m_pool.has_call("nvmlDeviceResetGpuLockedClocks");
        for (const auto &ctl : controls) {
            if (!can_lock) {
                // An old driver: no clock controls at all.
                break;
            }
            add_control(prefix + ctl.name, {ctl.id, GEOPM_DOMAIN_GPU, M_UNITS_HERTZ,
                                            geopm::Agg::expect_same, M_SIGNAL_BEHAVIOR_VARIABLE,
                                            ctl.description});
            // As GEOPM: no alias for the reset.
            if (ctl.id != M_GPU_CORE_FREQUENCY_RESET_CONTROL) {
                add_alias(ctl.name, prefix + ctl.name);
            }
        }
    }

    std::string NVMLIOGroup::plugin_name(void)
    {
        return "NVML";
    }

    std::unique_ptr<geopm::IOGroup> NVMLIOGroup::make_plugin(void)
    {
        return std::make_unique<NVMLIOGroup>();
    }

    void NVMLIOGroup::refresh(void)
    {
        // Processes come and go: asked of NVML again at most once per batch.
        m_is_process_gpu_stale = true;
    }

    double NVMLIOGroup::cpu_active_gpu(int cpu_idx)
    {
        if (m_is_process_gpu_stale) {
            // The process list costs NVML about a millisecond per GPU, and
            // each process's CPUs a file read: once for every CPU of a batch.
            std::map<int, double> process_gpu;
            for (int gpu = 0; gpu < m_pool.num_gpu(); ++gpu) {
                for (int pid : m_pool.compute_processes(gpu)) {
                    auto it = process_gpu.emplace(pid, gpu).first;
                    if (it->second != gpu) {
                        // On several GPUs: no one answer.
                        it->second = NAN;
                    }
                }
            }
            // As GEOPM: a CPU takes the GPU of the lowest pid allowed on it.
            const int num_cpu = m_topo.num_domain(GEOPM_DOMAIN_CPU);
            const size_t set_size = CPU_ALLOC_SIZE(num_cpu);
            auto cpuset = geopm::make_cpu_set(num_cpu, {});
            // -1 until a process takes the CPU (a GPU index or NaN).
            m_cpu_active_gpu.assign(num_cpu, -1.0);
            for (const auto &process : process_gpu) {
                // A process that has ended since NVML listed it is passed over.
                if (geopm_sched_proc_cpuset_pid(process.first, num_cpu, cpuset.get()) != 0) {
                    continue;
                }
                for (int cpu = 0; cpu < num_cpu; ++cpu) {
                    if (m_cpu_active_gpu[cpu] == -1.0 && CPU_ISSET_S(cpu, set_size, cpuset.get())) {
                        m_cpu_active_gpu[cpu] = process.second;
                    }
                }
            }
            m_is_process_gpu_stale = false;
        }
        return m_cpu_active_gpu.at(cpu_idx);
    }

    double NVMLIOGroup::read_value(int id, int domain_idx)
    {
        // The pool answers NaN for an NVML error; NaN * 1e-3 stays NaN.
        switch (id) {
            case M_GPU_POWER: return m_pool.power_usage(domain_idx) * 1e-3;
            case M_GPU_ENERGY: return m_pool.total_energy(domain_idx) * 1e-3;
            case M_GPU_POWER_LIMIT: return m_pool.power_limit(domain_idx) * 1e-3;
            case M_GPU_CORE_FREQUENCY_STATUS: return m_pool.frequency_sm(domain_idx) * 1e6;
            case M_GPU_UNCORE_FREQUENCY_STATUS: return m_pool.frequency_mem(domain_idx) * 1e6;
            case M_GPU_UTILIZATION: return m_pool.utilization(domain_idx) * 1e-2;
            case M_GPU_UNCORE_UTILIZATION: return m_pool.utilization_mem(domain_idx) * 1e-2;
            // NVML counts KiB, as GEOPM: 1024 bytes.
            case M_GPU_PCIE_RX_THROUGHPUT: return m_pool.pcie_rx_throughput(domain_idx) * 1024;
            case M_GPU_PCIE_TX_THROUGHPUT: return m_pool.pcie_tx_throughput(domain_idx) * 1024;
            case M_GPU_POWER_LIMIT_MIN_AVAIL: return m_pool.power_limit_min(domain_idx) * 1e-3;
            case M_GPU_POWER_LIMIT_MAX_AVAIL: return m_pool.power_limit_max(domain_idx) * 1e-3;
            case M_GPU_POWER_LIMIT_DEFAULT: return m_pool.power_limit_default(domain_idx) * 1e-3;
            case M_GPU_CPU_ACTIVE_AFFINITIZATION: return cpu_active_gpu(domain_idx);
            case M_GPU_TEMPERATURE: return m_pool.temperature(domain_idx);
            case M_GPU_CORE_THROTTLE_REASONS: return m_pool.throttle_reasons(domain_idx);
            case M_GPU_PERFORMANCE_STATE: return m_pool.performance_state(domain_idx);
            case M_GPU_CORE_FREQUENCY_MIN_CONTROL: return m_sm_min_request.at(domain_idx);
            case M_GPU_CORE_FREQUENCY_MAX_CONTROL: return m_sm_max_request.at(domain_idx);
            case M_GPU_CORE_FREQUENCY_RESET_CONTROL: return 0.0;
            case M_GPU_CORE_FREQUENCY_MIN_AVAIL:
            case M_GPU_CORE_FREQUENCY_MAX_AVAIL:
            case M_GPU_CORE_FREQUENCY_STEP: {
                const std::vector<double> &hz = m_supported_sm_hz.at(domain_idx);
                if (hz.empty() || (id == M_GPU_CORE_FREQUENCY_STEP && hz.size() < 2)) {
                    return NAN;
                }
                return id == M_GPU_CORE_FREQUENCY_MIN_AVAIL ? hz.front() :
                       id == M_GPU_CORE_FREQUENCY_MAX_AVAIL ? hz.back() :
                       (hz.back() - hz.front()) / (hz.size() - 1);
            }
            default: return NAN;
        }
    }

    void NVMLIOGroup::write_value(int id, int domain_idx, double setting)
    {
        if (id == M_GPU_CORE_FREQUENCY_RESET_CONTROL) {
            m_pool.reset_locked_clocks(domain_idx);
            m_sm_min_request.at(domain_idx) = m_supported_sm_hz.at(domain_idx).empty() ?
                NAN : m_supported_sm_hz.at(domain_idx).front();
            m_sm_max_request.at(domain_idx) = m_supported_sm_hz.at(domain_idx).empty() ?
                NAN : m_supported_sm_hz.at(domain_idx).back();
            return;
        }
        if (id == M_GPU_CORE_FREQUENCY_MIN_CONTROL || id == M_GPU_CORE_FREQUENCY_MAX_CONTROL) {
            // NVML sets both ends at once: the other end is its last request.
            double min_hz = id == M_GPU_CORE_FREQUENCY_MIN_CONTROL ?
                            setting : m_sm_min_request.at(domain_idx);
            double max_hz = id == M_GPU_CORE_FREQUENCY_MAX_CONTROL ?
                            setting : m_sm_max_request.at(domain_idx);
            if (!std::isfinite(min_hz) || !std::isfinite(max_hz) || min_hz < 0 ||
                max_hz < 0 || min_hz > max_hz) {
                throw geopm::Exception("NVML::GPU_CORE_FREQUENCY_" +
                                       std::string(id == M_GPU_CORE_FREQUENCY_MIN_CONTROL ?
                                                   "MIN" : "MAX") + "_CONTROL: the range " +
                                       geopm::string_format_double(min_hz) + " Hz to " +
                                       geopm::string_format_double(max_hz) + " Hz for GPU " +
                                       std::to_string(domain_idx) + " is not a range of clocks",
                                       GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            const std::vector<double> &supported = m_supported_sm_hz.at(domain_idx);
            if (!supported.empty() && min_hz <= supported.front() && max_hz >= supported.back()) {
                // The whole range is no lock at all: leave the driver unlocked
                // (how restore_control() frees the clocks it locked).
                m_pool.reset_locked_clocks(domain_idx);
            }
            else {
                m_pool.set_locked_clocks(domain_idx,
                                         static_cast<unsigned int>(std::lround(min_hz * 1e-6)),
                                         static_cast<unsigned int>(std::lround(max_hz * 1e-6)));
            }
            m_sm_min_request.at(domain_idx) = min_hz;
            m_sm_max_request.at(domain_idx) = max_hz;
            return;
        }
        if (id != M_GPU_POWER_LIMIT) {
            BasicIOGroup::write_value(id, domain_idx, setting);
            return;
        }
        const double min_watts = m_pool.power_limit_min(domain_idx) * 1e-3;
        const double max_watts = m_pool.power_limit_max(domain_idx) * 1e-3;
        // As nvmlDeviceSetPowerManagementLimit() itself: refused, not clamped.
        if (!std::isfinite(setting) || setting < min_watts || setting > max_watts) {
            throw geopm::Exception("NVML::GPU_POWER_LIMIT_CONTROL: " +
                                   geopm::string_format_double(setting) + " W for GPU " +
                                   std::to_string(domain_idx) + " is outside its range " +
                                   geopm::string_format_double(min_watts) + " W to " +
                                   geopm::string_format_double(max_watts) + " W",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        m_pool.set_power_limit(domain_idx, static_cast<unsigned int>(std::lround(setting * 1e3)));
    }
}
