/*
 * A registry of named constructors: agents, IOGroups and comms each have one.
 * Header-only so that a plugin's registration code and the runtime agree on
 * the layout.
 */
#ifndef PLUGINFACTORY_HPP_INCLUDE
#define PLUGINFACTORY_HPP_INCLUDE

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "geopm_public.h"

#include "Exception.hpp"

namespace geopm
{
    template<class T> class PluginFactory
    {
        public:
            PluginFactory() = default;
            virtual ~PluginFactory() = default;
            PluginFactory(const PluginFactory &other) = delete;
            PluginFactory &operator=(const PluginFactory &other) = delete;

            /// Add a plugin; a name registered twice throws
            /// GEOPM_ERROR_INVALID and leaves the factory unchanged.
            void register_plugin(const std::string &plugin_name,
                                 std::function<std::unique_ptr<T>()> make_plugin,
                                 const std::map<std::string, std::string> &dictionary = m_empty_dictionary)
            {
                if (!m_name_func_map.emplace(plugin_name, make_plugin).second) {
                    throw Exception("PluginFactory::register_plugin(): name \"" +
                                    plugin_name + "\" is already registered",
                                    GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                }
                m_dictionary.emplace(plugin_name, dictionary);
                m_plugin_names.push_back(plugin_name);
            }

            /// A new instance on every call; unknown names throw
            /// GEOPM_ERROR_INVALID.
            std::unique_ptr<T> make_plugin(const std::string &plugin_name) const
            {
                auto it = m_name_func_map.find(plugin_name);
                if (it == m_name_func_map.end()) {
                    throw Exception("PluginFactory::make_plugin(): no plugin named \"" +
                                    plugin_name + "\" is registered",
                                    GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                }
                return it->second();
            }

            /// Names in registration order.
            std::vector<std::string> plugin_names(void) const
            {
                return m_plugin_names;
            }

            /// The dictionary given at registration.
            const std::map<std::string, std::string> &dictionary(const std::string &plugin_name) const
            {
                auto it = m_dictionary.find(plugin_name);
                if (it == m_dictionary.end()) {
                    throw Exception("PluginFactory::dictionary(): no plugin named \"" +
                                    plugin_name + "\" is registered",
                                    GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                }
                return it->second;
            }
        private:
            std::map<std::string, std::function<std::unique_ptr<T>()> > m_name_func_map;
            std::vector<std::string> m_plugin_names;
            // Not const, unlike GEOPM's: geopm_bridge's bindings write a
            // Python agent's dictionary through dictionary()'s reference
            // when its class is registered again (src/bindings/factory.cpp).
            std::map<std::string, std::map<std::string, std::string> > m_dictionary;
            static const std::map<std::string, std::string> m_empty_dictionary;
    };

    template <class Type>
    const std::map<std::string, std::string> PluginFactory<Type>::m_empty_dictionary = {};
}

#endif
