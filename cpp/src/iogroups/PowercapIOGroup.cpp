#include "PowercapIOGroup.hpp"

#include <unistd.h>

#include <cmath>

#include "geopm/Agg.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_topo.h"

namespace geopm_bridge
{
    namespace
    {
        enum powercap_id_e {
            M_CPU_ENERGY,
            M_CPU_POWER,
            M_CPU_POWER_LIMIT,
            M_CPU_POWER_TIME_WINDOW,
            M_CPU_POWER_LIMIT_DEFAULT,
            M_CPU_POWER_MIN_AVAIL,
            M_CPU_POWER_MAX_AVAIL,
            M_DRAM_ENERGY,
            M_DRAM_POWER,
        };

        const std::string POWERCAP_DIR = "/sys/class/powercap";
        const std::string ZONE_PREFIX = "intel-rapl:";
        // How long read_signal() of a power waits between its two readings.
        const double RATE_SLEEP = 0.05;

        // The text of a file without its trailing newline, "" if unreadable.
        std::string read_name(const std::string &path)
        {
            try {
                std::string result = geopm::read_file(path);
                result.erase(result.find_last_not_of(" \n") + 1);
                return result;
            }
            catch (const geopm::Exception &) {
                return "";
            }
        }

        // The number after prefix in text ("package-3" -> 3), -1 if none.
        int trailing_number(const std::string &text, const std::string &prefix)
        {
            if (!geopm::string_begins_with(text, prefix) || text.size() == prefix.size() ||
                text.find_first_not_of("0123456789", prefix.size()) != std::string::npos) {
                return -1;
            }
            return std::stoi(text.substr(prefix.size()));
        }

        // The energy a power is derived from; any other id maps to itself.
        int energy_of(int id)
        {
            return id == M_CPU_POWER ? M_CPU_ENERGY : id == M_DRAM_POWER ? M_DRAM_ENERGY : id;
        }

        bool is_readable_number(const std::string &path)
        {
            try {
                return !std::isnan(read_host_number(path));
            }
            catch (const geopm::Exception &) {
                return false;
            }
        }
    }

    PowercapIOGroup::PowercapIOGroup()
        : BasicIOGroup(plugin_name())
    {
        const std::string root = host_path(POWERCAP_DIR);
        std::vector<std::string> entries;
        try {
            entries = geopm::list_directory_files(root);
        }
        catch (const geopm::Exception &) {
        }
        const int num_package = m_topo.num_domain(GEOPM_DOMAIN_PACKAGE);
        // Top-level zones first ("intel-rapl:0"), then their subzones.
        std::map<std::string, int> package_of_zone;
        for (const auto &entry : entries) {
            std::string dir = root + '/' + entry;
            int package = trailing_number(read_name(dir + "/name"), "package-");
            if (trailing_number(entry, ZONE_PREFIX) >= 0 && package >= 0 && package < num_package) {
                zone_s zone {dir, "", -1, -1};
                for (int num = 0; ; ++num) {
                    std::string kind = read_name(dir + "/constraint_" + std::to_string(num) + "_name");
                    if (kind.empty()) {
                        break;
                    }
                    if (kind == "long_term") {
                        zone.long_term = num;
                    }
                    else if (kind == "short_term") {
                        zone.short_term = num;
                    }
                }
                m_zone[package] = zone;
                package_of_zone[entry] = package;
            }
        }
        for (const auto &entry : entries) {
            size_t last_colon = entry.rfind(':');
            auto parent = package_of_zone.find(entry.substr(0, last_colon));
            if (parent != package_of_zone.end() &&
                read_name(root + '/' + entry + "/name") == "dram") {
                m_zone[parent->second].dram_dir = root + '/' + entry;
            }
        }
        if (m_zone.empty()) {
            throw geopm::Exception("POWERCAP IOGroup: no RAPL package zone in " + root,
                                   GEOPM_ERROR_PLATFORM_UNSUPPORTED, __FILE__, __LINE__);
        }

        struct {
            int id;
            const char *alias;
            m_units_e units;
            std::function<double(const std::vector<double> &)> agg;
            m_signal_behavior_e behavior;
            bool is_control;
            const char *description;
        } quantities[] = {
            {M_CPU_ENERGY, "CPU_ENERGY", M_UNITS_JOULES, geopm::Agg::sum,
             M_SIGNAL_BEHAVIOR_MONOTONE, false, "Energy used by the package since an arbitrary origin"},
            {M_CPU_POWER, "CPU_POWER", M_UNITS_WATTS, geopm::Agg::sum,
             M_SIGNAL_BEHAVIOR_VARIABLE, false, "Average package power since the previous batch read"},
            {M_CPU_POWER_LIMIT, "CPU_POWER_LIMIT_CONTROL", M_UNITS_WATTS, geopm::Agg::sum,
             M_SIGNAL_BEHAVIOR_VARIABLE, true, "Package power limit averaged over the time window"},
            {M_CPU_POWER_TIME_WINDOW, "CPU_POWER_TIME_WINDOW_CONTROL", M_UNITS_SECONDS,
             geopm::Agg::expect_same, M_SIGNAL_BEHAVIOR_VARIABLE, true,
             "Time window over which the package power limit is enforced"},
            {M_CPU_POWER_LIMIT_DEFAULT, "CPU_POWER_LIMIT_DEFAULT", M_UNITS_WATTS, geopm::Agg::sum,
             M_SIGNAL_BEHAVIOR_CONSTANT, false, "Thermal design power (TDP) of the package"},
            {M_CPU_POWER_MIN_AVAIL, "CPU_POWER_MIN_AVAIL", M_UNITS_WATTS, geopm::Agg::sum,
             M_SIGNAL_BEHAVIOR_CONSTANT, false, "Lowest package power limit that can be set"},
            {M_CPU_POWER_MAX_AVAIL, "CPU_POWER_MAX_AVAIL", M_UNITS_WATTS, geopm::Agg::sum,
             M_SIGNAL_BEHAVIOR_CONSTANT, false, "Highest package power limit that can be set"},
            {M_DRAM_ENERGY, "DRAM_ENERGY", M_UNITS_JOULES, geopm::Agg::sum,
             M_SIGNAL_BEHAVIOR_MONOTONE, false, "Energy used by the package's DRAM since an arbitrary origin"},
            {M_DRAM_POWER, "DRAM_POWER", M_UNITS_WATTS, geopm::Agg::sum,
             M_SIGNAL_BEHAVIOR_VARIABLE, false, "Average DRAM power since the previous batch read"},
        };
        const int first_package = m_zone.begin()->first;
        for (const auto &qty : quantities) {
            // A power is offered where its energy is.
            std::string file = path(energy_of(qty.id), first_package);
            if (file.empty() || !is_readable_number(file)) {
                continue;
            }
            std::string low_name = plugin_name() + "::" + qty.alias;
            if (qty.is_control) {
                low_name.erase(low_name.size() - std::string("_CONTROL").size());
            }
            info_s info {qty.id, GEOPM_DOMAIN_PACKAGE, qty.units, qty.agg, qty.behavior,
                         std::string(qty.description) + " (powercap " + file.substr(root.size() + 1) + ")"};
            if (qty.is_control) {
                add_control(low_name, info);
            }
            else {
                add_signal(low_name, info);
            }
            add_alias(qty.alias, low_name);
        }
    }

    std::string PowercapIOGroup::plugin_name(void)
    {
        return "POWERCAP";
    }

    std::unique_ptr<geopm::IOGroup> PowercapIOGroup::make_plugin(void)
    {
        return std::make_unique<PowercapIOGroup>();
    }

    // The file behind a quantity, "" when this zone lacks it.
    std::string PowercapIOGroup::path(int id, int domain_idx) const
    {
        auto it = m_zone.find(domain_idx);
        if (it == m_zone.end()) {
            throw geopm::Exception("POWERCAP IOGroup: no RAPL zone for package " +
                                   std::to_string(domain_idx),
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        const zone_s &zone = it->second;
        auto constraint = [](int num, const char *file) {
            return num < 0 ? std::string() : "/constraint_" + std::to_string(num) + file;
        };
        std::string suffix;
        std::string dir = zone.package_dir;
        switch (id) {
            case M_CPU_ENERGY:
                suffix = "/energy_uj";
                break;
            case M_CPU_POWER_LIMIT:
                suffix = constraint(zone.long_term, "_power_limit_uw");
                break;
            case M_CPU_POWER_TIME_WINDOW:
                suffix = constraint(zone.long_term, "_time_window_us");
                break;
            case M_CPU_POWER_LIMIT_DEFAULT:
                suffix = constraint(zone.long_term, "_max_power_uw");
                break;
            case M_CPU_POWER_MIN_AVAIL:
                suffix = constraint(zone.long_term, "_min_power_uw");
                break;
            case M_CPU_POWER_MAX_AVAIL:
                suffix = constraint(zone.short_term, "_max_power_uw");
                break;
            case M_DRAM_ENERGY:
                dir = zone.dram_dir;
                suffix = "/energy_uj";
                break;
        }
        return dir.empty() || suffix.empty() ? "" : dir + suffix;
    }

    double PowercapIOGroup::energy(int id, int domain_idx)
    {
        std::string file = path(id, domain_idx);
        double raw = read_host_number(file);
        auto key = std::make_pair(id, domain_idx);
        auto it = m_counter.find(key);
        if (it == m_counter.end()) {
            std::string range_file = file.substr(0, file.rfind('/')) + "/max_energy_range_uj";
            double range = is_readable_number(range_file) ? read_host_number(range_file) : NAN;
            it = m_counter.emplace(key, counter_s {range, raw, 0.0}).first;
        }
        counter_s &counter = it->second;
        if (raw < counter.last_uj && !std::isnan(counter.range_uj)) {
            // The hardware counter wrapped since the last reading.
            counter.offset_uj += counter.range_uj + 1;
        }
        counter.last_uj = raw;
        return 1e-6 * (raw + counter.offset_uj);
    }

    double PowercapIOGroup::read_value(int id, int domain_idx)
    {
        if (id == M_CPU_POWER || id == M_DRAM_POWER) {
            rate_s now {true, {}, energy(energy_of(id), domain_idx)};
            geopm_time(&now.time);
            rate_s &prev = m_rate[std::make_pair(id, domain_idx)];
            double result = NAN;
            if (prev.is_valid) {
                double elapsed = geopm_time_diff(&prev.time, &now.time);
                if (elapsed > 0) {
                    result = (now.energy - prev.energy) / elapsed;
                }
            }
            prev = now;
            return result;
        }
        if (id == M_CPU_ENERGY || id == M_DRAM_ENERGY) {
            return energy(id, domain_idx);
        }
        // Every other file holds micro-watts or micro-seconds.
        return 1e-6 * read_host_number(path(id, domain_idx));
    }

    double PowercapIOGroup::read_value_now(int id, int domain_idx)
    {
        if (id != M_CPU_POWER && id != M_DRAM_POWER) {
            return read_value(id, domain_idx);
        }
        geopm_time_s begin;
        geopm_time(&begin);
        double first = energy(energy_of(id), domain_idx);
        usleep(RATE_SLEEP * 1e6);
        geopm_time_s end;
        geopm_time(&end);
        return (energy(energy_of(id), domain_idx) - first) / geopm_time_diff(&begin, &end);
    }

    void PowercapIOGroup::write_value(int id, int domain_idx, double setting)
    {
        if (!std::isfinite(setting) || setting < 0) {
            throw geopm::Exception("POWERCAP IOGroup: cannot write " + std::to_string(setting) +
                                   " to a power limit or time window",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        geopm::write_file(path(id, domain_idx), std::to_string(std::llround(setting * 1e6)));
    }
}
