/*
 * The GEOPM_* environment of the job. An EnvironmentImp holds the values
 * it found when it was made; geopm::environment() hands out the one made
 * for the process environment as it is at the call, so a process that
 * changes GEOPM_* variables before starting a job sees the new values.
 */
#ifndef ENVIRONMENT_HPP_INCLUDE
#define ENVIRONMENT_HPP_INCLUDE

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "geopm_public.h"

namespace geopm
{
    class GEOPM_PUBLIC Environment
    {
        public:
            /// How the controller is launched (GEOPM_CTL).
            enum m_ctl_e {
                M_CTL_NONE,
                M_CTL_PROCESS,
                M_CTL_PTHREAD,
            };

            Environment() = default;
            virtual ~Environment() = default;
            /// GEOPM_REPORT ("" when unset).
            virtual std::string report(void) const = 0;
            /// GEOPM_COMM, "NullComm" for a node-local controller.
            virtual std::string comm(void) const = 0;
            /// GEOPM_POLICY.
            virtual std::string policy(void) const = 0;
            /// GEOPM_ENDPOINT.
            virtual std::string endpoint(void) const = 0;
            /// GEOPM_TRACE.
            virtual std::string trace(void) const = 0;
            /// GEOPM_TRACE_PROFILE.
            virtual std::string trace_profile(void) const = 0;
            /// GEOPM_TRACE_ENDPOINT_POLICY.
            virtual std::string trace_endpoint_policy(void) const = 0;
            /// GEOPM_PROFILE in double quotes, newlines and quotes removed,
            /// "\"default\"" when unset (the report quotes it this way).
            virtual std::string profile(void) const = 0;
            /// GEOPM_FREQUENCY_MAP.
            virtual std::string frequency_map(void) const = 0;
            /// GEOPM_AGENT, default "monitor".
            virtual std::string agent(void) const = 0;
            /// GEOPM_TRACE_SIGNALS (comma-separated).
            virtual std::string trace_signals(void) const = 0;
            /// GEOPM_REPORT_SIGNALS (comma-separated).
            virtual std::string report_signals(void) const = 0;
            /// GEOPM_MAX_FAN_OUT, default 16.
            virtual int max_fan_out(void) const = 0;
            /// GEOPM_CTL as m_ctl_e.
            virtual int pmpi_ctl(void) const = 0;
            /// Whether the named variable is set.
            virtual bool do_policy(void) const = 0;
            virtual bool do_endpoint(void) const = 0;
            virtual bool do_trace(void) const = 0;
            virtual bool do_trace_profile(void) const = 0;
            virtual bool do_trace_endpoint_policy(void) const = 0;
            /// True when this program's name is in GEOPM_PROGRAM_FILTER.
            virtual bool do_profile(void) const = 0;
            /// GEOPM_TIMEOUT in seconds, default 30.
            virtual int timeout(void) const = 0;
            /// False when GEOPM_OMPT_DISABLE is set.
            virtual bool do_ompt(void) const = 0;
            /// Paths of the site configuration files.
            virtual std::string default_config_path(void) const = 0;
            virtual std::string override_config_path(void) const = 0;
            /// GEOPM_RECORD_FILTER.
            virtual std::string record_filter(void) const = 0;
            virtual bool do_record_filter(void) const = 0;
            /// GEOPM_DEBUG_ATTACH: set but not a number / a rank number.
            virtual bool do_debug_attach_all(void) const = 0;
            virtual bool do_debug_attach_one(void) const = 0;
            virtual bool do_init_control(void) const = 0;
            virtual int debug_attach_process(void) const = 0;
            /// GEOPM_INIT_CONTROL.
            virtual std::string init_control(void) const = 0;
            /// GEOPM_PERIOD in seconds if set, else default_period; a value
            /// that is not a number throws GEOPM_ERROR_INVALID naming it.
            virtual double period(double default_period) const = 0;
            /// GEOPM_NUM_PROC, default 1.
            virtual int num_proc(void) const = 0;
            /// Always true: the embedded runtime runs one controller per
            /// node without MPI.
            virtual bool do_ctl_local(void) const = 0;
            /// Read a JSON object of GEOPM_* names to string values.
            static std::map<std::string, std::string> parse_environment_file(const std::string &env_file_path);
    };

    /// GEOPM_* settings gathered once, when the object is made, from up to
    /// three places, each later one winning: a JSON file of defaults, the
    /// process environment, a JSON file of overrides. A file that cannot be
    /// opened is no error: it gives nothing. Unset and empty values are
    /// alike to the getters: they give the documented default.
    class GEOPM_PUBLIC EnvironmentImp : public Environment
    {
        public:
            /// The files /etc/geopm/environment-default.json and
            /// /etc/geopm/environment-override.json, as GEOPM reads them.
            EnvironmentImp();
            /// The named files ("" names none).
            EnvironmentImp(const std::string &default_settings_path,
                           const std::string &override_settings_path);
            virtual ~EnvironmentImp() = default;
            std::string report(void) const override;
            std::string comm(void) const override;
            std::string policy(void) const override;
            std::string endpoint(void) const override;
            std::string trace(void) const override;
            std::string trace_profile(void) const override;
            std::string trace_endpoint_policy(void) const override;
            std::string profile(void) const override;
            std::string frequency_map(void) const override;
            std::string agent(void) const override;
            std::string trace_signals(void) const override;
            std::string report_signals(void) const override;
            int max_fan_out(void) const override;
            int pmpi_ctl(void) const override;
            bool do_policy(void) const override;
            bool do_endpoint(void) const override;
            bool do_trace(void) const override;
            bool do_trace_profile(void) const override;
            bool do_trace_endpoint_policy(void) const override;
            bool do_profile() const override;
            int timeout(void) const override;
            /// Every variable name an Environment knows.
            static std::set<std::string> get_all_vars(void);
            bool do_ompt(void) const override;
            std::string default_config_path(void) const override;
            std::string override_config_path(void) const override;
            /// Merge the JSON object in settings_path (names from
            /// all_names, string values) into name_value_map, warning on
            /// standard error for each name of user_defined_names it
            /// replaces. Nothing happens if the file cannot be opened; a
            /// malformed one throws GEOPM_ERROR_FILE_PARSE.
            static void parse_environment_file(const std::string &settings_path,
                                               const std::set<std::string> &all_names,
                                               const std::set<std::string> &user_defined_names,
                                               std::map<std::string, std::string> &name_value_map);
            std::string record_filter(void) const override;
            bool do_record_filter(void) const override;
            bool do_debug_attach_all(void) const override;
            bool do_debug_attach_one(void) const override;
            bool do_init_control(void) const override;
            int debug_attach_process(void) const override;
            std::string init_control(void) const override;
            double period(double default_period) const override;
            int num_proc(void) const override;
            bool do_ctl_local(void) const override;
        protected:
            /// Copy each set variable of m_all_names from the process
            /// environment into m_name_value_map and m_user_defined_names.
            void parse_environment(void);
            /// Whether env_var was given (by a file or the environment).
            bool is_set(const std::string &env_var) const;
            /// Its value, "" when not given.
            std::string lookup(const std::string &env_var) const;
            const std::set<std::string> m_all_names;
            std::set<std::string> m_user_defined_names;
            std::map<std::string, std::string> m_name_value_map;
            const std::string m_default_config_path;
            const std::string m_override_config_path;
    };

    /// The EnvironmentImp of the process environment as it is now, without
    /// site files (its config paths are ""): the embedded runtime takes its
    /// settings from the environment only. A reference stays valid for the
    /// life of the process and keeps the values of its time.
    const Environment GEOPM_PUBLIC &environment(void);
}
#endif
