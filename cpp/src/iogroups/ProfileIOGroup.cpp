#include "ProfileIOGroup.hpp"

#include <cmath>

#include "geopm/Agg.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_hash.h"
#include "geopm_hint.h"
#include "geopm_topo.h"

#include "profile/ProfileSource.hpp"

namespace geopm_bridge
{
    ProfileIOGroup::ProfileIOGroup()
        : BasicIOGroup(plugin_name())
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
            row = {(double)GEOPM_REGION_HASH_UNMARKED, (double)GEOPM_REGION_HINT_UNSET, 0.0, 0.0};
        }
        const ProfileSource *source = ProfileSource::current();
        if (source == nullptr) {
            return;
        }
        bool is_profiled = false;
        for (const auto &process : source->processes()) {
            is_profiled = is_profiled || (process.is_running && process.has_data);
        }
        if (!is_profiled) {
            return;
        }
        // A CPU no profiled process runs on has no value (NaN): it does
        // not hide the others' in a node-wide value.
        for (auto &row : m_value) {
            row.assign(M_NUM_SIGNAL, NAN);
        }
        for (const auto &process : source->processes()) {
            if (!process.is_running || !process.has_data) {
                continue;
            }
            const ProfileSnapshot &snap = process.snapshot;
            double share = std::isnan(snap.progress) ? NAN : snap.progress / process.cpus.size();
            for (int cpu : process.cpus) {
                if (cpu < (int)m_value.size()) {
                    m_value[cpu] = {(double)snap.hash, (double)snap.hint, share,
                                    (double)snap.epoch_count};
                }
            }
        }
    }

    double ProfileIOGroup::read_value(int id, int domain_idx)
    {
        return m_value[domain_idx][id];
    }
}
