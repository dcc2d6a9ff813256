#include "BuiltinIOGroups.hpp"

namespace geopm_bridge
{
    void register_builtin_iogroups(geopm::PluginFactory<geopm::IOGroup> &)
    {
        // Filled in with the built-in IOGroups.
    }
}
