#include "geopm/Environment.hpp"

#include <errno.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm_bridge/JobConfig.hpp"
#include "Json.hpp"

namespace geopm
{
    using geopm_bridge::JobConfig;

    namespace
    {
        const char *const ALL_VARIABLES[] = {
            "GEOPM_CTL", "GEOPM_REPORT", "GEOPM_REPORT_SIGNALS", "GEOPM_COMM",
            "GEOPM_POLICY", "GEOPM_ENDPOINT", "GEOPM_AGENT", "GEOPM_TRACE",
            "GEOPM_TRACE_SIGNALS", "GEOPM_TRACE_PROFILE", "GEOPM_TRACE_ENDPOINT_POLICY",
            "GEOPM_TIMEOUT", "GEOPM_DEBUG_ATTACH", "GEOPM_PROFILE", "GEOPM_FREQUENCY_MAP",
            "GEOPM_MAX_FAN_OUT", "GEOPM_OMPT_DISABLE", "GEOPM_RECORD_FILTER",
            "GEOPM_INIT_CONTROL", "GEOPM_PERIOD", "GEOPM_NUM_PROC", "GEOPM_PROGRAM_FILTER",
            "GEOPM_CTL_LOCAL",
        };

        bool is_set(const char *name)
        {
            return getenv(name) != nullptr;
        }

        // Unset and empty are alike: the default.
        std::string lookup(const char *name, const std::string &default_value = "")
        {
            const char *value = getenv(name);
            return value == nullptr || *value == '\0' ? default_value : value;
        }

        // The whole value must be an integer: "16x" is a typo, not 16.
        int lookup_int(const char *name, int default_value, int min_value = INT_MIN)
        {
            std::string text = lookup(name);
            if (text.empty()) {
                return default_value;
            }
            char *end = nullptr;
            errno = 0;
            long value = strtol(text.c_str(), &end, 10);
            if (end == text.c_str() || *end != '\0' || errno == ERANGE ||
                value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
                throw Exception(std::string(name) + "=\"" + text + "\" is not an integer",
                                GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            if (value < min_value) {
                throw Exception(std::string(name) + "=\"" + text + "\" must be at least " +
                                std::to_string(min_value), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            return static_cast<int>(value);
        }

        // One overload per type of JobConfig field. Unset or empty keeps the
        // field's default.
        void read_setting(const char *name, std::string &value)
        {
            value = lookup(name, value);
        }

        void read_setting(const char *name, std::vector<std::string> &value)
        {
            for (const auto &item : string_split(lookup(name), ",")) {
                if (!item.empty()) {
                    value.push_back(item);
                }
            }
        }

        void read_setting(const char *name, int &value)
        {
            value = lookup_int(name, value, 0);
        }

        void read_setting(const char *name, bool &value)
        {
            value = value || !lookup(name).empty();
        }

        // Reads GEOPM_* variables at every call (see Environment.hpp).
        class EnvironmentImp : public Environment
        {
            public:
                std::string report(void) const override { return lookup("GEOPM_REPORT"); }
                std::string comm(void) const override { return "NullComm"; }
                std::string policy(void) const override { return lookup("GEOPM_POLICY"); }
                std::string endpoint(void) const override { return lookup("GEOPM_ENDPOINT"); }
                std::string trace(void) const override { return lookup("GEOPM_TRACE"); }
                std::string trace_profile(void) const override { return lookup("GEOPM_TRACE_PROFILE"); }
                std::string trace_endpoint_policy(void) const override { return lookup("GEOPM_TRACE_ENDPOINT_POLICY"); }
                std::string frequency_map(void) const override { return lookup("GEOPM_FREQUENCY_MAP"); }
                std::string agent(void) const override { return lookup("GEOPM_AGENT", JobConfig().agent); }
                std::string trace_signals(void) const override { return lookup("GEOPM_TRACE_SIGNALS"); }
                std::string report_signals(void) const override { return lookup("GEOPM_REPORT_SIGNALS"); }
                int max_fan_out(void) const override { return lookup_int("GEOPM_MAX_FAN_OUT", JobConfig().max_fan_out, 0); }
                bool do_policy(void) const override { return is_set("GEOPM_POLICY"); }
                bool do_endpoint(void) const override { return is_set("GEOPM_ENDPOINT"); }
                bool do_trace(void) const override { return is_set("GEOPM_TRACE"); }
                bool do_trace_profile(void) const override { return is_set("GEOPM_TRACE_PROFILE"); }
                bool do_trace_endpoint_policy(void) const override { return is_set("GEOPM_TRACE_ENDPOINT_POLICY"); }
                int timeout(void) const override { return lookup_int("GEOPM_TIMEOUT", 30, 0); }
                bool do_ompt(void) const override { return !is_set("GEOPM_OMPT_DISABLE"); }
                std::string default_config_path(void) const override { return "/etc/geopm/environment-default.json"; }
                std::string override_config_path(void) const override { return "/etc/geopm/environment-override.json"; }
                std::string record_filter(void) const override { return lookup("GEOPM_RECORD_FILTER"); }
                bool do_record_filter(void) const override { return is_set("GEOPM_RECORD_FILTER"); }
                bool do_init_control(void) const override { return is_set("GEOPM_INIT_CONTROL"); }
                std::string init_control(void) const override { return lookup("GEOPM_INIT_CONTROL"); }
                int num_proc(void) const override { return lookup_int("GEOPM_NUM_PROC", 1); }
                bool do_ctl_local(void) const override { return !lookup("GEOPM_CTL_LOCAL").empty(); }

                std::string profile(void) const override
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

                int pmpi_ctl(void) const override
                {
                    std::string mode = lookup("GEOPM_CTL", "application");
                    if (mode != "application") {
                        throw Exception("environment(): GEOPM_CTL=\"" + mode + "\" needs MPI, "
                                        "which the embedded runtime does not use; only "
                                        "\"application\" is supported",
                                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                    }
                    return M_CTL_NONE;
                }

                bool do_profile(void) const override
                {
                    for (const auto &path : string_split(lookup("GEOPM_PROGRAM_FILTER"), ",")) {
                        if (path.substr(path.find_last_of('/') + 1) == program_invocation_short_name) {
                            return true;
                        }
                    }
                    return false;
                }

                // GEOPM_DEBUG_ATTACH: a rank number selects one process,
                // any other value means all of them.
                bool do_debug_attach_all(void) const override
                {
                    return is_set("GEOPM_DEBUG_ATTACH") && !debug_attach_is_number();
                }

                bool do_debug_attach_one(void) const override
                {
                    return is_set("GEOPM_DEBUG_ATTACH") && debug_attach_is_number();
                }

                int debug_attach_process(void) const override
                {
                    return debug_attach_is_number() ? lookup_int("GEOPM_DEBUG_ATTACH", -1) : -1;
                }

                double period(double default_period) const override
                {
                    std::string text = lookup("GEOPM_PERIOD");
                    if (text.empty()) {
                        return default_period;
                    }
                    char *end = nullptr;
                    double value = strtod(text.c_str(), &end);
                    if (end == text.c_str() || *end != '\0' || !std::isfinite(value) || value < 0.0) {
                        throw Exception("GEOPM_PERIOD=\"" + text + "\" is not a non-negative "
                                        "number of seconds",
                                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                    }
                    return value;
                }
            private:
                static bool debug_attach_is_number(void)
                {
                    std::string text = lookup("GEOPM_DEBUG_ATTACH");
                    char *end = nullptr;
                    strtol(text.c_str(), &end, 10);
                    return !text.empty() && *end == '\0';
                }
        };
    }

    std::map<std::string, std::string> Environment::parse_environment_file(const std::string &env_file_path)
    {
        std::map<std::string, std::string> result;
        std::string text;
        try {
            text = read_file(env_file_path);
        }
        catch (const Exception &) {
            // A site without the file simply has no settings there.
            return result;
        }
        json11::Json root = geopm_bridge::parse_json(
            text, "Environment::parse_environment_file(): \"" + env_file_path + "\"");
        if (!root.is_object()) {
            throw Exception("Environment::parse_environment_file(): \"" + env_file_path +
                            "\" does not hold a JSON object", GEOPM_ERROR_FILE_PARSE,
                            __FILE__, __LINE__);
        }
        for (const auto &item : root.object_items()) {
            bool known = std::any_of(std::begin(ALL_VARIABLES), std::end(ALL_VARIABLES),
                                     [&item](const char *name) { return item.first == name; });
            if (!known || !item.second.is_string()) {
                throw Exception("Environment::parse_environment_file(): \"" + env_file_path +
                                "\": \"" + item.first + "\" is not a GEOPM variable with a "
                                "string value", GEOPM_ERROR_FILE_PARSE, __FILE__, __LINE__);
            }
            result[item.first] = item.second.string_value();
        }
        return result;
    }

    const Environment &environment(void)
    {
        static const EnvironmentImp instance;
        return instance;
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
        return result;
    }
}
