// IOGroup statics and the IOGroup factory.
#include "geopm/IOGroup.hpp"

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm_plugin.hpp"
#include "PluginLoader.hpp"
#include "iogroups/BuiltinIOGroups.hpp"

namespace geopm
{
    const std::string IOGroup::M_PLUGIN_PREFIX = "libgeopmiogroup_";

    const std::string IOGroup::M_UNITS[IOGroup::M_NUM_UNITS] = {
        "none", "seconds", "hertz", "watts", "joules", "celsius",
    };

    const std::string IOGroup::M_BEHAVIORS[IOGroup::M_NUM_SIGNAL_BEHAVIOR] = {
        "constant", "monotone", "variable", "label",
    };

    const std::map<std::string, IOGroup::m_units_e> IOGroup::M_UNITS_STRING = {
        {"none", M_UNITS_NONE},
        {"seconds", M_UNITS_SECONDS},
        {"hertz", M_UNITS_HERTZ},
        {"watts", M_UNITS_WATTS},
        {"joules", M_UNITS_JOULES},
        {"celsius", M_UNITS_CELSIUS},
    };

    const std::map<std::string, IOGroup::m_signal_behavior_e> IOGroup::M_BEHAVIOR_STRING = {
        {"constant", M_SIGNAL_BEHAVIOR_CONSTANT},
        {"monotone", M_SIGNAL_BEHAVIOR_MONOTONE},
        {"variable", M_SIGNAL_BEHAVIOR_VARIABLE},
        {"label", M_SIGNAL_BEHAVIOR_LABEL},
    };

    std::vector<std::string> IOGroup::iogroup_names(void)
    {
        return iogroup_factory().plugin_names();
    }

    std::unique_ptr<IOGroup> IOGroup::make_unique(const std::string &iogroup_name)
    {
        return iogroup_factory().make_plugin(iogroup_name);
    }

    std::function<std::string(double)> IOGroup::format_function(const std::string &) const
    {
        return string_format_double;
    }

    IOGroup::m_units_e IOGroup::string_to_units(const std::string &str)
    {
        auto it = M_UNITS_STRING.find(str);
        if (it == M_UNITS_STRING.end()) {
            throw Exception("IOGroup::string_to_units(): unknown units \"" + str + "\"",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return it->second;
    }

    std::string IOGroup::units_to_string(int uni)
    {
        if (uni < 0 || uni >= M_NUM_UNITS) {
            throw Exception("IOGroup::units_to_string(): units out of range: " + std::to_string(uni),
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return M_UNITS[uni];
    }

    IOGroup::m_signal_behavior_e IOGroup::string_to_behavior(const std::string &str)
    {
        auto it = M_BEHAVIOR_STRING.find(str);
        if (it == M_BEHAVIOR_STRING.end()) {
            throw Exception("IOGroup::string_to_behavior(): unknown signal behavior \"" + str + "\"",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return it->second;
    }

    IOGroupFactory::IOGroupFactory()
    {
        geopm_bridge::register_builtin_iogroups(*this);
    }

    void IOGroupFactory::register_plugin(const std::string &plugin_name,
                                         std::function<std::unique_ptr<IOGroup>()> make_plugin,
                                         const std::map<std::string, std::string> &dictionary)
    {
        try {
            PluginFactory<IOGroup>::register_plugin(plugin_name, make_plugin, dictionary);
        }
        catch (...) {
            if (!geopm_bridge::defer_registration_error(std::current_exception())) {
                throw;
            }
        }
    }

    IOGroupFactory &iogroup_factory(void)
    {
        static IOGroupFactory instance;
        static geopm_bridge::FactoryFill fill;
        fill.run_once([]() { plugin_load(IOGroup::M_PLUGIN_PREFIX); });
        return instance;
    }
}
