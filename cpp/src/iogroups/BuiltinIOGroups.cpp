#include "BuiltinIOGroups.hpp"

#include "geopm/IOGroup.hpp"

#include "CpufreqSysfsIOGroup.hpp"
#include "CpuinfoIOGroup.hpp"
#include "NVMLIOGroup.hpp"
#include "NodeModelIOGroup.hpp"
#include "PowercapIOGroup.hpp"
#include "ProcStatIOGroup.hpp"
#include "ProfileIOGroup.hpp"
#include "TimeIOGroup.hpp"

namespace geopm_bridge
{
    void register_builtin_iogroups(geopm::PluginFactory<geopm::IOGroup> &factory)
    {
        // Later registrations win a shared name: the sysfs groups override
        // CPUINFO's frequency range, and the node model overrides them all.
        factory.register_plugin(TimeIOGroup::plugin_name(), TimeIOGroup::make_plugin);
        factory.register_plugin(ProcStatIOGroup::plugin_name(), ProcStatIOGroup::make_plugin);
        factory.register_plugin(ProfileIOGroup::plugin_name(), ProfileIOGroup::make_plugin);
        factory.register_plugin(CpuinfoIOGroup::plugin_name(), CpuinfoIOGroup::make_plugin);
        factory.register_plugin(CpufreqSysfsIOGroup::plugin_name(), CpufreqSysfsIOGroup::make_plugin);
        factory.register_plugin(PowercapIOGroup::plugin_name(), PowercapIOGroup::make_plugin);
        factory.register_plugin(NVMLIOGroup::plugin_name(), NVMLIOGroup::make_plugin);
        factory.register_plugin(NodeModelIOGroup::plugin_name(), NodeModelIOGroup::make_plugin);
    }
}
