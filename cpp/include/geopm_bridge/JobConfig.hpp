/*
 * Everything a job needs, and the one list of its settings: each field with
 * its default and the environment variable it comes from. Adding a setting
 * is one field and one line of fields() here; from_environment(), the
 * Python binding and its repr follow the list.
 */
#ifndef GEOPM_BRIDGE_JOBCONFIG_HPP_INCLUDE
#define GEOPM_BRIDGE_JOBCONFIG_HPP_INCLUDE

#include <string>
#include <vector>

#include "geopm_public.h"

namespace geopm_bridge
{
    struct GEOPM_PUBLIC JobConfig
    {
        std::string agent = "monitor";           // the agent of every node
        std::string policy_path;                 // static policy, a JSON file
        std::string endpoint;                    // dynamic policy (docs/endpoint.md)
        std::string report_path;                 // "" = no report
        std::string trace_path;                  // "" = no trace
        std::string trace_profile_path;          // "" = no profile trace (application events)
        std::string profile;                     // the report's profile name
        std::vector<std::string> report_signals; // extra report signals, "NAME[@domain]"
        std::vector<std::string> trace_signals;  // extra trace columns, "NAME[@domain]"
        std::string node_model;                  // node-model parameters ("1", "k=v,...",
                                                 // "0": off); "" = the environment's
        int max_fan_out = 16;                    // widest node of the tree
        int simulate_nodes = 0;                  // 0: this node only, N: N simulated nodes
        int max_iterations = 0;                  // 0: no limit
        bool ctl_local = false;                  // one controller per MPI rank, no tree
        std::string init_control_path;           // controls written at the start (geopmwrite's
                                                 // words; "" = none)
        std::string attach_key;                  // "": start app_argv; else attach to the
                                                 // processes that connect with this key
        int timeout = 30;                        // seconds an attached controller waits
                                                 // for the first process (GEOPM's default)
        std::vector<std::string> app_argv;       // the application and its arguments

        /// Each setting with its variable (nullptr: no variable), in
        /// declaration order: visit(name, member pointer, variable).
        template <typename Visit>
        static void fields(Visit &&visit)
        {
            visit("agent", &JobConfig::agent, "GEOPM_AGENT");
            visit("policy_path", &JobConfig::policy_path, "GEOPM_POLICY");
            visit("endpoint", &JobConfig::endpoint, "GEOPM_ENDPOINT");
            visit("report_path", &JobConfig::report_path, "GEOPM_REPORT");
            visit("trace_path", &JobConfig::trace_path, "GEOPM_TRACE");
            visit("trace_profile_path", &JobConfig::trace_profile_path, "GEOPM_TRACE_PROFILE");
            visit("profile", &JobConfig::profile, "GEOPM_PROFILE");
            visit("report_signals", &JobConfig::report_signals, "GEOPM_REPORT_SIGNALS");
            visit("trace_signals", &JobConfig::trace_signals, "GEOPM_TRACE_SIGNALS");
            visit("node_model", &JobConfig::node_model, "GEOPM_BRIDGE_NODE_MODEL");
            visit("max_fan_out", &JobConfig::max_fan_out, "GEOPM_MAX_FAN_OUT");
            visit("simulate_nodes", &JobConfig::simulate_nodes, "GEOPM_BRIDGE_SIMULATE_NODES");
            visit("max_iterations", &JobConfig::max_iterations, "GEOPM_BRIDGE_MAX_ITERATIONS");
            visit("ctl_local", &JobConfig::ctl_local, "GEOPM_CTL_LOCAL");
            visit("init_control_path", &JobConfig::init_control_path, "GEOPM_INIT_CONTROL");
            visit("attach_key", &JobConfig::attach_key, "GEOPM_BRIDGE_ATTACH_KEY");
            visit("timeout", &JobConfig::timeout, "GEOPM_TIMEOUT");
            visit("app_argv", &JobConfig::app_argv, nullptr);
        }

        /// The job the environment describes, as geopmctl reads it
        /// (geopm::environment() reads every variable). Throws
        /// geopm::Exception naming the variable when a value is malformed
        /// (GEOPM_PERIOD and GEOPM_TIMEOUT are checked too).
        static JobConfig from_environment(void);
    };
}

#endif
