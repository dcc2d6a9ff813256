/*
 * PROFILE and EPOCH: what the application marks (geopm_prof.h), as signals.
 */
#ifndef GEOPM_BRIDGE_PROFILEIOGROUP_HPP_INCLUDE
#define GEOPM_BRIDGE_PROFILEIOGROUP_HPP_INCLUDE

#include <memory>
#include <string>
#include <vector>

#include "geopm_hint.h"

#include "BasicIOGroup.hpp"

namespace geopm_bridge
{
    class NodeContext;

    /// PROFILE::REGION_HASH, PROFILE::REGION_HINT, PROFILE::REGION_PROGRESS,
    /// PROFILE::TIME_HINT_<HINT> (seconds the process spent with each hint
    /// of geopm_hint.h but INACTIVE as its innermost, exact from its first
    /// call; GEOPM samples it once per period) and EPOCH::EPOCH_COUNT (and the names without prefix),
    /// native at the cpu domain as in GEOPM: each CPU shows the profiled
    /// process that may run on it, NaN where none does; with no profiled
    /// process at all, every CPU is outside any region (unmarked, hint
    /// unset, 0). Coarser domains combine them as GEOPM does (region hash
    /// and hint: the common value, else unmarked / unknown; progress: the
    /// sum, each process's progress shared out over its CPUs; time in a
    /// hint: the mean; epochs: the fewest, of the processes that mark
    /// them: ProfileSource::counts_epochs()). The values are the node's
    /// ProfileSource's as of its last update (once per control period).
    class ProfileIOGroup : public BasicIOGroup
    {
        public:
            ProfileIOGroup();
            virtual ~ProfileIOGroup();
            static std::string plugin_name(void);
            static std::unique_ptr<geopm::IOGroup> make_plugin(void);
        private:
            enum signal_e {
                M_REGION_HASH,
                M_REGION_HINT,
                M_REGION_PROGRESS,
                M_EPOCH_COUNT,
                M_TIME_HINT_FIRST,  // then one per hint, by its value
                M_NUM_SIGNAL = M_TIME_HINT_FIRST + GEOPM_NUM_REGION_HINT,
            };
            void refresh(void) override;
            double read_value(int id, int domain_idx) override;

            const NodeContext &m_node;  // whose application it shows
            // By CPU, then by signal_e: the values of the last refresh.
            std::vector<std::vector<double> > m_value;
    };
}

#endif
