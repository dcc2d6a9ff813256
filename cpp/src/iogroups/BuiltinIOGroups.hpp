#ifndef GEOPM_BRIDGE_BUILTINIOGROUPS_HPP_INCLUDE
#define GEOPM_BRIDGE_BUILTINIOGROUPS_HPP_INCLUDE

#include "geopm/PluginFactory.hpp"

namespace geopm
{
    class IOGroup;
}

namespace geopm_bridge
{
    /// Register the IOGroups that read this machine (and the node model) in
    /// the factory; called once by geopm::iogroup_factory() before plugins
    /// load. Registration order matters: for a signal offered by several
    /// IOGroups, the one registered last wins, as in GEOPM.
    void register_builtin_iogroups(geopm::PluginFactory<geopm::IOGroup> &factory);
}

#endif
