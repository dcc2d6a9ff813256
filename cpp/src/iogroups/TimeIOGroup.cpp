#include "TimeIOGroup.hpp"

#include <cmath>

#include "geopm/Agg.hpp"
#include "geopm_time.h"
#include "geopm_topo.h"

namespace geopm_bridge
{
    TimeIOGroup::TimeIOGroup()
        : BasicIOGroup(plugin_name())
        , m_elapsed(NAN)
    {
        add_signal("TIME::ELAPSED", {0, GEOPM_DOMAIN_CPU, M_UNITS_SECONDS,
                                     geopm::Agg::select_first, M_SIGNAL_BEHAVIOR_MONOTONE,
                                     "Time elapsed since the runtime's time origin"});
        add_alias("TIME", "TIME::ELAPSED");
    }

    std::string TimeIOGroup::plugin_name(void)
    {
        return "TIME";
    }

    std::unique_ptr<geopm::IOGroup> TimeIOGroup::make_plugin(void)
    {
        return std::make_unique<TimeIOGroup>();
    }

    void TimeIOGroup::refresh(void)
    {
        // One clock reading per batch, so every CPU reports the same time.
        geopm_time_s zero = geopm::time_zero();
        m_elapsed = geopm_time_since(&zero);
    }

    double TimeIOGroup::read_value(int, int)
    {
        return m_elapsed;
    }
}
