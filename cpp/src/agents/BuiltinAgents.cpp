#include "BuiltinAgents.hpp"

#include "FrequencyMapAgent.hpp"
#include "MonitorAgent.hpp"
#include "PowerBalancerAgent.hpp"
#include "PowerGovernorAgent.hpp"
#include "geopm/Agent.hpp"

namespace geopm_bridge
{
    namespace
    {
        template <class AgentType>
        void register_agent(geopm::PluginFactory<geopm::Agent> &factory)
        {
            factory.register_plugin(AgentType::plugin_name(), AgentType::make_plugin,
                                    geopm::Agent::make_dictionary(AgentType::policy_names(),
                                                                  AgentType::sample_names()));
        }
    }

    void register_builtin_agents(geopm::PluginFactory<geopm::Agent> &factory)
    {
        // Same order as GEOPM, so plugin_names() lists them alike.
        register_agent<geopm::MonitorAgent>(factory);
        register_agent<geopm::PowerBalancerAgent>(factory);
        register_agent<geopm::PowerGovernorAgent>(factory);
        register_agent<geopm::FrequencyMapAgent>(factory);
    }
}
