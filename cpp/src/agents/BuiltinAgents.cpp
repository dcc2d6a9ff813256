#include "BuiltinAgents.hpp"

namespace geopm_bridge
{
    void register_builtin_agents(geopm::PluginFactory<geopm::Agent> &)
    {
        // Filled in with the native agents.
    }
}
