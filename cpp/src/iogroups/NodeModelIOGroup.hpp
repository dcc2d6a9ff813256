/*
 * NODE_MODEL: a simulated node whose power, energy and frequency respond to
 * the power-limit and frequency controls, and to the region hints of the
 * application running on it, so power agents (region-aware ones too) can
 * be exercised on any machine.
 */
#ifndef GEOPM_BRIDGE_NODEMODELIOGROUP_HPP_INCLUDE
#define GEOPM_BRIDGE_NODEMODELIOGROUP_HPP_INCLUDE

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "geopm_time.h"

#include "BasicIOGroup.hpp"
#include "NodeModelParams.hpp"

namespace geopm_bridge
{
    class NodeContext;

    constexpr uint32_t M_NODE_MODEL_SEGMENT_MAGIC = 0x474e4d42;  // "BMNG" in memory
    constexpr uint32_t M_NODE_MODEL_SEGMENT_VERSION = 1;

    /// The segment the node model publishes for the application of its
    /// node. These structs own the layout: readers in other languages
    /// (python/geopm_bridge/bench/model.py) follow it and check
    /// M_NODE_MODEL_SEGMENT_VERSION. Little-endian as the host, no padding:
    ///
    ///   NodeModelSegmentHeader                        (72 bytes)
    ///   NodeModelSegmentPackage package[num_package]  (32 bytes each)
    ///   int32_t cpu_package[num_cpu]                  (each CPU's package)
    ///
    /// A reader retries while seq is odd or changed during its read (a
    /// sequence lock: the controller never waits for the application).
    struct NodeModelSegmentHeader
    {
        std::atomic<uint32_t> magic;      //  0: stamped last: the segment is complete
        uint32_t version;                 //  4
        std::atomic<uint64_t> seq;        //  8: odd while an update is written
        uint32_t num_package;             // 16
        uint32_t num_cpu;                 // 20
        std::atomic<uint32_t> is_closed;  // 24: 1 once the IOGroup is gone
        uint32_t reserved;                // 28
        double freq_min;                  // 32: Hz, the model's parameters
        double freq_max;                  // 40
        double freq_sticker;              // 48
        std::atomic<int64_t> update_ns;   // 56: CLOCK_MONOTONIC of the last update
        std::atomic<uint64_t> num_update; // 64
    };

    struct NodeModelSegmentPackage
    {
        std::atomic<double> frequency;    //  0: Hz, CPU_FREQUENCY_STATUS
        std::atomic<double> cpu_power;    //  8: W
        std::atomic<double> power_limit;  // 16: W
        std::atomic<double> activity;     // 24: NODE_MODEL::ACTIVITY
    };

    static_assert(sizeof(NodeModelSegmentHeader) == 72 &&
                  offsetof(NodeModelSegmentHeader, freq_min) == 32 &&
                  offsetof(NodeModelSegmentHeader, num_update) == 64 &&
                  sizeof(NodeModelSegmentPackage) == 32,
                  "the node model segment's layout is fixed (readers follow it)");

    /// The shared-memory name (with its leading '/') of the segment for
    /// the application whose profiling key is key:
    /// "/geopm-bridge-<uid>-<key>-model" (not a channel: no pid follows).
    std::string node_model_segment_name(const std::string &key);

    /// Enabled by the node option "node_model" (else the environment
    /// variable GEOPM_BRIDGE_NODE_MODEL): "1" for the defaults, or
    /// comma-separated key=value parameters (NodeModelParams.hpp lists
    /// them); empty or "0" leaves it off (the constructor then throws
    /// GEOPM_ERROR_PLATFORM_UNSUPPORTED, so PlatformIO skips it). A bad key
    /// or value is a GEOPM_ERROR_INVALID naming it, thrown at the first read
    /// or write rather than by the constructor: PlatformIO would silently
    /// skip the group and leave a misconfigured job on the real hardware's
    /// controls.
    ///
    /// Physics, per package, deterministic and instantaneous:
    ///   power(f) = idle_power
    ///              + activity * load * (tdp - idle_power) * (f / freq_max)^3
    /// The package runs at the highest frequency in [floor, cap] whose power
    /// fits under the power limit, where cap = CPU_FREQUENCY_MAX_CONTROL and
    /// floor = CPU_FREQUENCY_MIN_CONTROL (both clamped into
    /// [freq_min, freq_max]); if even the floor does not fit, it runs at the
    /// floor above the limit. CPU_POWER and DRAM_POWER are the model's power;
    /// CPU_ENERGY and DRAM_ENERGY integrate it exactly over monotonic time
    /// (power only changes at a read of this IOGroup or a write to it, and
    /// the integral is brought up to date, at the old power, before each).
    ///
    /// activity (NODE_MODEL::ACTIVITY) is what the application on the node
    /// is doing, from the region hints it marks (geopm_prof.h, or
    /// geopm_bridge.profile), as a share of a compute region's dynamic
    /// power at the same frequency:
    ///
    ///   COMPUTE, PARALLEL 1.0  the cores' arithmetic: the model's reference
    ///   SERIAL            1.0  one thread works while the others spin-wait
    ///                          in the threading runtime
    ///   UNSET, UNKNOWN    1.0  unmarked or unsaid: assume compute (and
    ///                          the model's behaviour without profiling)
    ///   IGNORE            1.0  says what agents should do, not what the
    ///                          cores do
    ///   SPIN              0.9  a busy-wait loop keeps the core at full
    ///                          clock, retiring cheap instructions
    ///   MEMORY            0.6  the cores stall on DRAM: fewer instructions
    ///                          retire per cycle
    ///   NETWORK           0.4  the cores wait on the NIC, polling at a low
    ///                          instruction rate
    ///   IO                0.3  the cores wait on files, mostly blocked in
    ///                          the kernel
    ///   INACTIVE          0.0  the cores sleep (a C-state): idle power only
    ///
    /// A package's activity is the average over the node's running
    /// profiled processes that may run on one of its CPUs (their affinity),
    /// each by the hint of the innermost region it is in; 1.0 where no such
    /// process runs (an application that marks nothing draws what it drew
    /// before). It is taken at each read (PlatformIO's read_batch(), once
    /// per control period; read_signal()) from the node's ProfileSource,
    /// so the power follows the application one period late at most.
    ///
    /// Controls written out of range are clamped as hardware does: power
    /// limits into [min_power, max_power], frequencies into
    /// [freq_min, freq_max]. A non-finite setting, a negative load or a
    /// time window <= 0 is rejected with GEOPM_ERROR_INVALID. The time
    /// window is kept and reported but does not slow the response; so are
    /// the uncore frequency limits (initially [freq_min, freq_max], clamped
    /// into it), which GEOPM's frequency_map agent sets.
    ///
    /// GPUs (the gpus parameter; the node's PlatformTopo has as many, each
    /// one gpu_chip, the CPUs split evenly between them). Per GPU, the same
    /// shape as a package, at the gpu domain:
    ///   utilization = GPU_LOAD (in [0, 1]; the application's region hints
    ///                 describe its CPUs and do not change it)
    ///   power(f) = gpu_idle_power
    ///              + utilization * (gpu_tdp - gpu_idle_power) * (f / gpu_freq_max)^3
    ///   temperature = 30 C + 0.06 C/W * power
    /// The GPU runs at the highest clock in [floor, cap] whose power fits
    /// under GPU_POWER_LIMIT_CONTROL, cap = GPU_CORE_FREQUENCY_MAX_CONTROL,
    /// floor = GPU_CORE_FREQUENCY_MIN_CONTROL (clamped as the package's),
    /// at the floor if none fits; clocks are continuous (the step is
    /// reported, not applied). GPU_ENERGY integrates GPU_POWER as
    /// CPU_ENERGY does. Writing NODE_MODEL::GPU_CORE_FREQUENCY_RESET_CONTROL
    /// (any value; no alias, as GEOPM's NVML reset) puts both clock controls
    /// back to [gpu_freq_min, gpu_freq_max]; it reads NaN, so saving and
    /// restoring the controls never replays a reset. Names: NODE_MODEL::<X>
    /// aliased <X>, as the NVML IOGroup's: GPU_POWER, GPU_ENERGY,
    /// GPU_CORE_FREQUENCY_STATUS, GPU_CORE_FREQUENCY_MIN_AVAIL,
    /// GPU_CORE_FREQUENCY_MAX_AVAIL, GPU_CORE_FREQUENCY_STEP,
    /// GPU_UTILIZATION, GPU_CORE_ACTIVITY (GPU_UTILIZATION times
    /// gpu_activity; GEOPM has it from DCGM or Level Zero, not NVML),
    /// GPU_TEMPERATURE, GPU_POWER_LIMIT_MIN_AVAIL,
    /// GPU_POWER_LIMIT_MAX_AVAIL, GPU_POWER_LIMIT_DEFAULT (signals),
    /// GPU_POWER_LIMIT_CONTROL, GPU_CORE_FREQUENCY_MIN_CONTROL,
    /// GPU_CORE_FREQUENCY_MAX_CONTROL (controls); NODE_MODEL::GPU_LOAD
    /// (control). With no GPUs none of these exist.
    ///
    /// The CPU quantities are at the package domain, one simulated package
    /// per package of the node's PlatformTopo. Names: NODE_MODEL::<X> with the
    /// high-level aliases CPU_POWER_LIMIT_CONTROL, CPU_POWER_TIME_WINDOW_CONTROL,
    /// CPU_FREQUENCY_MAX_CONTROL, CPU_FREQUENCY_MIN_CONTROL,
    /// CPU_UNCORE_FREQUENCY_MIN_CONTROL, CPU_UNCORE_FREQUENCY_MAX_CONTROL
    /// (controls and signals), CPU_POWER_LIMIT_DEFAULT, CPU_POWER_MIN_AVAIL,
    /// CPU_POWER_MAX_AVAIL, CPU_FREQUENCY_MIN_AVAIL, CPU_FREQUENCY_MAX_AVAIL,
    /// CPU_FREQUENCY_STICKER, CPU_FREQUENCY_STATUS, CPU_POWER, CPU_ENERGY,
    /// DRAM_POWER, DRAM_ENERGY; plus NODE_MODEL::LOAD (control and signal)
    /// and NODE_MODEL::ACTIVITY (signal).
    /// Registered last, it overrides the hardware IOGroups' aliases.
    ///
    /// The application's view (geopm-bridge bench): while the node has an
    /// application (ProfileSource::of() answers with the node's key), the
    /// group publishes its packages' state in a shared-memory segment named
    /// by that key, node_model_segment_name() (in /dev/shm, owner-only,
    /// layout NodeModelSegmentHeader below), updated whenever the model
    /// settles (each read_batch()/read_signal() and each write), and
    /// removed when the group is destroyed (a controller that died leaves
    /// it to the next one's clean-up, as its profiling channels). A model
    /// application reads its package's frequency there and runs its
    /// compute at that speed (docs/bench.md).
    class NodeModelIOGroup : public BasicIOGroup
    {
        public:
            /// Reads the node's "node_model" option.
            NodeModelIOGroup();
            /// Removes the published segment.
            virtual ~NodeModelIOGroup();
            NodeModelIOGroup(const NodeModelIOGroup &) = delete;
            NodeModelIOGroup &operator=(const NodeModelIOGroup &) = delete;
            static std::string plugin_name(void);
            static std::unique_ptr<geopm::IOGroup> make_plugin(void);
            /// A region hint's share of a compute region's dynamic power
            /// (the table above); 1.0 for a value that is no hint.
            static double hint_activity(uint64_t hint);
        private:
            /// The option's parameters; when they are bad, the defaults, with
            /// the error kept in config_error.
            static NodeModelParams configured_params(std::exception_ptr &config_error);

            struct package_s {
                // controls
                double power_limit;
                double time_window;
                double freq_cap;
                double freq_floor;
                double load;
                double uncore_min;
                double uncore_max;
                // state
                double activity;
                double frequency;
                double cpu_power;
                double cpu_energy;
                double dram_energy;
            };
            struct gpu_s {
                // controls
                double power_limit;
                double freq_cap;
                double freq_floor;
                double load;
                // state
                double frequency;
                double power;
                double energy;
            };
            void refresh(void) override;
            double read_value(int id, int domain_idx) override;
            void write_value(int id, int domain_idx, double setting) override;
            void settle(package_s &package) const;
            void settle(gpu_s &gpu) const;
            /// The GPU quantities' names (only when the node has GPUs).
            void add_gpu_quantities(void);
            /// Each package's activity from the application now.
            void follow_application(void);
            /// Brings the segment up to date (made for the node's current
            /// profiling key first, when that changed).
            void publish(void);
            void open_segment(const std::string &key);
            void close_segment(void);

            // Set when the parameters are bad (see the class comment).
            std::exception_ptr m_config_error;
            const NodeModelParams m_params;
            const NodeContext &m_node;
            // The package of each CPU of the node.
            std::vector<int> m_cpu_package;
            std::vector<package_s> m_package;
            std::vector<gpu_s> m_gpu;
            geopm_time_s m_last_update;
            // The published segment: the key it is named by ("" none yet)
            // and its mapping (nullptr: none, or it could not be made).
            std::string m_segment_key;
            std::string m_segment_name;
            struct NodeModelSegmentHeader *m_segment;
            size_t m_segment_size;
    };
}

#endif
