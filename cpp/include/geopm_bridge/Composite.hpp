/*
 * Composite agents: several agents run as one, named
 * "a+b[+c...][@CONTROL=rule[,CONTROL=rule...]]" (rule: min, max, first or
 * last). GEOPM has no such thing: the embedded runtime has it, and the
 * native build compiles the same sources into geopm_bridge._core, which
 * the agent plugin loads into GEOPM (docs/native.md); merge rules need the
 * embedded runtime.
 */
#ifndef GEOPM_BRIDGE_COMPOSITE_HPP_INCLUDE
#define GEOPM_BRIDGE_COMPOSITE_HPP_INCLUDE

#include <string>

#include "geopm_public.h"

namespace geopm_bridge
{
    /// Every consumer of an agent name calls this first: a composite name
    /// not registered yet is registered in geopm::agent_factory() (its
    /// members must be); any other name is left alone. Returns agent_name.
    /// A malformed composite throws GEOPM_ERROR_INVALID.
    GEOPM_PUBLIC const std::string &resolve_agent(const std::string &agent_name);
    /// Register the composite written as spec under another name (from
    /// Python: geopm_bridge.compose(..., name=...)).
    GEOPM_PUBLIC void register_composite(const std::string &name, const std::string &spec);
    /// Whether agent_name is written as a composite (holds a '+').
    GEOPM_PUBLIC bool is_composite_name(const std::string &agent_name);
}

#endif
