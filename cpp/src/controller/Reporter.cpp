#include "Reporter.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/IOGroup.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_hash.h"
#include "geopm_topo.h"
#include "geopm_version.h"

#include "core/Json.hpp"
#include "Format.hpp"

namespace geopm_bridge
{
    namespace
    {
        // GEOPM's per-hint time fields. The application is not
        // instrumented, so no time is ever attributed to a hint.
        const char *const M_HINT_FIELDS[] = {
            "time-hint-network (s)", "time-hint-ignore (s)", "time-hint-compute (s)",
            "time-hint-memory (s)", "time-hint-io (s)", "time-hint-serial (s)",
            "time-hint-parallel (s)", "time-hint-unknown (s)", "time-hint-unset (s)",
            "time-hint-spin (s)",
        };

        double ratio(double numerator, double denominator)
        {
            // GEOPM reports 0 rather than dividing by zero.
            return denominator == 0.0 ? 0.0 : numerator / denominator;
        }

        // Peak resident memory of this process in bytes (VmHWM, in kB).
        double max_memory(void)
        {
            std::ifstream status("/proc/self/status");
            std::string line;
            while (std::getline(status, line)) {
                if (line.compare(0, 6, "VmHWM:") == 0) {
                    return std::strtod(line.c_str() + 6, nullptr) * 1024.0;
                }
            }
            return NAN;
        }

        void write_pairs(std::string &out, const std::string &indent, const report_pairs_t &pairs)
        {
            for (const auto &kv : pairs) {
                out += indent + kv.first + ": " + kv.second + "\n";
            }
        }
    }

    void probe_report_path(const std::string &path)
    {
        bool is_new = access(path.c_str(), F_OK) != 0;
        FILE *probe = fopen(path.c_str(), "a");
        if (probe == nullptr) {
            throw geopm::Exception("cannot open the report file \"" + path + "\": " + strerror(errno),
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        fclose(probe);
        if (is_new) {
            (void)unlink(path.c_str());
        }
    }

    Reporter::Reporter(geopm::PlatformIO &platform_io,
                       const geopm::PlatformTopo &platform_topo,
                       const std::vector<SignalRequest> &signals)
        : m_platform_io(platform_io)
        , m_energy_idx(-1)
        , m_dram_energy_idx(-1)
        , m_cycles_thread_idx(-1)
        , m_cycles_reference_idx(-1)
        , m_frequency_idx(-1)
        , m_num_builtin(0)
        , m_sticker_frequency(NAN)
        , m_is_started(false)
        , m_last_time{}
        , m_sync_runtime(0.0)
    {
        auto names = platform_io.signal_names();
        auto board_signal = [&](const char *name) {
            return names.count(name) ? track(name, name, GEOPM_DOMAIN_BOARD, 0) : -1;
        };
        m_energy_idx = board_signal("CPU_ENERGY");
        m_dram_energy_idx = board_signal("DRAM_ENERGY");
        m_cycles_thread_idx = board_signal("CPU_CYCLES_THREAD");
        m_cycles_reference_idx = board_signal("CPU_CYCLES_REFERENCE");
        m_frequency_idx = board_signal("CPU_FREQUENCY_STATUS");
        m_num_builtin = m_tracked.size();
        for (const char *sticker : {"CPUINFO::FREQ_STICKER", "CPU_FREQUENCY_STICKER"}) {
            if (std::isnan(m_sticker_frequency) && names.count(sticker) != 0) {
                m_sticker_frequency = platform_io.read_signal(sticker, GEOPM_DOMAIN_BOARD, 0);
            }
        }
        for (const auto &signal : signals) {
            if (signal.domain_type == GEOPM_DOMAIN_BOARD) {
                track(signal.name, signal.name, GEOPM_DOMAIN_BOARD, 0);
                continue;
            }
            std::string domain = geopm::PlatformTopo::domain_type_to_name(signal.domain_type);
            int num_domain = platform_topo.num_domain(signal.domain_type);
            for (int idx = 0; idx < num_domain; ++idx) {
                track(signal.name + "@" + domain + "-" + std::to_string(idx),
                      signal.name, signal.domain_type, idx);
            }
        }
    }

    int Reporter::track(const std::string &label, const std::string &name,
                        int domain_type, int domain_idx)
    {
        m_tracked.push_back({m_platform_io.push_signal(name, domain_type, domain_idx),
                             m_platform_io.signal_behavior(name), NAN, 0.0, 0.0, 0.0});
        m_label.push_back(label);
        return (int)m_tracked.size() - 1;
    }

    void Reporter::update(void)
    {
        geopm_time_s now;
        geopm_time(&now);
        double delta = m_is_started ? geopm_time_diff(&m_last_time, &now) : 0.0;
        m_last_time = now;
        m_is_started = true;
        m_sync_runtime += delta;
        for (auto &tracked : m_tracked) {
            double sample = m_platform_io.sample(tracked.signal_idx);
            if (std::isnan(sample)) {
                continue;
            }
            if (tracked.behavior == geopm::IOGroup::M_SIGNAL_BEHAVIOR_MONOTONE) {
                if (!std::isnan(tracked.last)) {
                    tracked.total += sample - tracked.last;
                }
            }
            else if (tracked.behavior == geopm::IOGroup::M_SIGNAL_BEHAVIOR_VARIABLE) {
                tracked.weighted += sample * delta;
                tracked.weight += delta;
            }
            tracked.last = sample;
        }
    }

    double Reporter::value(int tracked_idx) const
    {
        if (tracked_idx < 0) {
            return NAN;
        }
        const Tracked &tracked = m_tracked[tracked_idx];
        switch (tracked.behavior) {
            case geopm::IOGroup::M_SIGNAL_BEHAVIOR_MONOTONE:
                return tracked.total;
            case geopm::IOGroup::M_SIGNAL_BEHAVIOR_VARIABLE:
                return tracked.weight > 0.0 ? tracked.weighted / tracked.weight : NAN;
            default:
                // Constant and label signals have no total: report the value.
                return tracked.last;
        }
    }

    report_pairs_t Reporter::region_data(void) const
    {
        double sync_runtime = m_sync_runtime;
        double energy = value(m_energy_idx);
        double dram_energy = value(m_dram_energy_idx);
        double frequency_pct = NAN;
        double frequency_hz = NAN;
        if (m_cycles_thread_idx >= 0 && m_cycles_reference_idx >= 0) {
            double cycle_ratio = ratio(value(m_cycles_thread_idx), value(m_cycles_reference_idx));
            frequency_pct = 100.0 * cycle_ratio;
            frequency_hz = m_sticker_frequency * cycle_ratio;
        }
        else if (m_frequency_idx >= 0) {
            // No cycle counters: the time-weighted mean frequency instead.
            frequency_hz = value(m_frequency_idx);
            frequency_pct = 100.0 * ratio(frequency_hz, m_sticker_frequency);
        }
        std::vector<std::pair<std::string, double> > data = {
            {"sync-runtime (s)", sync_runtime},
            {"package-energy (J)", energy},
            {"dram-energy (J)", dram_energy},
            {"power (W)", std::isnan(energy) ? NAN : ratio(energy, sync_runtime)},
            {"frequency (%)", frequency_pct},
            {"frequency (Hz)", frequency_hz},
        };
        for (const char *field : M_HINT_FIELDS) {
            data.emplace_back(field, 0.0);
        }
        for (size_t idx = m_num_builtin; idx < m_tracked.size(); ++idx) {
            data.emplace_back(m_label[idx], value(idx));
        }
        report_pairs_t result;
        for (const auto &kv : data) {
            result.emplace_back(kv.first, format_number(kv.second));
        }
        return result;
    }

    std::string Reporter::host_text(const ReportHost &host) const
    {
        std::string out = "  " + host.hostname + ":\n";
        write_pairs(out, "    ", host.agent_host);

        // Agent entries for regions other than the whole-run ones. The
        // application marks no regions, so these are named by their hash.
        // "Regions:" is left out when empty, as GEOPM does: an empty key
        // would read back as null.
        std::string regions;
        for (const auto &region : host.agent_region) {
            uint64_t hash = region.first;
            if (hash == GEOPM_REGION_HASH_UNMARKED || hash == GEOPM_REGION_HASH_EPOCH ||
                hash == GEOPM_REGION_HASH_APP) {
                continue;
            }
            std::string hex = geopm::string_format_hex((double)hash);
            regions += "    -\n";
            write_pairs(regions, "      ", {{"region", "\"" + hex + "\""}, {"hash", hex}});
            write_pairs(regions, "      ", region.second);
        }
        if (!regions.empty()) {
            out += "    Regions:\n" + regions;
        }
        report_pairs_t totals = region_data();
        // All of the run is outside any marked region.
        out += "    Unmarked Totals:\n";
        write_pairs(out, "      ", {{"runtime (s)", format_number(host.runtime)}, {"count", "0"}});
        write_pairs(out, "      ", totals);
        auto unmarked = host.agent_region.find(GEOPM_REGION_HASH_UNMARKED);
        if (unmarked != host.agent_region.end()) {
            write_pairs(out, "      ", unmarked->second);
        }
        // No epoch is ever counted: nothing accumulates there.
        out += "    Epoch Totals:\n";
        write_pairs(out, "      ", {{"runtime (s)", "0"}, {"count", "0"}});
        for (const auto &kv : totals) {
            out += "      " + kv.first + ": 0\n";
        }
        out += "    Application Totals:\n";
        write_pairs(out, "      ", {{"runtime (s)", format_number(host.runtime)}, {"count", "0"}});
        write_pairs(out, "      ", totals);
        write_pairs(out, "      ", {
            {"GEOPM startup (s)", format_number(host.startup)},
            {"GEOPM overhead (s)", format_number(host.overhead)},
            {"geopmctl memory HWM (B)", format_number(max_memory())},
            {"geopmctl network BW (B/s)", format_number(ratio(host.network_bytes, host.runtime))},
        });
        return out;
    }

    void write_report(const std::string &path, const ReportHeader &header,
                      const std::vector<std::string> &host_texts)
    {
        std::string out;
        write_pairs(out, "", {
            {"GEOPM Version", geopm_version()},
            {"Start Time", header.start_time},
            {"Profile", header.profile},
            {"Agent", header.agent},
            {"Policy", header.policy},
        });
        if (!header.status.empty()) {
            write_pairs(out, "", {{"Run Status", JsonValue::quote(header.status)}});
        }
        write_pairs(out, "", header.agent_header);
        out += "\nHosts:\n";
        for (const auto &text : host_texts) {
            out += text;
        }
        out += "\n";

        FILE *file = fopen(path.c_str(), "w");
        bool is_ok = file != nullptr && fwrite(out.data(), 1, out.size(), file) == out.size();
        is_ok = file != nullptr && fclose(file) == 0 && is_ok;
        if (!is_ok) {
            throw geopm::Exception("cannot write the report file \"" + path + "\": " + strerror(errno),
                                   GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
    }
}
