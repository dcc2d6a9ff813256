#include "ProfileIOGroup.hpp"

#include <algorithm>
#include <cmath>

#include "geopm/Agg.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_hash.h"
#include "geopm_hint.h"
#include "geopm_topo.h"

#include "geopm_bridge/NodeContext.hpp"
#include "profile/ProfileSource.hpp"

namespace geopm_bridge
{
    ProfileIOGroup::ProfileIOGroup()
        : BasicIOGroup(plugin_name())
        , m_node(current_node())
        , m_value(m_topo.num_domain(GEOPM_DOMAIN_CPU),
                  std::vector<double>(M_NUM_SIGNAL, NAN))
    {
        add_signal("PROFILE::REGION_HASH",
                   {M_REGION_HASH, GEOPM_DOMAIN_CPU, M_UNITS_NONE, geopm::Agg::region_hash,
                    M_SIGNAL_BEHAVIOR_LABEL,
                    "Hash of the outermost region the application is in (geopm_prof_enter())",
                    geopm::string_format_hex});
        add_alias("REGION_HASH", "PROFILE::REGION_HASH");
        add_signal("PROFILE::REGION_HINT",
                   {M_REGION_HINT, GEOPM_DOMAIN_CPU, M_UNITS_NONE, geopm::Agg::region_hint,
                    M_SIGNAL_BEHAVIOR_LABEL,
                    "Hint of the innermost region the application is in (geopm_hint.h)",
                    geopm::string_format_hex});
        add_alias("REGION_HINT", "PROFILE::REGION_HINT");
        add_signal("PROFILE::REGION_PROGRESS",
                   {M_REGION_PROGRESS, GEOPM_DOMAIN_CPU, M_UNITS_NONE, geopm::Agg::sum,
                    M_SIGNAL_BEHAVIOR_VARIABLE,
                    "Share of the current region's work units done (geopm_tprof_post())",
                    geopm::string_format_float});
        add_alias("REGION_PROGRESS", "PROFILE::REGION_PROGRESS");
        add_signal("EPOCH::EPOCH_COUNT",
                   {M_EPOCH_COUNT, GEOPM_DOMAIN_CPU, M_UNITS_NONE, geopm::Agg::min,
                    M_SIGNAL_BEHAVIOR_MONOTONE,
                    "Epochs the application began (geopm_prof_epoch())",
                    geopm::string_format_integer});
        add_alias("EPOCH_COUNT", "EPOCH::EPOCH_COUNT");
        for (int hint = 0; hint < GEOPM_NUM_REGION_HINT; ++hint) {
            if (hint == GEOPM_REGION_HINT_INACTIVE) {
                continue;  // GEOPM has no signal for it
            }
            std::string name = std::string("TIME_HINT_") + profile_hint_name(hint);
            add_signal("PROFILE::" + name,
                       {M_TIME_HINT_FIRST + hint, GEOPM_DOMAIN_CPU, M_UNITS_SECONDS,
                        geopm::Agg::average, M_SIGNAL_BEHAVIOR_MONOTONE,
                        std::string("Time the application spent in regions hinted ") +
                            profile_hint_name(hint),
                        geopm::string_format_double});
            add_alias(name, "PROFILE::" + name);
        }
    }

    ProfileIOGroup::~ProfileIOGroup() = default;

    std::string ProfileIOGroup::plugin_name(void)
    {
        return "PROFILE";
    }

    std::unique_ptr<geopm::IOGroup> ProfileIOGroup::make_plugin(void)
    {
        return std::make_unique<ProfileIOGroup>();
    }

    void ProfileIOGroup::refresh(void)
    {
        // Until a profiled process runs, the node is outside any region
        // (what GEOPM shows for an application that marks nothing).
        for (auto &row : m_value) {
            row.assign(M_NUM_SIGNAL, 0.0);
            row[M_REGION_HASH] = GEOPM_REGION_HASH_UNMARKED;
            row[M_REGION_HINT] = GEOPM_REGION_HINT_UNSET;
        }
        const ProfileSource *source = ProfileSource::of(m_node);
        if (source == nullptr) {
            return;
        }
        bool is_profiled = false;
        bool is_epoch_counted = false;
        for (const auto &process : source->processes()) {
            is_profiled = is_profiled || process.has_data;
            is_epoch_counted = is_epoch_counted || ProfileSource::counts_epochs(process);
        }
        if (!is_profiled) {
            return;
        }
        // A CPU no profiled process ran on has no value (NaN): it does
        // not hide the others' in a node-wide value.
        for (auto &row : m_value) {
            row.assign(M_NUM_SIGNAL, NAN);
        }
        // Exited processes first: where a running one shares their CPUs,
        // it shows. An exited process is outside any region, and its
        // epochs stay counted.
        for (bool is_running : {false, true}) {
            for (const auto &process : source->processes()) {
                if (process.is_running != is_running || !process.has_data) {
                    continue;
                }
                const ProfileSnapshot &snap = process.snapshot;
                double share = std::isnan(snap.progress) ? NAN : snap.progress / process.cpus.size();
                double epochs = ProfileSource::counts_epochs(process) ? snap.epoch_count
                                : is_epoch_counted ? NAN : 0.0;
                for (int cpu : process.cpus) {
                    if (cpu >= (int)m_value.size()) {
                        continue;
                    }
                    auto &row = m_value[cpu];
                    row[M_REGION_HASH] = is_running ? snap.hash : GEOPM_REGION_HASH_UNMARKED;
                    row[M_REGION_HINT] = is_running ? snap.hint : (uint64_t)GEOPM_REGION_HINT_UNSET;
                    row[M_REGION_PROGRESS] = is_running ? share : NAN;
                    row[M_EPOCH_COUNT] = epochs;
                    std::copy(snap.hint_time.begin(), snap.hint_time.end(),
                              row.begin() + M_TIME_HINT_FIRST);
                }
            }
        }
    }

    double ProfileIOGroup::read_value(int id, int domain_idx)
    {
        return m_value[domain_idx][id];
    }
}
