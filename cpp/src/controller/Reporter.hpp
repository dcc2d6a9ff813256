/*
 * The job report (GEOPM_REPORT): YAML in GEOPM's layout, readable by
 * geopmpy.io.RawReport. Each node's Reporter accumulates its platform
 * totals after every read_batch() and produces its host section once, at
 * the end of the run; the node hosting the root writes the file.
 */
#ifndef GEOPM_BRIDGE_REPORTER_HPP_INCLUDE
#define GEOPM_BRIDGE_REPORTER_HPP_INCLUDE

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "geopm_hint.h"
#include "geopm_time.h"

#include "SignalRequest.hpp"

namespace geopm
{
    class PlatformIO;
    class PlatformTopo;
}

namespace geopm_bridge
{
    class ProfileSource;

    using report_pairs_t = std::vector<std::pair<std::string, std::string> >;
    using report_region_t = std::map<uint64_t, report_pairs_t>;

    /// The report's header: everything above "Hosts:".
    struct ReportHeader
    {
        std::string start_time;
        std::string profile;
        std::string agent;
        std::string policy;          // one-line JSON, or DYNAMIC
        std::string status;          // empty for a run that ended normally
        report_pairs_t agent_header; // the root agent's report_header()
    };

    /// What one host's section says beside the Reporter's totals.
    struct ReportHost
    {
        std::string hostname;
        report_pairs_t agent_host;
        report_region_t agent_region;
        double runtime = 0.0;        // application start to loop end (s)
        double startup = 0.0;        // job start to the first sample (s)
        double overhead = 0.0;       // controller time outside the agent's wait() (s)
        double network_bytes = 0.0;  // bytes the node sent through the tree
    };

    /// Throws geopm::Exception when path cannot be written, so that a bad
    /// path fails before the run; leaves no file behind (as GEOPM).
    void probe_report_path(const std::string &path);

    /// Write the report: the header, then the host sections (from
    /// Reporter::host_text()) in the given order. Throws on a write error.
    void write_report(const std::string &path, const ReportHeader &header,
                      const std::vector<std::string> &host_texts);

    class Reporter
    {
        public:
            /// Pushes the signals it accumulates (call before the first
            /// read_batch()).
            Reporter(geopm::PlatformIO &platform_io,
                     const geopm::PlatformTopo &platform_topo,
                     const std::vector<SignalRequest> &signals);
            /// Accumulate the values of the last read_batch(), and the
            /// application's regions and epochs as of profile's last
            /// update (null: the application is not profiled).
            void update(const ProfileSource *profile = nullptr);
            /// The run's CPU_ENERGY and GPU_ENERGY totals so far (J), the
            /// report's package-energy and gpu-energy; NaN when the
            /// platform has no such signal.
            void energy(double &cpu, double &gpu) const;
            /// The host's section of the report, "Hosts:" entry included.
            std::string host_text(const ReportHost &host) const;
        private:
            /// What a report section sums: the run, one region, the epochs.
            struct Totals
            {
                double sync_runtime = 0.0;
                double energy = 0.0;
                double dram_energy = 0.0;
                double cycles_thread = 0.0;
                double cycles_reference = 0.0;
                double frequency_weighted = 0.0;  // CPU_FREQUENCY_STATUS * s
                double frequency_weight = 0.0;
                double hint_time[GEOPM_NUM_REGION_HINT] = {};
                // The conditional fields, then the GEOPM_REPORT_SIGNALS, in
                // order: a monotone signal's
                // increase (sum), a variable one's value * s (sum) and s
                // (weight); empty until a period gave them.
                std::vector<double> signal_sum;
                std::vector<double> signal_weight;
                /// Adds scale times other's sums.
                void add(const Totals &other, double scale);
            };
            /// One marked region on this node.
            struct RegionAccount
            {
                std::string name;
                uint64_t hint = 0;
                double runtime = 0.0;    // per process, averaged (s), as GEOPM
                double count = 0.0;      // entries per process, averaged
                double hint_time[GEOPM_NUM_REGION_HINT] = {};  // runtime by hint, averaged
                double seen_time = 0.0;  // every process's time in it, last update (s)
                Totals totals;
            };
            /// Period values shared out to the regions by their time in it.
            struct PeriodDelta
            {
                double delta;
                double energy;
                double dram_energy;
                double cycles_thread;
                double cycles_reference;
                double frequency;
            };
            void update_profile(const ProfileSource &profile, const PeriodDelta &period);
            /// The share of the period's values (and of the report
            /// signals' in m_signal_change) that goes to totals.
            void add_share(Totals &totals, const PeriodDelta &period, double share) const;
            Totals run_totals(void) const;
            report_pairs_t section_data(const Totals &totals) const;
            // What update() touches, without the label (kept apart in
            // m_label, same order: cache lines matter with thousands of
            // simulated nodes).
            struct Tracked
            {
                int signal_idx;
                int behavior;
                double last;        // last finite value
                double total;       // monotone: sum of increments
                double weighted;    // variable: sum of value * dt
                double weight;      // variable: sum of dt
            };
            int track(const std::string &label, const std::string &name,
                      int domain_type, int domain_idx);
            double value(int tracked_idx) const;
            report_pairs_t region_data(void) const;

            geopm::PlatformIO &m_platform_io;
            std::vector<Tracked> m_tracked;
            std::vector<std::string> m_label;
            int m_energy_idx;
            int m_dram_energy_idx;
            int m_gpu_energy_idx;
            int m_cycles_thread_idx;
            int m_cycles_reference_idx;
            int m_frequency_idx;
            // m_tracked entries before the conditional fields (GPU) and
            // the user's signals, which are summed alike.
            size_t m_num_builtin;
            // Those in the last period: a monotone signal's
            // increase, a variable one's value (NaN: none).
            std::vector<double> m_signal_change;
            double m_sticker_frequency;
            bool m_is_started;
            geopm_time_s m_last_time;
            double m_sync_runtime;
            /// The application's marked regions, by hash, and its epochs.
            struct AppTotals
            {
                std::map<uint64_t, RegionAccount> region;
                // Per process, averaged: its time by hint since its first
                // call (the run's time-hint fields).
                double hint_time[GEOPM_NUM_REGION_HINT] = {};
                uint64_t epoch_count = 0;
                int64_t first_epoch_ns = 0;
                Totals epoch;
            };
            // Made at the first update with a profiled application: apart,
            // so that the Reporter of an unprofiled node stays small (with
            // thousands of simulated nodes, cache lines matter).
            std::unique_ptr<AppTotals> m_app;
    };
}

#endif
