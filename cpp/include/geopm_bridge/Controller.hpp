/*
 * The runtime's entry point: run one job (an application under a controller)
 * on this node, the way geopmlaunch + geopmctl do.
 */
#ifndef GEOPM_BRIDGE_CONTROLLER_HPP_INCLUDE
#define GEOPM_BRIDGE_CONTROLLER_HPP_INCLUDE

#include <string>
#include <vector>

namespace geopm_bridge
{
    /// Everything a job needs; from_environment() fills it from the
    /// GEOPM_* variables, as geopmctl does.
    struct JobConfig
    {
        std::string agent = "monitor";           // GEOPM_AGENT
        std::string policy_path;                 // GEOPM_POLICY (static JSON file)
        std::string endpoint;                    // GEOPM_ENDPOINT (dynamic policy)
        std::string report_path;                 // GEOPM_REPORT ("" = no report)
        std::string trace_path;                  // GEOPM_TRACE ("" = no trace)
        std::string profile;                     // GEOPM_PROFILE
        std::vector<std::string> report_signals; // GEOPM_REPORT_SIGNALS, "NAME[@domain]"
        std::vector<std::string> trace_signals;  // GEOPM_TRACE_SIGNALS, "NAME[@domain]"
        int max_fan_out = 16;                    // GEOPM_MAX_FAN_OUT
        int simulate_nodes = 0;                  // 0: this node only
        std::vector<std::string> app_argv;       // the application and its arguments

        static JobConfig from_environment(void);
    };

    /// Run the job: save controls, start the application, loop
    /// walk_down(); wait(); walk_up(); until it exits (or SIGINT/SIGTERM),
    /// then write the report and trace and restore controls. Returns the
    /// application's exit code (128 + signal if it was killed). Throws
    /// geopm::Exception on error, after the same clean-up.
    int run_job(const JobConfig &config);
}

#endif
