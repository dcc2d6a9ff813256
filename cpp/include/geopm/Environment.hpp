/*
 * The GEOPM_* environment of the job. Values are read from the process
 * environment each time a getter is called, so a process that changes
 * GEOPM_* variables before starting a job sees the new values.
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

    /// The process environment seen through the Environment interface.
    const Environment GEOPM_PUBLIC &environment(void);
}
#endif
