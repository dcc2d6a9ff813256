/*
 * Registration for one of GEOPM's built-in agents built as a plugin.
 *
 * GEOPM 3.1 registers its own agents in its AgentFactory constructor, so
 * their sources (libgeopm/src/<Name>Agent.cpp) carry no load-time function
 * of their own.  tests/test_geopm_sources.py compiles one of those sources
 * unchanged together with this file, which does what GEOPM's constructor
 * does for that agent when the plugin is loaded:
 *
 *     g++ ... -DGEOPM_AGENT_HEADER='"PowerBalancerAgent.hpp"' \
 *             -DGEOPM_AGENT_CLASS=PowerBalancerAgent \
 *             PowerBalancerAgent.cpp geopm_agent_registration.cpp ...
 */
#include <memory>

#include "geopm/Agent.hpp"

#include GEOPM_AGENT_HEADER

static void __attribute__((constructor)) geopm_agent_registration_load(void)
{
    using geopm::GEOPM_AGENT_CLASS;
    geopm::agent_factory().register_plugin(
        GEOPM_AGENT_CLASS::plugin_name(), GEOPM_AGENT_CLASS::make_plugin,
        geopm::Agent::make_dictionary(GEOPM_AGENT_CLASS::policy_names(),
                                      GEOPM_AGENT_CLASS::sample_names()));
}
