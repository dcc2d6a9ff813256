#ifndef GEOPM_BRIDGE_BUILTINAGENTS_HPP_INCLUDE
#define GEOPM_BRIDGE_BUILTINAGENTS_HPP_INCLUDE

#include "geopm/PluginFactory.hpp"

namespace geopm
{
    class Agent;
}

namespace geopm_bridge
{
    /// Register the native agents (monitor, power_governor, ...) in the
    /// factory; called once by geopm::agent_factory() before plugins load.
    void register_builtin_agents(geopm::PluginFactory<geopm::Agent> &factory);
}

#endif
