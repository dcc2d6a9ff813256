#include "Reporter.hpp"

#include <unistd.h>

#include <algorithm>
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

#include "profile/ProfileSource.hpp"
#include "Format.hpp"

namespace geopm_bridge
{
    namespace
    {
        // The hints of GEOPM's time-hint report fields, in its order.
        const int M_HINT_FIELDS[] = {
            GEOPM_REGION_HINT_NETWORK, GEOPM_REGION_HINT_IGNORE, GEOPM_REGION_HINT_COMPUTE,
            GEOPM_REGION_HINT_MEMORY, GEOPM_REGION_HINT_IO, GEOPM_REGION_HINT_SERIAL,
            GEOPM_REGION_HINT_PARALLEL, GEOPM_REGION_HINT_UNKNOWN, GEOPM_REGION_HINT_UNSET,
            GEOPM_REGION_HINT_SPIN,
        };

        std::string hint_field(int hint)
        {
            std::string name = profile_hint_name(hint);
            std::transform(name.begin(), name.end(), name.begin(), ::tolower);
            return "time-hint-" + name + " (s)";
        }

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

        /// Each pair as a YAML "key: value" line: names and values agents
        /// chose are quoted where they would break the report.
        void write_pairs(std::string &out, const std::string &indent, const report_pairs_t &pairs)
        {
            for (const auto &kv : pairs) {
                std::string key = yaml_text(kv.first);
                if (key.size() > M_YAML_MAX_IMPLICIT_KEY) {
                    out += indent + "? " + key + "\n" + indent + ": " + yaml_value(kv.second) + "\n";
                }
                else {
                    out += indent + key + ": " + yaml_value(kv.second) + "\n";
                }
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
        , m_gpu_energy_idx(-1)
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
        // GEOPM's conditional fields, after the time-hint fields, only when
        // the platform has the signal: from here on a field is summed as
        // the user's signals are (a monotone signal's increase, a variable
        // one's time-weighted mean over the section), as GEOPM's
        // sample_region() does.
        const std::pair<const char *, const char *> conditional[] = {
            {"gpu-energy (J)", "GPU_ENERGY"},
            {"gpu-power (W)", "GPU_POWER"},
            {"gpu-frequency (Hz)", "GPU_CORE_FREQUENCY_STATUS"},
        };
        for (const auto &field : conditional) {
            if (names.count(field.second) != 0) {
                int idx = track(field.first, field.second, GEOPM_DOMAIN_BOARD, 0);
                if (std::string(field.second) == "GPU_ENERGY") {
                    m_gpu_energy_idx = idx;
                }
            }
        }
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

    void Reporter::update(const ProfileSource *profile)
    {
        geopm_time_s now;
        geopm_time(&now);
        double delta = m_is_started ? geopm_time_diff(&m_last_time, &now) : 0.0;
        m_last_time = now;
        m_is_started = true;
        m_sync_runtime += delta;
        auto total_of = [this](int idx) { return idx < 0 ? NAN : m_tracked[idx].total; };
        PeriodDelta period {delta, NAN, NAN, NAN, NAN, NAN};
        if (profile != nullptr) {
            period = {delta, total_of(m_energy_idx), total_of(m_dram_energy_idx),
                      total_of(m_cycles_thread_idx), total_of(m_cycles_reference_idx), NAN};
        }
        m_signal_change.assign(m_tracked.size() - m_num_builtin, NAN);
        for (size_t idx = 0; idx < m_tracked.size(); ++idx) {
            Tracked &tracked = m_tracked[idx];
            double sample = m_platform_io.sample(tracked.signal_idx);
            if (std::isnan(sample)) {
                continue;
            }
            double change = NAN;
            if (tracked.behavior == geopm::IOGroup::M_SIGNAL_BEHAVIOR_MONOTONE) {
                if (!std::isnan(tracked.last)) {
                    change = sample - tracked.last;
                    tracked.total += change;
                }
            }
            else if (tracked.behavior == geopm::IOGroup::M_SIGNAL_BEHAVIOR_VARIABLE) {
                change = sample;
                tracked.weighted += sample * delta;
                tracked.weight += delta;
            }
            tracked.last = sample;
            if (idx >= m_num_builtin) {
                m_signal_change[idx - m_num_builtin] = change;
            }
        }
        if (profile != nullptr) {
            period.energy = total_of(m_energy_idx) - period.energy;
            period.dram_energy = total_of(m_dram_energy_idx) - period.dram_energy;
            period.cycles_thread = total_of(m_cycles_thread_idx) - period.cycles_thread;
            period.cycles_reference = total_of(m_cycles_reference_idx) - period.cycles_reference;
            period.frequency = m_frequency_idx < 0 ? NAN : m_tracked[m_frequency_idx].last;
            update_profile(*profile, period);
        }
    }

    void Reporter::Totals::add(const Totals &other, double scale)
    {
        sync_runtime += scale * other.sync_runtime;
        energy += scale * other.energy;
        dram_energy += scale * other.dram_energy;
        cycles_thread += scale * other.cycles_thread;
        cycles_reference += scale * other.cycles_reference;
        frequency_weighted += scale * other.frequency_weighted;
        frequency_weight += scale * other.frequency_weight;
        for (int hint = 0; hint < GEOPM_NUM_REGION_HINT; ++hint) {
            hint_time[hint] += scale * other.hint_time[hint];
        }
        signal_sum.resize(std::max(signal_sum.size(), other.signal_sum.size()), 0.0);
        signal_weight.resize(signal_sum.size(), 0.0);
        for (size_t idx = 0; idx < other.signal_sum.size(); ++idx) {
            signal_sum[idx] += scale * other.signal_sum[idx];
            signal_weight[idx] += scale * other.signal_weight[idx];
        }
    }

    void Reporter::add_share(Totals &totals, const PeriodDelta &period, double share) const
    {
        totals.signal_sum.resize(m_signal_change.size(), 0.0);
        totals.signal_weight.resize(m_signal_change.size(), 0.0);
        for (size_t idx = 0; idx < m_signal_change.size(); ++idx) {
            double change = m_signal_change[idx];
            if (std::isnan(change)) {
                continue;
            }
            if (m_tracked[m_num_builtin + idx].behavior == geopm::IOGroup::M_SIGNAL_BEHAVIOR_MONOTONE) {
                totals.signal_sum[idx] += share * change;
            }
            else {
                totals.signal_sum[idx] += share * change * period.delta;
                totals.signal_weight[idx] += share * period.delta;
            }
        }
        totals.sync_runtime += share * period.delta;
        totals.energy += share * period.energy;
        totals.dram_energy += share * period.dram_energy;
        totals.cycles_thread += share * period.cycles_thread;
        totals.cycles_reference += share * period.cycles_reference;
        if (!std::isnan(period.frequency)) {
            totals.frequency_weighted += period.frequency * share * period.delta;
            totals.frequency_weight += share * period.delta;
        }
    }

    void Reporter::update_profile(const ProfileSource &profile, const PeriodDelta &period)
    {
        if (!m_app) {
            m_app = std::make_unique<AppTotals>();
        }
        int64_t now = profile_now_ns();
        int num_running = 0;
        int num_process = 0;
        bool has_epoch = false;
        uint64_t epoch_count = 0;
        int64_t first_epoch_ns = 0;
        // Per region, summed over the processes.
        struct RegionSum
        {
            double runtime = 0.0;
            double count = 0.0;
            double hint_time[GEOPM_NUM_REGION_HINT] = {};
        };
        std::map<uint64_t, RegionSum> sum;
        double hint_time[GEOPM_NUM_REGION_HINT] = {};
        for (const auto &process : profile.processes()) {
            if (!process.has_data) {
                continue;
            }
            ++num_process;
            num_running += process.is_running;
            const ProfileSnapshot &snap = process.snapshot;
            for (const auto &region : snap.regions) {
                RegionAccount &account = m_app->region[region.hash];
                if (account.name.empty()) {
                    account.name = region.name;
                    account.hint = region.hint;
                }
                RegionSum &region_sum = sum[region.hash];
                region_sum.runtime += region.total_ns * 1e-9;
                region_sum.count += region.count;
                for (int hint = 0; hint < GEOPM_NUM_REGION_HINT; ++hint) {
                    region_sum.hint_time[hint] += region.hint_time[hint];
                }
            }
            for (int hint = 0; hint < GEOPM_NUM_REGION_HINT; ++hint) {
                hint_time[hint] += snap.hint_time[hint];
            }
            if (ProfileSource::counts_epochs(process)) {
                epoch_count = has_epoch ? std::min(epoch_count, snap.epoch_count) : snap.epoch_count;
                first_epoch_ns = has_epoch ? std::min(first_epoch_ns, snap.first_epoch_ns)
                                           : snap.first_epoch_ns;
                has_epoch = true;
            }
        }
        // GEOPM's runtime, count and time by hint of a region: per
        // process, averaged over the node's profiled processes.
        for (const auto &kv : sum) {
            RegionAccount &account = m_app->region[kv.first];
            account.runtime = kv.second.runtime / num_process;
            account.count = kv.second.count / num_process;
            for (int hint = 0; hint < GEOPM_NUM_REGION_HINT; ++hint) {
                account.hint_time[hint] = kv.second.hint_time[hint] / num_process;
            }
        }
        for (int hint = 0; hint < GEOPM_NUM_REGION_HINT && num_process > 0; ++hint) {
            m_app->hint_time[hint] = hint_time[hint] / num_process;
        }
        // Each region takes the period's energy in proportion to the time
        // the processes spent in it during the period.
        double capacity = period.delta * std::max(1, num_running);
        for (const auto &kv : sum) {
            RegionAccount &account = m_app->region[kv.first];
            double spent = kv.second.runtime - account.seen_time;
            account.seen_time = kv.second.runtime;
            if (capacity > 0.0 && spent > 0.0) {
                add_share(account.totals, period, std::min(1.0, spent / capacity));
            }
        }
        if (has_epoch) {
            double share = 1.0;
            if (m_app->epoch_count == 0) {
                // The period the first epoch began in: the part after it.
                m_app->first_epoch_ns = first_epoch_ns;
                share = period.delta > 0.0 ? std::clamp((now - first_epoch_ns) * 1e-9 / period.delta, 0.0, 1.0)
                                           : 0.0;
            }
            add_share(m_app->epoch, period, share);
            m_app->epoch_count = epoch_count;
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

    void Reporter::energy(double &cpu, double &gpu) const
    {
        cpu = value(m_energy_idx);
        gpu = value(m_gpu_energy_idx);
    }

    Reporter::Totals Reporter::run_totals(void) const
    {
        Totals result;
        result.sync_runtime = m_sync_runtime;
        result.energy = value(m_energy_idx);
        result.dram_energy = value(m_dram_energy_idx);
        result.cycles_thread = value(m_cycles_thread_idx);
        result.cycles_reference = value(m_cycles_reference_idx);
        if (m_frequency_idx >= 0 && m_tracked[m_frequency_idx].weight > 0.0) {
            result.frequency_weighted = m_tracked[m_frequency_idx].weighted;
            result.frequency_weight = m_tracked[m_frequency_idx].weight;
        }
        if (m_app) {
            std::copy(std::begin(m_app->hint_time), std::end(m_app->hint_time),
                      std::begin(result.hint_time));
        }
        for (size_t idx = m_num_builtin; idx < m_tracked.size(); ++idx) {
            const Tracked &tracked = m_tracked[idx];
            bool is_monotone = tracked.behavior == geopm::IOGroup::M_SIGNAL_BEHAVIOR_MONOTONE;
            result.signal_sum.push_back(is_monotone ? tracked.total : tracked.weighted);
            result.signal_weight.push_back(is_monotone ? 0.0 : tracked.weight);
        }
        return result;
    }

    report_pairs_t Reporter::section_data(const Totals &totals) const
    {
        double frequency_pct = NAN;
        double frequency_hz = NAN;
        if (m_cycles_thread_idx >= 0 && m_cycles_reference_idx >= 0) {
            double cycle_ratio = ratio(totals.cycles_thread, totals.cycles_reference);
            frequency_pct = 100.0 * cycle_ratio;
            frequency_hz = m_sticker_frequency * cycle_ratio;
        }
        else if (m_frequency_idx >= 0) {
            // No cycle counters: the time-weighted mean frequency instead.
            frequency_hz = totals.frequency_weight > 0.0
                               ? totals.frequency_weighted / totals.frequency_weight : NAN;
            frequency_pct = 100.0 * ratio(frequency_hz, m_sticker_frequency);
        }
        std::vector<std::pair<std::string, double> > data = {
            {"sync-runtime (s)", totals.sync_runtime},
            {"package-energy (J)", totals.energy},
            {"dram-energy (J)", totals.dram_energy},
            {"power (W)", std::isnan(totals.energy) ? NAN : ratio(totals.energy, totals.sync_runtime)},
            {"frequency (%)", frequency_pct},
            {"frequency (Hz)", frequency_hz},
        };
        for (const auto &field : M_HINT_FIELDS) {
            data.emplace_back(hint_field(field), totals.hint_time[field]);
        }
        for (size_t idx = m_num_builtin; idx < m_tracked.size(); ++idx) {
            // As for the run (value()), over this section's time only.
            size_t own = idx - m_num_builtin;
            double sum = own < totals.signal_sum.size() ? totals.signal_sum[own] : 0.0;
            double weight = own < totals.signal_weight.size() ? totals.signal_weight[own] : 0.0;
            double result = NAN;
            switch (m_tracked[idx].behavior) {
                case geopm::IOGroup::M_SIGNAL_BEHAVIOR_MONOTONE:
                    result = sum;
                    break;
                case geopm::IOGroup::M_SIGNAL_BEHAVIOR_VARIABLE:
                    result = weight > 0.0 ? sum / weight : NAN;
                    break;
                default:
                    result = m_tracked[idx].last;
            }
            data.emplace_back(m_label[idx], result);
        }
        report_pairs_t result;
        for (const auto &kv : data) {
            result.emplace_back(kv.first, format_number(kv.second));
        }
        return result;
    }

    std::string Reporter::host_text(const ReportHost &host) const
    {
        std::string out = "  " + yaml_text(host.hostname) + ":\n";
        write_pairs(out, "    ", host.agent_host);

        // The application's regions, longest first, then the regions only
        // the agent reported on (named by their hash). "Regions:" is left
        // out when empty, as GEOPM does: an empty key reads back as null.
        auto is_whole_run = [](uint64_t hash) {
            return hash == GEOPM_REGION_HASH_UNMARKED || hash == GEOPM_REGION_HASH_EPOCH ||
                   hash == GEOPM_REGION_HASH_APP;
        };
        static const std::map<uint64_t, RegionAccount> M_NO_REGION;
        const auto &app_region = m_app ? m_app->region : M_NO_REGION;
        std::vector<uint64_t> order;
        for (const auto &kv : app_region) {
            // As GEOPM: a region never completed (only nested, or still
            // running at the end) has no entry; its time is unmarked.
            if (kv.second.count > 0.0) {
                order.push_back(kv.first);
            }
        }
        std::stable_sort(order.begin(), order.end(), [&app_region](uint64_t lhs, uint64_t rhs) {
            return app_region.at(lhs).runtime > app_region.at(rhs).runtime;
        });
        for (const auto &kv : host.agent_region) {
            if (std::find(order.begin(), order.end(), kv.first) == order.end() &&
                !is_whole_run(kv.first)) {
                order.push_back(kv.first);
            }
        }
        std::string regions;
        Totals marked;  // what the regions took of the run
        double marked_runtime = 0.0;
        for (uint64_t hash : order) {
            std::string hex = geopm::string_format_hex((double)hash);
            auto account = app_region.find(hash);
            regions += "    -\n";
            if (account == app_region.end()) {
                write_pairs(regions, "      ", {{"region", "\"" + hex + "\""}, {"hash", hex}});
            }
            else {
                const RegionAccount &region = account->second;
                Totals totals = region.totals;
                std::copy(std::begin(region.hint_time), std::end(region.hint_time),
                          std::begin(totals.hint_time));
                write_pairs(regions, "      ", {
                    {"region", yaml_quote(region.name)},
                    {"hash", hex},
                    {"runtime (s)", format_number(region.runtime)},
                    {"count", format_number(region.count)},
                });
                write_pairs(regions, "      ", section_data(totals));
                marked_runtime += region.runtime;
                marked.add(totals, 1.0);
            }
            auto agent = host.agent_region.find(hash);
            if (agent != host.agent_region.end()) {
                write_pairs(regions, "      ", agent->second);
            }
        }
        if (!regions.empty()) {
            out += "    Regions:\n" + regions;
        }
        Totals run = run_totals();
        // The rest of the run is outside any marked region.
        Totals unmarked;
        unmarked.add(run, 1.0);
        unmarked.add(marked, -1.0);
        unmarked.sync_runtime = std::max(0.0, unmarked.sync_runtime);
        out += "    Unmarked Totals:\n";
        write_pairs(out, "      ", {{"runtime (s)", format_number(std::max(0.0, host.runtime - marked_runtime))},
                                   {"count", "0"}});
        write_pairs(out, "      ", section_data(unmarked));
        auto unmarked_agent = host.agent_region.find(GEOPM_REGION_HASH_UNMARKED);
        if (unmarked_agent != host.agent_region.end()) {
            write_pairs(out, "      ", unmarked_agent->second);
        }
        report_pairs_t totals = section_data(run);
        out += "    Epoch Totals:\n";
        if (!m_app || m_app->epoch_count == 0) {
            // No epoch was marked: nothing accumulates there.
            write_pairs(out, "      ", {{"runtime (s)", "0"}, {"count", "0"}});
            for (const auto &kv : totals) {
                out += "      " + kv.first + ": 0\n";
            }
        }
        else {
            write_pairs(out, "      ", {{"runtime (s)", format_number(m_app->epoch.sync_runtime)},
                                       {"count", std::to_string(m_app->epoch_count)}});
            write_pairs(out, "      ", section_data(m_app->epoch));
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
            {"Profile", yaml_text(header.profile)},
            {"Agent", yaml_text(header.agent)},
            {"Policy", header.policy},
        });
        if (!header.status.empty()) {
            write_pairs(out, "", {{"Run Status", yaml_quote(header.status)}});
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
