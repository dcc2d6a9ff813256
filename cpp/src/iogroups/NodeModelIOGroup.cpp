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
        };

        [[noreturn]] void bad_param(const std::string &item, const std::string &why)
        {
            throw geopm::Exception("NODE_MODEL IOGroup: bad node_model parameter \"" + item +
                                   "\" (GEOPM_BRIDGE_NODE_MODEL): " + why,
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }

        std::string trim(const std::string &text)
        {
            size_t begin = text.find_first_not_of(" \t");
            size_t end = text.find_last_not_of(" \t");
            return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
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

    NodeModelIOGroup::params_s NodeModelIOGroup::parse_params(const std::string &text)
    {
        std::map<std::string, double> given;
        // Each key the user gave and the item as given, for the errors.
        std::map<std::string, std::string> given_item;
        if (trim(text) != "1") {
            for (const auto &raw_item : geopm::string_split(text, ",")) {
                std::string item = trim(raw_item);
                size_t equal = item.find('=');
                if (equal == std::string::npos) {
                    bad_param(item, "expected key=value");
                }
                std::string key = trim(item.substr(0, equal));
                std::string value = trim(item.substr(equal + 1));
                char *end = nullptr;
                double number = std::strtod(value.c_str(), &end);
                if (value.empty() || *end != '\0' || !std::isfinite(number)) {
                    bad_param(item, "\"" + value + "\" is not a finite number");
                }
                if (!given.emplace(key, number).second) {
                    bad_param(item, "\"" + key + "\" is given twice");
                }
                given_item[key] = item;
            }
        }
        auto take = [&given](const std::string &key, double default_value) {
            auto it = given.find(key);
            if (it == given.end()) {
                return default_value;
            }
            double result = it->second;
            given.erase(it);
            return result;
        };
        params_s result {};
        result.tdp = take("tdp", 150.0);
        result.min_power = take("min_power", result.tdp / 3);
        result.max_power = take("max_power", result.tdp * 4 / 3);
        result.idle_power = take("idle_power", result.tdp / 5);
        result.load = take("load", 0.8);
        result.freq_min = take("freq_min", 1.0e9);
        result.freq_max = take("freq_max", 3.0e9);
        result.freq_sticker = take("freq_sticker",
                                   std::clamp(2.1e9, result.freq_min,
                                              std::max(result.freq_min, result.freq_max)));
        result.dram_power = take("dram_power", 10.0);
        result.time_window = take("time_window", 1.0);
        if (!given.empty()) {
            bad_param(given.begin()->first, "unknown key; known keys are tdp, min_power, "
                      "max_power, idle_power, load, freq_min, freq_max, freq_sticker, "
                      "dram_power, time_window");
        }

        auto number_text = [](double value) { return geopm::string_format_double(value); };
        // related: the key a default is computed from (min_power is tdp/3
        // unless given) or compared with, so that an error names what the
        // user gave: the key itself if given, else the related one.
        struct {
            bool is_ok;
            const char *key;
            double value;
            std::string rule;
            const char *related;
        } checks[] = {
            {result.min_power > 0, "min_power", result.min_power, "must be above 0", "tdp"},
            {result.tdp >= result.min_power, "tdp", result.tdp,
             "must be at least min_power (" + number_text(result.min_power) + ")", "min_power"},
            {result.max_power >= result.tdp, "max_power", result.max_power,
             "must be at least tdp (" + number_text(result.tdp) + ")", "tdp"},
            {result.idle_power >= 0 && result.idle_power <= result.tdp, "idle_power",
             result.idle_power, "must be in [0, tdp] ([0, " + number_text(result.tdp) + "])", "tdp"},
            {result.load >= 0, "load", result.load, "must be at least 0", nullptr},
            {result.freq_min > 0, "freq_min", result.freq_min, "must be above 0", nullptr},
            {result.freq_max >= result.freq_min, "freq_max", result.freq_max,
             "must be at least freq_min (" + number_text(result.freq_min) + ")", "freq_min"},
            {result.freq_sticker >= result.freq_min && result.freq_sticker <= result.freq_max,
             "freq_sticker", result.freq_sticker, "must be in [freq_min, freq_max] ([" +
             number_text(result.freq_min) + ", " + number_text(result.freq_max) + "])", "freq_min"},
            {result.dram_power >= 0, "dram_power", result.dram_power, "must be at least 0", nullptr},
            {result.time_window > 0, "time_window", result.time_window, "must be above 0", nullptr},
        };
        for (const auto &check : checks) {
            if (check.is_ok) {
                continue;
            }
            std::string what = std::string(check.key) + " " + check.rule;
            auto own = given_item.find(check.key);
            if (own != given_item.end()) {
                bad_param(own->second, what);
            }
            auto related = check.related != nullptr ? given_item.find(check.related)
                                                    : given_item.end();
            if (related != given_item.end()) {
                bad_param(related->second, std::string(check.key) + " (" +
                          number_text(check.value) + ") " + check.rule);
            }
            bad_param(std::string(check.key) + "=" + number_text(check.value), what);
        }
        return result;
    }

    NodeModelIOGroup::params_s NodeModelIOGroup::configured_params(std::exception_ptr &config_error)
    {
        if (!current_node().is_node_model_on()) {
            throw geopm::Exception("NODE_MODEL IOGroup: not enabled (set the node_model option "
                                   "or GEOPM_BRIDGE_NODE_MODEL)",
                                   GEOPM_ERROR_PLATFORM_UNSUPPORTED, __FILE__, __LINE__);
        }
        try {
            return parse_params(trim(current_node().option("node_model", "")));
        }
        catch (const geopm::Exception &) {
            config_error = std::current_exception();
            return parse_params("1");
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
        const params_s &params = m_params;
        package_s initial {params.tdp, params.time_window, params.freq_max, params.freq_min,
                           params.load, params.freq_min, params.freq_max,
                           1.0, NAN, NAN, 0.0, 0.0};
        settle(initial);
        m_package.assign(m_topo.num_domain(GEOPM_DOMAIN_PACKAGE), initial);
        for (int cpu = 0; cpu < (int)m_cpu_package.size(); ++cpu) {
            m_cpu_package[cpu] = m_topo.domain_idx(GEOPM_DOMAIN_PACKAGE, cpu);
        }
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
        // The application may start before the first control period.
        publish();
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
        const params_s &par = m_params;
        double cap = std::clamp(package.freq_cap, par.freq_min, par.freq_max);
        double floor = std::clamp(package.freq_floor, par.freq_min, cap);
        double dynamic_at_max = package.activity * package.load * (par.tdp - par.idle_power);
        auto power_at = [&](double freq) {
            double ratio = freq / par.freq_max;
            return par.idle_power + dynamic_at_max * ratio * ratio * ratio;
        };
        double freq = cap;
        if (power_at(cap) > package.power_limit) {
            // Invert power_at() at the limit; dynamic_at_max > 0 here
            // whenever the limit is above idle power.
            double room = package.power_limit - par.idle_power;
            freq = room > 0 ? par.freq_max * std::cbrt(room / dynamic_at_max) : floor;
            freq = std::max(freq, floor);
        }
        package.frequency = freq;
        package.cpu_power = power_at(freq);
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
        m_last_update = now;
        // Only then may the power change, with what the application does now.
        follow_application();
        publish();
    }

    double NodeModelIOGroup::read_value(int id, int domain_idx)
    {
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
        const params_s &par = m_params;
        std::string problem;
        if (!std::isfinite(setting)) {
            problem = "is not finite";
        }
        else if (id == M_LOAD && setting < 0) {
            problem = "is a negative load";
        }
        else if (id == M_TIME_WINDOW && setting <= 0) {
            problem = "is not a positive time window";
        }
        if (!problem.empty()) {
            throw geopm::Exception("NODE_MODEL IOGroup: setting " +
                                   geopm::string_format_double(setting) + " " + problem,
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
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
