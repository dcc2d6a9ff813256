/*
 * A property an agent may declare: the period its wait() keeps, in
 * seconds. A composite agent (several agents run as one) calls wait() of
 * the member declaring the shortest; a member that declares none is taken
 * to keep GEOPM's default period (GEOPM_PERIOD, else 5 ms).
 */
#ifndef GEOPM_BRIDGE_AGENTPERIOD_HPP_INCLUDE
#define GEOPM_BRIDGE_AGENTPERIOD_HPP_INCLUDE

#include "geopm_public.h"

namespace geopm_bridge
{
    /// Inherit beside geopm::Agent (which stays GEOPM 3.1's interface);
    /// found with a dynamic_cast from the agent.
    class GEOPM_PUBLIC AgentPeriod
    {
        public:
            /// Seconds between the returns of wait().
            virtual double period(void) const = 0;
        protected:
            ~AgentPeriod() = default;
    };
}

#endif
