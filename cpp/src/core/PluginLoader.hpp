/*
 * Internal support for the plugin factories (agent_factory(),
 * iogroup_factory()): one-time filling with error memory, and routing of
 * registration errors raised while a plugin is being dlopen()ed.
 */
#ifndef GEOPM_BRIDGE_PLUGINLOADER_HPP_INCLUDE
#define GEOPM_BRIDGE_PLUGINLOADER_HPP_INCLUDE

#include <exception>
#include <functional>
#include <mutex>
#include <string>

namespace geopm_bridge
{
    /// Fills a factory once. An error from the filling is kept and rethrown
    /// on every later call, so no caller works with a factory that is
    /// missing plugins. A call made from inside the filling (a plugin's
    /// constructor registering itself) returns at once.
    class FactoryFill
    {
        public:
            void run_once(const std::function<void()> &fill);
        private:
            enum m_state_e {
                M_STATE_NEW,
                M_STATE_RUNNING,
                M_STATE_DONE,
            };
            std::recursive_mutex m_lock;
            m_state_e m_state = M_STATE_NEW;
            std::exception_ptr m_error;
    };

    /// Called by AgentFactory/IOGroupFactory::register_plugin() with the
    /// exception a registration raised. While this thread is loading a
    /// plugin the error is kept for plugin_load() to report (so that no
    /// exception unwinds through dlopen()) and true is returned; otherwise
    /// false is returned and the caller rethrows.
    bool defer_registration_error(std::exception_ptr error);

    /// True when name is a plugin file for the prefix: "<prefix>...so.M.m.r"
    /// with M == 2 and m <= 1, as GEOPM 3.1 requires.
    bool is_plugin_file_name(const std::string &prefix, const std::string &name);
}

#endif
