/*
 * PROFILE and EPOCH: what the application marks (geopm_prof.h), as signals.
 */
#ifndef GEOPM_BRIDGE_PROFILEIOGROUP_HPP_INCLUDE
#define GEOPM_BRIDGE_PROFILEIOGROUP_HPP_INCLUDE

#include <memory>
#include <string>
#include <vector>

#include "BasicIOGroup.hpp"

namespace geopm_bridge
{
    /// PROFILE::REGION_HASH, PROFILE::REGION_HINT, PROFILE::REGION_PROGRESS
    /// and EPOCH::EPOCH_COUNT (and the names without prefix), native at the
    /// cpu domain as in GEOPM: each CPU shows the profiled process that
    /// may run on it, NaN where none does; with no profiled process at all,
    /// every CPU is outside any region (unmarked, hint unset, 0). Coarser domains combine them as
    /// GEOPM does (region hash and hint: the common value, else unmarked /
    /// unknown; progress: the sum, each process's progress shared out over
    /// its CPUs; epochs: the fewest). The values are the job's
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
                M_NUM_SIGNAL,
            };
            void refresh(void) override;
            double read_value(int id, int domain_idx) override;

            // By CPU, then by signal_e: the values of the last refresh.
            std::vector<std::vector<double> > m_value;
    };
}

#endif
