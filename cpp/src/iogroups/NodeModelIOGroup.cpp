#include "NodeModelIOGroup.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>

#include "geopm_bridge/NodeContext.hpp"

#include "geopm/Agg.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_hint.h"
#include "geopm_topo.h"

#include "profile/ProfileSource.hpp"

namespace geopm_bridge
{
    namespace
    {
        enum model_id_e {
            M_POWER_LIMIT,
            M_TIME_WINDOW,
            M_FREQ_CAP,
            M_FREQ_FLOOR,
            M_LOAD,
            M_POWER_LIMIT_DEFAULT,
            M_POWER_MIN_AVAIL,
            M_POWER_MAX_AVAIL,
            M_FREQ_MIN_AVAIL,
            M_FREQ_MAX_AVAIL,
            M_FREQ_STICKER,
            M_FREQUENCY,
            M_CPU_POWER,
            M_CPU_ENERGY,
            M_DRAM_POWER,
            M_DRAM_ENERGY,
            M_ACTIVITY,
            M_UNCORE_MIN,
            M_UNCORE_MAX,
            // The GPUs' last, from M_GPU_POWER_LIMIT on: read_value() and
            // write_value() tell a GPU's index from a package's by it.
            M_GPU_POWER_LIMIT,
            M_GPU_FREQ_CAP,
            M_GPU_FREQ_FLOOR,
            M_GPU_FREQ_RESET,
            M_GPU_LOAD,
            M_GPU_POWER,
            M_GPU_ENERGY,
            M_GPU_FREQUENCY,
            M_GPU_FREQ_MIN_AVAIL,
            M_GPU_FREQ_MAX_AVAIL,
            M_GPU_FREQ_STEP,
            M_GPU_UTILIZATION,
            M_GPU_CORE_ACTIVITY,
            M_GPU_TEMPERATURE,
            M_GPU_POWER_MIN_AVAIL,
            M_GPU_POWER_MAX_AVAIL,
            M_GPU_POWER_LIMIT_DEFAULT,
        };

        // power(f) = idle + dynamic_at_max * (f / freq_max)^3, packages and GPUs alike.
        double model_power(double idle, double dynamic_at_max, double freq, double freq_max)
        {
            double ratio = freq / freq_max;
            return idle + dynamic_at_max * ratio * ratio * ratio;
        }

        // The highest frequency in [floor, cap] whose model_power() fits
        // under limit; floor when none does.
        double fitted_frequency(double floor, double cap, double idle, double dynamic_at_max,
                                double freq_max, double limit)
        {
            if (model_power(idle, dynamic_at_max, cap, freq_max) <= limit) {
                return cap;
            }
            // Invert model_power() at the limit; dynamic_at_max > 0 here
            // whenever the limit is above idle power.
            double room = limit - idle;
            double freq = room > 0 ? freq_max * std::cbrt(room / dynamic_at_max) : floor;
            return std::max(freq, floor);
        }

        // A simulated GPU's temperature (C) at a power (W): a documented
        // straight line, enough for agents that watch it.
        double gpu_temperature(double power)
        {
            return 30.0 + 0.06 * power;
        }
    }

    static_assert(std::atomic<double>::is_always_lock_free &&
                  std::atomic<uint64_t>::is_always_lock_free &&
                  std::atomic<int64_t>::is_always_lock_free &&
                  std::atomic<uint32_t>::is_always_lock_free,
                  "the segment's atomics must be lock-free to be shared between processes");

    std::string node_model_segment_name(const std::string &key)
    {
        return "/" + profile_channel_prefix(key) + "model";
    }

    NodeModelParams NodeModelIOGroup::configured_params(std::exception_ptr &config_error)
    {
        if (!current_node().is_node_model_on()) {
            throw geopm::Exception("NODE_MODEL IOGroup: not enabled (set the node_model option "
                                   "or GEOPM_BRIDGE_NODE_MODEL)",
                                   GEOPM_ERROR_PLATFORM_UNSUPPORTED, __FILE__, __LINE__);
        }
        try {
            return parse_node_model_params(current_node().option("node_model", ""));
        }
        catch (const geopm::Exception &) {
            config_error = std::current_exception();
            return parse_node_model_params("1");
        }
    }

    NodeModelIOGroup::NodeModelIOGroup()
        : BasicIOGroup(plugin_name())
        , m_params(configured_params(m_config_error))
        , m_node(current_node())
        , m_cpu_package(m_topo.num_domain(GEOPM_DOMAIN_CPU), 0)
        , m_segment(nullptr)
        , m_segment_size(0)
    {
        const NodeModelParams &params = m_params;
        package_s initial {params.tdp, params.time_window, params.freq_max, params.freq_min,
                           params.load, params.freq_min, params.freq_max,
                           1.0, NAN, NAN, 0.0, 0.0};
        settle(initial);
        m_package.assign(m_topo.num_domain(GEOPM_DOMAIN_PACKAGE), initial);
        for (int cpu = 0; cpu < (int)m_cpu_package.size(); ++cpu) {
            m_cpu_package[cpu] = m_topo.domain_idx(GEOPM_DOMAIN_PACKAGE, cpu);
        }
        gpu_s initial_gpu {params.gpu_tdp, params.gpu_freq_max, params.gpu_freq_min,
                           params.gpu_load, NAN, NAN, 0.0};
        settle(initial_gpu);
        // As many as the topology has: it was built from the same parameters.
        m_gpu.assign(m_topo.num_domain(GEOPM_DOMAIN_GPU), initial_gpu);
        geopm_time(&m_last_update);

        const auto sum = geopm::Agg::sum;
        const auto average = geopm::Agg::average;
        const auto same = geopm::Agg::expect_same;
        const auto constant = M_SIGNAL_BEHAVIOR_CONSTANT;
        const auto variable = M_SIGNAL_BEHAVIOR_VARIABLE;
        const auto monotone = M_SIGNAL_BEHAVIOR_MONOTONE;
        struct {
            int id;
            const char *name;   // after "NODE_MODEL::"
            const char *alias;  // "" for none
            m_units_e units;
            std::function<double(const std::vector<double> &)> agg;
            m_signal_behavior_e behavior;
            bool is_control;
            const char *description;
        } quantities[] = {
            {M_POWER_LIMIT, "CPU_POWER_LIMIT", "CPU_POWER_LIMIT_CONTROL", M_UNITS_WATTS, sum,
             variable, true, "Simulated package power limit"},
            {M_TIME_WINDOW, "CPU_POWER_TIME_WINDOW", "CPU_POWER_TIME_WINDOW_CONTROL",
             M_UNITS_SECONDS, same, variable, true,
             "Simulated power limit time window (kept, not modelled)"},
            {M_FREQ_CAP, "CPU_FREQUENCY_MAX", "CPU_FREQUENCY_MAX_CONTROL", M_UNITS_HERTZ, average,
             variable, true, "Highest frequency the simulated package may run at"},
            {M_FREQ_FLOOR, "CPU_FREQUENCY_MIN", "CPU_FREQUENCY_MIN_CONTROL", M_UNITS_HERTZ, average,
             variable, true, "Lowest frequency the simulated package may run at"},
            {M_UNCORE_MIN, "CPU_UNCORE_FREQUENCY_MIN", "CPU_UNCORE_FREQUENCY_MIN_CONTROL",
             M_UNITS_HERTZ, average, variable, true,
             "Lowest uncore frequency of the simulated package (kept, not modelled)"},
            {M_UNCORE_MAX, "CPU_UNCORE_FREQUENCY_MAX", "CPU_UNCORE_FREQUENCY_MAX_CONTROL",
             M_UNITS_HERTZ, average, variable, true,
             "Highest uncore frequency of the simulated package (kept, not modelled)"},
            {M_LOAD, "LOAD", "", M_UNITS_NONE, average, variable, true,
             "Simulated workload: dynamic power at the highest frequency as a fraction of "
             "TDP minus idle power"},
            {M_POWER_LIMIT_DEFAULT, "CPU_POWER_LIMIT_DEFAULT", "CPU_POWER_LIMIT_DEFAULT",
             M_UNITS_WATTS, sum, constant, false, "Simulated thermal design power (TDP)"},
            {M_POWER_MIN_AVAIL, "CPU_POWER_MIN_AVAIL", "CPU_POWER_MIN_AVAIL", M_UNITS_WATTS, sum,
             constant, false, "Lowest simulated package power limit"},
            {M_POWER_MAX_AVAIL, "CPU_POWER_MAX_AVAIL", "CPU_POWER_MAX_AVAIL", M_UNITS_WATTS, sum,
             constant, false, "Highest simulated package power limit"},
            {M_FREQ_MIN_AVAIL, "CPU_FREQUENCY_MIN_AVAIL", "CPU_FREQUENCY_MIN_AVAIL", M_UNITS_HERTZ,
             same, constant, false, "Lowest simulated frequency"},
            {M_FREQ_MAX_AVAIL, "CPU_FREQUENCY_MAX_AVAIL", "CPU_FREQUENCY_MAX_AVAIL", M_UNITS_HERTZ,
             same, constant, false, "Highest simulated frequency"},
            {M_FREQ_STICKER, "CPU_FREQUENCY_STICKER", "CPU_FREQUENCY_STICKER", M_UNITS_HERTZ, same,
             constant, false, "Simulated base (sticker) frequency"},
            {M_FREQUENCY, "CPU_FREQUENCY", "CPU_FREQUENCY_STATUS", M_UNITS_HERTZ, average, variable,
             false, "Frequency the simulated package runs at"},
            {M_CPU_POWER, "CPU_POWER", "CPU_POWER", M_UNITS_WATTS, sum, variable, false,
             "Power drawn by the simulated package"},
            {M_CPU_ENERGY, "CPU_ENERGY", "CPU_ENERGY", M_UNITS_JOULES, sum, monotone, false,
             "Energy used by the simulated package since the model started"},
            {M_DRAM_POWER, "DRAM_POWER", "DRAM_POWER", M_UNITS_WATTS, sum, variable, false,
             "Power drawn by the simulated package's DRAM"},
            {M_DRAM_ENERGY, "DRAM_ENERGY", "DRAM_ENERGY", M_UNITS_JOULES, sum, monotone, false,
             "Energy used by the simulated package's DRAM since the model started"},
            {M_ACTIVITY, "ACTIVITY", "", M_UNITS_NONE, average, variable, false,
             "Dynamic power of the application's current regions as a share of a compute "
             "region's, by their hints (1 when nothing is profiled)"},
        };
        for (const auto &qty : quantities) {
            std::string low_name = plugin_name() + "::" + qty.name;
            info_s info {qty.id, GEOPM_DOMAIN_PACKAGE, qty.units, qty.agg, qty.behavior,
                         qty.description};
            if (qty.is_control) {
                add_control(low_name, info);
            }
            else {
                add_signal(low_name, info);
            }
            if (*qty.alias != '\0') {
                add_alias(qty.alias, low_name);
            }
        }
        add_gpu_quantities();
        // The application may start before the first control period.
        publish();
    }

    void NodeModelIOGroup::add_gpu_quantities(void)
    {
        if (m_gpu.empty()) {
            // No GPU names: the report's GPU fields follow their presence.
            return;
        }
        const auto sum = geopm::Agg::sum;
        const auto average = geopm::Agg::average;
        const auto same = geopm::Agg::expect_same;
        const auto constant = M_SIGNAL_BEHAVIOR_CONSTANT;
        const auto variable = M_SIGNAL_BEHAVIOR_VARIABLE;
        const auto monotone = M_SIGNAL_BEHAVIOR_MONOTONE;
        struct {
            int id;
            const char *name;  // after "NODE_MODEL::", and the alias
            bool has_alias;
            m_units_e units;
            std::function<double(const std::vector<double> &)> agg;
            m_signal_behavior_e behavior;
            bool is_control;
            const char *description;
        } quantities[] = {
            {M_GPU_POWER_LIMIT, "GPU_POWER_LIMIT_CONTROL", true, M_UNITS_WATTS, sum, variable,
             true, "Simulated GPU power limit"},
            {M_GPU_FREQ_CAP, "GPU_CORE_FREQUENCY_MAX_CONTROL", true, M_UNITS_HERTZ, same,
             variable, true, "Highest core clock the simulated GPU may run at"},
            {M_GPU_FREQ_FLOOR, "GPU_CORE_FREQUENCY_MIN_CONTROL", true, M_UNITS_HERTZ, same,
             variable, true, "Lowest core clock the simulated GPU may run at"},
            {M_GPU_FREQ_RESET, "GPU_CORE_FREQUENCY_RESET_CONTROL", false, M_UNITS_NONE, same,
             variable, true, "Any setting puts the simulated GPU's core clock controls back "
             "to the available range; reads NaN"},
            {M_GPU_LOAD, "GPU_LOAD", false, M_UNITS_NONE, average, variable, true,
             "Simulated GPU workload in [0, 1]: its utilization, the dynamic power at the "
             "highest clock as a fraction of TDP minus idle power"},
            {M_GPU_POWER, "GPU_POWER", true, M_UNITS_WATTS, sum, variable, false,
             "Power drawn by the simulated GPU"},
            {M_GPU_ENERGY, "GPU_ENERGY", true, M_UNITS_JOULES, sum, monotone, false,
             "Energy used by the simulated GPU since the model started"},
            {M_GPU_FREQUENCY, "GPU_CORE_FREQUENCY_STATUS", true, M_UNITS_HERTZ, average,
             variable, false, "Core clock the simulated GPU runs at"},
            {M_GPU_FREQ_MIN_AVAIL, "GPU_CORE_FREQUENCY_MIN_AVAIL", true, M_UNITS_HERTZ, same,
             constant, false, "Lowest simulated GPU core clock"},
            {M_GPU_FREQ_MAX_AVAIL, "GPU_CORE_FREQUENCY_MAX_AVAIL", true, M_UNITS_HERTZ, same,
             constant, false, "Highest simulated GPU core clock"},
            {M_GPU_FREQ_STEP, "GPU_CORE_FREQUENCY_STEP", true, M_UNITS_HERTZ, same, constant,
             false, "Step between the simulated GPU's core clocks (reported, not applied)"},
            {M_GPU_UTILIZATION, "GPU_UTILIZATION", true, M_UNITS_NONE, average, variable, false,
             "Share of time the simulated GPU is busy (NODE_MODEL::GPU_LOAD)"},
            {M_GPU_CORE_ACTIVITY, "GPU_CORE_ACTIVITY", true, M_UNITS_NONE, average, variable,
             false, "Share of the simulated GPU's compute units at work: GPU_UTILIZATION times "
             "the gpu_activity parameter (GEOPM reads it from DCGM or Level Zero)"},
            {M_GPU_TEMPERATURE, "GPU_TEMPERATURE", true, M_UNITS_CELSIUS, average, variable,
             false, "Simulated GPU temperature: 30 C plus 0.06 C per watt drawn"},
            {M_GPU_POWER_MIN_AVAIL, "GPU_POWER_LIMIT_MIN_AVAIL", true, M_UNITS_WATTS, sum,
             constant, false, "Lowest simulated GPU power limit"},
            {M_GPU_POWER_MAX_AVAIL, "GPU_POWER_LIMIT_MAX_AVAIL", true, M_UNITS_WATTS, sum,
             constant, false, "Highest simulated GPU power limit"},
            {M_GPU_POWER_LIMIT_DEFAULT, "GPU_POWER_LIMIT_DEFAULT", true, M_UNITS_WATTS, sum,
             constant, false, "Simulated GPU default power limit (its TDP)"},
        };
        for (const auto &qty : quantities) {
            std::string low_name = plugin_name() + "::" + qty.name;
            info_s info {qty.id, GEOPM_DOMAIN_GPU, qty.units, qty.agg, qty.behavior,
                         qty.description};
            if (qty.is_control) {
                add_control(low_name, info);
            }
            else {
                add_signal(low_name, info);
            }
            if (qty.has_alias) {
                add_alias(qty.name, low_name);
            }
        }
    }

    NodeModelIOGroup::~NodeModelIOGroup()
    {
        close_segment();
    }

    void NodeModelIOGroup::open_segment(const std::string &key)
    {
        // Tried once per key: a failure is not retried every period.
        m_segment_key = key;
        m_segment_name = node_model_segment_name(key);
        size_t size = sizeof(NodeModelSegmentHeader) +
                      m_package.size() * sizeof(NodeModelSegmentPackage) +
                      m_cpu_package.size() * sizeof(int32_t);
        // One left by an earlier group of this key (a reset PlatformIO): ours now.
        shm_unlink(m_segment_name.c_str());
        int fd = shm_open(m_segment_name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
        void *memory = MAP_FAILED;
        if (fd != -1) {
            if (ftruncate(fd, size) == 0) {
                memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            }
            close(fd);
        }
        if (memory == MAP_FAILED) {
            int err = errno;
            shm_unlink(m_segment_name.c_str());
            // The model still serves the agents; only a model application
            // that waits for the segment is left without it.
            std::cerr << "geopm-bridge: warning: NODE_MODEL IOGroup: cannot publish "
                      << m_segment_name << ": " << strerror(err) << "\n";
            return;
        }
        // A new object is zeroed: fill it, then stamp it.
        m_segment = static_cast<NodeModelSegmentHeader *>(memory);
        m_segment_size = size;
        m_segment->version = M_NODE_MODEL_SEGMENT_VERSION;
        m_segment->num_package = m_package.size();
        m_segment->num_cpu = m_cpu_package.size();
        m_segment->freq_min = m_params.freq_min;
        m_segment->freq_max = m_params.freq_max;
        m_segment->freq_sticker = m_params.freq_sticker;
        auto *cpu_package = reinterpret_cast<int32_t *>(
            reinterpret_cast<char *>(m_segment) + sizeof(NodeModelSegmentHeader) +
            m_package.size() * sizeof(NodeModelSegmentPackage));
        for (size_t cpu = 0; cpu < m_cpu_package.size(); ++cpu) {
            cpu_package[cpu] = m_cpu_package[cpu];
        }
    }

    void NodeModelIOGroup::close_segment(void)
    {
        if (m_segment != nullptr) {
            // A reader that holds it mapped sees that it is gone.
            m_segment->is_closed.store(1, std::memory_order_release);
            munmap(m_segment, m_segment_size);
            shm_unlink(m_segment_name.c_str());
            m_segment = nullptr;
            m_segment_size = 0;
        }
        m_segment_key.clear();
        m_segment_name.clear();
    }

    void NodeModelIOGroup::publish(void)
    {
        const ProfileSource *source = ProfileSource::of(m_node);
        if (source != nullptr && !source->key().empty() && source->key() != m_segment_key) {
            close_segment();
            open_segment(source->key());
        }
        if (m_segment == nullptr) {
            return;
        }
        auto *packages = reinterpret_cast<NodeModelSegmentPackage *>(
            reinterpret_cast<char *>(m_segment) + sizeof(NodeModelSegmentHeader));
        uint64_t seq = m_segment->seq.load(std::memory_order_relaxed);
        m_segment->seq.store(seq + 1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
        for (size_t pkg = 0; pkg < m_package.size(); ++pkg) {
            packages[pkg].frequency.store(m_package[pkg].frequency, std::memory_order_relaxed);
            packages[pkg].cpu_power.store(m_package[pkg].cpu_power, std::memory_order_relaxed);
            packages[pkg].power_limit.store(m_package[pkg].power_limit, std::memory_order_relaxed);
            packages[pkg].activity.store(m_package[pkg].activity, std::memory_order_relaxed);
        }
        m_segment->update_ns.store(profile_now_ns(), std::memory_order_relaxed);
        m_segment->num_update.store(m_segment->num_update.load(std::memory_order_relaxed) + 1,
                                    std::memory_order_relaxed);
        m_segment->seq.store(seq + 2, std::memory_order_release);
        if (m_segment->magic.load(std::memory_order_relaxed) != M_NODE_MODEL_SEGMENT_MAGIC) {
            m_segment->magic.store(M_NODE_MODEL_SEGMENT_MAGIC, std::memory_order_release);
        }
    }

    std::string NodeModelIOGroup::plugin_name(void)
    {
        return "NODE_MODEL";
    }

    std::unique_ptr<geopm::IOGroup> NodeModelIOGroup::make_plugin(void)
    {
        return std::make_unique<NodeModelIOGroup>();
    }

    double NodeModelIOGroup::hint_activity(uint64_t hint)
    {
        // The table and the reason for each value: the class comment.
        switch (hint) {
            case GEOPM_REGION_HINT_SPIN:
                return 0.9;
            case GEOPM_REGION_HINT_MEMORY:
                return 0.6;
            case GEOPM_REGION_HINT_NETWORK:
                return 0.4;
            case GEOPM_REGION_HINT_IO:
                return 0.3;
            case GEOPM_REGION_HINT_INACTIVE:
                return 0.0;
            default:  // compute, parallel, serial, unset, unknown, ignore
                return 1.0;
        }
    }

    void NodeModelIOGroup::follow_application(void)
    {
        std::vector<double> sum(m_package.size(), 0.0);
        std::vector<int> count(m_package.size(), 0);
        const ProfileSource *source = ProfileSource::of(m_node);
        if (source != nullptr) {
            std::vector<bool> is_reached(m_package.size());
            for (const auto &process : source->processes()) {
                if (!process.has_data || !process.is_running) {
                    continue;
                }
                is_reached.assign(m_package.size(), false);
                for (int cpu : process.cpus) {
                    if (cpu >= 0 && cpu < (int)m_cpu_package.size()) {
                        is_reached[m_cpu_package[cpu]] = true;
                    }
                }
                double activity = hint_activity(process.snapshot.hint);
                for (size_t pkg = 0; pkg < m_package.size(); ++pkg) {
                    if (is_reached[pkg]) {
                        sum[pkg] += activity;
                        ++count[pkg];
                    }
                }
            }
        }
        for (size_t pkg = 0; pkg < m_package.size(); ++pkg) {
            double activity = count[pkg] == 0 ? 1.0 : sum[pkg] / count[pkg];
            if (activity != m_package[pkg].activity) {
                m_package[pkg].activity = activity;
                settle(m_package[pkg]);
            }
        }
    }

    void NodeModelIOGroup::settle(package_s &package) const
    {
        const NodeModelParams &par = m_params;
        double cap = std::clamp(package.freq_cap, par.freq_min, par.freq_max);
        double floor = std::clamp(package.freq_floor, par.freq_min, cap);
        double dynamic_at_max = package.activity * package.load * (par.tdp - par.idle_power);
        package.frequency = fitted_frequency(floor, cap, par.idle_power, dynamic_at_max,
                                             par.freq_max, package.power_limit);
        package.cpu_power = model_power(par.idle_power, dynamic_at_max, package.frequency,
                                        par.freq_max);
    }

    void NodeModelIOGroup::settle(gpu_s &gpu) const
    {
        const NodeModelParams &par = m_params;
        double cap = std::clamp(gpu.freq_cap, par.gpu_freq_min, par.gpu_freq_max);
        double floor = std::clamp(gpu.freq_floor, par.gpu_freq_min, cap);
        double dynamic_at_max = gpu.load * par.gpu_activity * (par.gpu_tdp - par.gpu_idle_power);
        gpu.frequency = fitted_frequency(floor, cap, par.gpu_idle_power, dynamic_at_max,
                                         par.gpu_freq_max, gpu.power_limit);
        gpu.power = model_power(par.gpu_idle_power, dynamic_at_max, gpu.frequency,
                                par.gpu_freq_max);
    }

    void NodeModelIOGroup::refresh(void)
    {
        if (m_config_error) {
            std::rethrow_exception(m_config_error);
        }
        // Power has been constant since the last update: integrate exactly.
        geopm_time_s now;
        geopm_time(&now);
        double elapsed = geopm_time_diff(&m_last_update, &now);
        for (auto &package : m_package) {
            package.cpu_energy += package.cpu_power * elapsed;
            package.dram_energy += m_params.dram_power * elapsed;
        }
        for (auto &gpu : m_gpu) {
            gpu.energy += gpu.power * elapsed;
        }
        m_last_update = now;
        // Only then may the power change, with what the application does now.
        follow_application();
        publish();
    }

    double NodeModelIOGroup::read_value(int id, int domain_idx)
    {
        if (id >= M_GPU_POWER_LIMIT) {
            const gpu_s &gpu = m_gpu[domain_idx];
            switch (id) {
                case M_GPU_POWER_LIMIT:
                    return gpu.power_limit;
                case M_GPU_FREQ_CAP:
                    return gpu.freq_cap;
                case M_GPU_FREQ_FLOOR:
                    return gpu.freq_floor;
                case M_GPU_FREQ_RESET:
                    // A command, not a state: NaN is what SaveControl skips.
                    return NAN;
                case M_GPU_LOAD:
                case M_GPU_UTILIZATION:
                    return gpu.load;
                case M_GPU_CORE_ACTIVITY:
                    return gpu.load * m_params.gpu_activity;
                case M_GPU_POWER:
                    return gpu.power;
                case M_GPU_ENERGY:
                    return gpu.energy;
                case M_GPU_FREQUENCY:
                    return gpu.frequency;
                case M_GPU_FREQ_MIN_AVAIL:
                    return m_params.gpu_freq_min;
                case M_GPU_FREQ_MAX_AVAIL:
                    return m_params.gpu_freq_max;
                case M_GPU_FREQ_STEP:
                    return m_params.gpu_freq_step;
                case M_GPU_TEMPERATURE:
                    return gpu_temperature(gpu.power);
                case M_GPU_POWER_MIN_AVAIL:
                    return m_params.gpu_min_power;
                case M_GPU_POWER_MAX_AVAIL:
                    return m_params.gpu_max_power;
                case M_GPU_POWER_LIMIT_DEFAULT:
                    return m_params.gpu_tdp;
            }
            return NAN;
        }
        const package_s &package = m_package[domain_idx];
        switch (id) {
            case M_POWER_LIMIT:
                return package.power_limit;
            case M_TIME_WINDOW:
                return package.time_window;
            case M_FREQ_CAP:
                return package.freq_cap;
            case M_FREQ_FLOOR:
                return package.freq_floor;
            case M_LOAD:
                return package.load;
            case M_UNCORE_MIN:
                return package.uncore_min;
            case M_UNCORE_MAX:
                return package.uncore_max;
            case M_POWER_LIMIT_DEFAULT:
                return m_params.tdp;
            case M_POWER_MIN_AVAIL:
                return m_params.min_power;
            case M_POWER_MAX_AVAIL:
                return m_params.max_power;
            case M_FREQ_MIN_AVAIL:
                return m_params.freq_min;
            case M_FREQ_MAX_AVAIL:
                return m_params.freq_max;
            case M_FREQ_STICKER:
                return m_params.freq_sticker;
            case M_FREQUENCY:
                return package.frequency;
            case M_CPU_POWER:
                return package.cpu_power;
            case M_CPU_ENERGY:
                return package.cpu_energy;
            case M_DRAM_POWER:
                return m_params.dram_power;
            case M_DRAM_ENERGY:
                return package.dram_energy;
            case M_ACTIVITY:
                return package.activity;
        }
        return NAN;
    }

    void NodeModelIOGroup::write_value(int id, int domain_idx, double setting)
    {
        // Brings the integral up to date (and reports bad parameters).
        refresh();
        const NodeModelParams &par = m_params;
        std::string problem;
        if (!std::isfinite(setting)) {
            problem = "is not finite";
        }
        else if (id == M_LOAD && setting < 0) {
            problem = "is a negative load";
        }
        else if (id == M_GPU_LOAD && (setting < 0 || setting > 1)) {
            problem = "is a GPU load outside [0, 1]";
        }
        else if (id == M_TIME_WINDOW && setting <= 0) {
            problem = "is not a positive time window";
        }
        if (!problem.empty()) {
            throw geopm::Exception("NODE_MODEL IOGroup: setting " +
                                   geopm::string_format_double(setting) + " " + problem,
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        if (id >= M_GPU_POWER_LIMIT) {
            gpu_s &gpu = m_gpu[domain_idx];
            switch (id) {
                case M_GPU_POWER_LIMIT:
                    gpu.power_limit = std::clamp(setting, par.gpu_min_power, par.gpu_max_power);
                    break;
                case M_GPU_FREQ_CAP:
                    gpu.freq_cap = std::clamp(setting, par.gpu_freq_min, par.gpu_freq_max);
                    break;
                case M_GPU_FREQ_FLOOR:
                    gpu.freq_floor = std::clamp(setting, par.gpu_freq_min, par.gpu_freq_max);
                    break;
                case M_GPU_FREQ_RESET:
                    gpu.freq_cap = par.gpu_freq_max;
                    gpu.freq_floor = par.gpu_freq_min;
                    break;
                case M_GPU_LOAD:
                    gpu.load = setting;
                    break;
            }
            settle(gpu);
            return;
        }
        package_s &package = m_package[domain_idx];
        switch (id) {
            case M_POWER_LIMIT:
                package.power_limit = std::clamp(setting, par.min_power, par.max_power);
                break;
            case M_TIME_WINDOW:
                package.time_window = setting;
                break;
            case M_FREQ_CAP:
                package.freq_cap = std::clamp(setting, par.freq_min, par.freq_max);
                break;
            case M_FREQ_FLOOR:
                package.freq_floor = std::clamp(setting, par.freq_min, par.freq_max);
                break;
            case M_LOAD:
                package.load = setting;
                break;
            case M_UNCORE_MIN:
                package.uncore_min = std::clamp(setting, par.freq_min, par.freq_max);
                break;
            case M_UNCORE_MAX:
                package.uncore_max = std::clamp(setting, par.freq_min, par.freq_max);
                break;
        }
        settle(package);
        publish();
    }
}
