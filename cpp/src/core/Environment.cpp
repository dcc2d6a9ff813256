#include "geopm/Environment.hpp"

#include <errno.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <list>
#include <mutex>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm_bridge/JobConfig.hpp"
#include "Json.hpp"

namespace geopm
{
    using geopm_bridge::JobConfig;

    namespace
    {
        const char *const DEFAULT_SETTINGS_PATH = "/etc/geopm/environment-default.json";
        const char *const OVERRIDE_SETTINGS_PATH = "/etc/geopm/environment-override.json";

        // Unset and empty are alike: the default.
        std::string getenv_or(const char *name, const std::string &default_value = "")
        {
            const char *value = getenv(name);
            return value == nullptr || *value == '\0' ? default_value : value;
        }

        // The whole text must be an integer: "16x" is a typo, not 16. Empty
        // gives the default.
        int to_int(const std::string &name, const std::string &text, int default_value,
                   int min_value = INT_MIN)
        {
            if (text.empty()) {
                return default_value;
            }
            char *end = nullptr;
            errno = 0;
            long value = strtol(text.c_str(), &end, 10);
            if (end == text.c_str() || *end != '\0' || errno == ERANGE ||
                value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
                throw Exception(name + "=\"" + text + "\" is not an integer",
                                GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            if (value < min_value) {
                throw Exception(name + "=\"" + text + "\" must be at least " +
                                std::to_string(min_value), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            return static_cast<int>(value);
        }

        bool is_integer(const std::string &text)
        {
            char *end = nullptr;
            strtol(text.c_str(), &end, 10);
            return !text.empty() && *end == '\0';
        }

        // One overload per type of JobConfig field. Unset or empty keeps the
        // field's default.
        void read_setting(const char *name, std::string &value)
        {
            value = getenv_or(name, value);
        }

        void read_setting(const char *name, std::vector<std::string> &value)
        {
            for (const auto &item : string_split(getenv_or(name), ",")) {
                if (!item.empty()) {
                    value.push_back(item);
                }
            }
        }

        void read_setting(const char *name, int &value)
        {
            value = to_int(name, getenv_or(name), value, 0);
        }

        void read_setting(const char *name, bool &value)
        {
            value = value || !getenv_or(name).empty();
        }
    }

    EnvironmentImp::EnvironmentImp()
        : EnvironmentImp(DEFAULT_SETTINGS_PATH, OVERRIDE_SETTINGS_PATH)
    {
    }

    EnvironmentImp::EnvironmentImp(const std::string &default_settings_path,
                                   const std::string &override_settings_path)
        : m_all_names(get_all_vars())
        , m_default_config_path(default_settings_path)
        , m_override_config_path(override_settings_path)
    {
        parse_environment_file(m_default_config_path, m_all_names, m_user_defined_names,
                               m_name_value_map);
        // A site's default endpoint gives way to a policy the user names,
        // as in GEOPM: only an endpoint the user or the overrides give
        // stands beside GEOPM_POLICY.
        auto site_endpoint = m_name_value_map.find("GEOPM_ENDPOINT");
        std::string site_endpoint_value;
        bool have_site_endpoint = site_endpoint != m_name_value_map.end();
        if (have_site_endpoint) {
            site_endpoint_value = site_endpoint->second;
            m_name_value_map.erase(site_endpoint);
        }
        parse_environment();
        if (have_site_endpoint && !is_set("GEOPM_ENDPOINT") && !is_set("GEOPM_POLICY")) {
            m_name_value_map["GEOPM_ENDPOINT"] = site_endpoint_value;
        }
        parse_environment_file(m_override_config_path, m_all_names, m_user_defined_names,
                               m_name_value_map);
    }

    std::set<std::string> EnvironmentImp::get_all_vars(void)
    {
        return {
            "GEOPM_CTL", "GEOPM_REPORT", "GEOPM_REPORT_SIGNALS", "GEOPM_COMM",
            "GEOPM_POLICY", "GEOPM_ENDPOINT", "GEOPM_AGENT", "GEOPM_TRACE",
            "GEOPM_TRACE_SIGNALS", "GEOPM_TRACE_PROFILE", "GEOPM_TRACE_ENDPOINT_POLICY",
            "GEOPM_TIMEOUT", "GEOPM_DEBUG_ATTACH", "GEOPM_PROFILE", "GEOPM_FREQUENCY_MAP",
            "GEOPM_MAX_FAN_OUT", "GEOPM_OMPT_DISABLE", "GEOPM_RECORD_FILTER",
            "GEOPM_INIT_CONTROL", "GEOPM_PERIOD", "GEOPM_NUM_PROC", "GEOPM_PROGRAM_FILTER",
            "GEOPM_CTL_LOCAL",
        };
    }

    void EnvironmentImp::parse_environment(void)
    {
        for (const auto &name : m_all_names) {
            const char *value = getenv(name.c_str());
            if (value != nullptr) {
                m_name_value_map[name] = value;
                m_user_defined_names.insert(name);
            }
        }
    }

    void EnvironmentImp::parse_environment_file(const std::string &settings_path,
                                                const std::set<std::string> &all_names,
                                                const std::set<std::string> &user_defined_names,
                                                std::map<std::string, std::string> &name_value_map)
    {
        std::string text;
        try {
            text = read_file(settings_path);
        }
        catch (const Exception &) {
            // A site without the file simply has no settings there.
            return;
        }
        std::string where = "EnvironmentImp::parse_environment_file(): \"" + settings_path + "\"";
        json11::Json root = geopm_bridge::parse_json(text, where);
        if (!root.is_object()) {
            throw Exception(where + " does not hold a JSON object", GEOPM_ERROR_FILE_PARSE,
                            __FILE__, __LINE__);
        }
        for (const auto &item : root.object_items()) {
            if (all_names.count(item.first) == 0 || !item.second.is_string()) {
                throw Exception(where + ": \"" + item.first + "\" is not a GEOPM variable "
                                "with a string value", GEOPM_ERROR_FILE_PARSE, __FILE__, __LINE__);
            }
            std::string value = item.second.string_value();
            if (user_defined_names.count(item.first) != 0) {
                std::cerr << "Warning: <geopm> " << item.first << "=\""
                          << name_value_map[item.first] << "\" from the environment is replaced by \""
                          << value << "\" from " << settings_path << std::endl;
            }
            name_value_map[item.first] = value;
        }
    }

    bool EnvironmentImp::is_set(const std::string &env_var) const
    {
        return m_name_value_map.count(env_var) != 0;
    }

    std::string EnvironmentImp::lookup(const std::string &env_var) const
    {
        auto it = m_name_value_map.find(env_var);
        return it == m_name_value_map.end() ? "" : it->second;
    }

    std::string EnvironmentImp::report(void) const { return lookup("GEOPM_REPORT"); }
    std::string EnvironmentImp::comm(void) const { return "NullComm"; }
    std::string EnvironmentImp::policy(void) const { return lookup("GEOPM_POLICY"); }
    std::string EnvironmentImp::endpoint(void) const { return lookup("GEOPM_ENDPOINT"); }
    std::string EnvironmentImp::trace(void) const { return lookup("GEOPM_TRACE"); }
    std::string EnvironmentImp::trace_profile(void) const { return lookup("GEOPM_TRACE_PROFILE"); }
    std::string EnvironmentImp::trace_endpoint_policy(void) const { return lookup("GEOPM_TRACE_ENDPOINT_POLICY"); }
    std::string EnvironmentImp::frequency_map(void) const { return lookup("GEOPM_FREQUENCY_MAP"); }
    std::string EnvironmentImp::trace_signals(void) const { return lookup("GEOPM_TRACE_SIGNALS"); }
    std::string EnvironmentImp::report_signals(void) const { return lookup("GEOPM_REPORT_SIGNALS"); }
    bool EnvironmentImp::do_policy(void) const { return is_set("GEOPM_POLICY"); }
    bool EnvironmentImp::do_endpoint(void) const { return is_set("GEOPM_ENDPOINT"); }
    bool EnvironmentImp::do_trace(void) const { return is_set("GEOPM_TRACE"); }
    bool EnvironmentImp::do_trace_profile(void) const { return is_set("GEOPM_TRACE_PROFILE"); }
    bool EnvironmentImp::do_trace_endpoint_policy(void) const { return is_set("GEOPM_TRACE_ENDPOINT_POLICY"); }
    bool EnvironmentImp::do_ompt(void) const { return !is_set("GEOPM_OMPT_DISABLE"); }
    std::string EnvironmentImp::default_config_path(void) const { return m_default_config_path; }
    std::string EnvironmentImp::override_config_path(void) const { return m_override_config_path; }
    std::string EnvironmentImp::record_filter(void) const { return lookup("GEOPM_RECORD_FILTER"); }
    bool EnvironmentImp::do_record_filter(void) const { return is_set("GEOPM_RECORD_FILTER"); }
    bool EnvironmentImp::do_init_control(void) const { return is_set("GEOPM_INIT_CONTROL"); }
    std::string EnvironmentImp::init_control(void) const { return lookup("GEOPM_INIT_CONTROL"); }
    bool EnvironmentImp::do_ctl_local(void) const { return !lookup("GEOPM_CTL_LOCAL").empty(); }

    std::string EnvironmentImp::agent(void) const
    {
        std::string name = lookup("GEOPM_AGENT");
        return name.empty() ? JobConfig().agent : name;
    }

    int EnvironmentImp::max_fan_out(void) const
    {
        return to_int("GEOPM_MAX_FAN_OUT", lookup("GEOPM_MAX_FAN_OUT"), JobConfig().max_fan_out, 0);
    }

    int EnvironmentImp::timeout(void) const
    {
        return to_int("GEOPM_TIMEOUT", lookup("GEOPM_TIMEOUT"), JobConfig().timeout, 0);
    }

    int EnvironmentImp::num_proc(void) const
    {
        return to_int("GEOPM_NUM_PROC", lookup("GEOPM_NUM_PROC"), 1);
    }

    std::string EnvironmentImp::profile(void) const
    {
        std::string name = lookup("GEOPM_PROFILE");
        name.erase(std::remove_if(name.begin(), name.end(),
                                  [](char cc) { return cc == '\n' || cc == '"'; }),
                   name.end());
        if (name.empty()) {
            name = "default";
        }
        return "\"" + name + "\"";
    }

    int EnvironmentImp::pmpi_ctl(void) const
    {
        std::string mode = lookup("GEOPM_CTL");
        if (!mode.empty() && mode != "application") {
            throw Exception("environment(): GEOPM_CTL=\"" + mode + "\" needs MPI, "
                            "which the embedded runtime does not use; only "
                            "\"application\" is supported",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return M_CTL_NONE;
    }

    bool EnvironmentImp::do_profile(void) const
    {
        for (const auto &path : string_split(lookup("GEOPM_PROGRAM_FILTER"), ",")) {
            if (path.substr(path.find_last_of('/') + 1) == program_invocation_short_name) {
                return true;
            }
        }
        return false;
    }

    // GEOPM_DEBUG_ATTACH: a rank number selects one process, any other
    // value means all of them.
    bool EnvironmentImp::do_debug_attach_all(void) const
    {
        return is_set("GEOPM_DEBUG_ATTACH") && !is_integer(lookup("GEOPM_DEBUG_ATTACH"));
    }

    bool EnvironmentImp::do_debug_attach_one(void) const
    {
        return is_set("GEOPM_DEBUG_ATTACH") && is_integer(lookup("GEOPM_DEBUG_ATTACH"));
    }

    int EnvironmentImp::debug_attach_process(void) const
    {
        std::string text = lookup("GEOPM_DEBUG_ATTACH");
        return is_integer(text) ? to_int("GEOPM_DEBUG_ATTACH", text, -1) : -1;
    }

    double EnvironmentImp::period(double default_period) const
    {
        std::string text = lookup("GEOPM_PERIOD");
        if (text.empty()) {
            return default_period;
        }
        // The longest control period: a longer one would leave the loop
        // deaf to the application and to signals for that long
        // (docs/controller.md).
        const double max_period = 10.0;
        char *end = nullptr;
        double value = strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0' || !std::isfinite(value) || value < 0.0) {
            throw Exception("GEOPM_PERIOD=\"" + text + "\" is not a non-negative "
                            "number of seconds",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        if (value > max_period) {
            throw Exception("GEOPM_PERIOD=\"" + text + "\" is longer than the limit of " +
                            geopm::string_format_double(max_period) + " seconds",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return value;
    }

    std::map<std::string, std::string> Environment::parse_environment_file(const std::string &env_file_path)
    {
        std::map<std::string, std::string> result;
        EnvironmentImp::parse_environment_file(env_file_path, EnvironmentImp::get_all_vars(), {},
                                               result);
        return result;
    }

    const Environment &environment(void)
    {
        // One EnvironmentImp per state of the GEOPM_* variables seen, kept
        // for the life of the process so that references stay valid; a new
        // one only when a variable changed since the last call.
        static std::mutex lock;
        static std::list<EnvironmentImp> made;
        static const std::set<std::string> names = EnvironmentImp::get_all_vars();
        std::string state;
        for (const auto &name : names) {
            const char *value = getenv(name.c_str());
            state += value == nullptr ? std::string("-") : "=" + std::string(value);
            state += '\0';
        }
        std::lock_guard<std::mutex> guard(lock);
        static std::string made_state;
        if (made.empty() || state != made_state) {
            made.emplace_back("", "");
            made_state = state;
        }
        return made.back();
    }
}

namespace geopm_bridge
{
    JobConfig JobConfig::from_environment(void)
    {
        JobConfig result;
        fields([&result](const char *, auto member, const char *variable) {
            if (variable != nullptr) {
                geopm::read_setting(variable, result.*member);
            }
        });
        // Read by the agents and the launcher later; checked now so that a
        // bad value stops the job before it starts.
        const geopm::Environment &env = geopm::environment();
        env.period(0.0);
        env.timeout();
        // GEOPM ignores these without a word; a job that asked for them
        // is told they do nothing (a warning: GEOPM runs such a job).
        if (!result.trace_signals.empty() && result.trace_path.empty()) {
            std::cerr << "geopm-bridge: warning: GEOPM_TRACE_SIGNALS (--geopm-trace-signals) is "
                         "ignored without GEOPM_TRACE (--geopm-trace): no trace is written\n";
        }
        if (!env.trace_endpoint_policy().empty()) {
            std::cerr << "geopm-bridge: warning: GEOPM_TRACE_ENDPOINT_POLICY "
                         "(--geopm-trace-endpoint-policy) is ignored: geopm-bridge writes no "
                         "endpoint policy trace\n";
        }
        return result;
    }
}
