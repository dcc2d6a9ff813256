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
    /// factory; called by geopm::AgentFactory's constructor, so before
    /// agent_factory() loads plugins.
    void register_builtin_agents(geopm::PluginFactory<geopm::Agent> &factory);
}

#endif
