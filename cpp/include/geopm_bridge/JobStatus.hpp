/*
 * What a running job looks like now, for a person watching it (launch's
 * status line): a snapshot the Controller refreshes when asked, read from
 * another thread while run_job() runs (docs/controller.md, "Status").
 */
#ifndef GEOPM_BRIDGE_JOBSTATUS_HPP_INCLUDE
#define GEOPM_BRIDGE_JOBSTATUS_HPP_INCLUDE

#include <cstdint>
#include <string>
#include <vector>

#include "geopm_public.h"

namespace geopm_bridge
{
    struct GEOPM_PUBLIC JobStatus
    {
        bool is_running = false;     // the control loop runs
        bool is_root = false;        // this process hosts the tree's root
        long periods = 0;            // control periods done
        double elapsed = 0.0;        // seconds since the job started
        int num_node = 0;            // nodes this process runs
        // Joules since the job started, summed over this process's nodes
        // (the report's package-energy and gpu-energy); NaN when not
        // measured (no report, no GPU).
        double cpu_energy = 0.0;
        double gpu_energy = 0.0;
        std::vector<std::string> policy_names;  // the root's agent's
        std::vector<double> policy;             // in force at the root; NaN: default
        uint64_t region_hash = 0;    // first node's application: its region now (0: none)
        std::string region;          // that region's name ("" unmarked or none)
        // Set once the agents are set up: the tree, the agents and the
        // signals they pushed, one line each (launch --verbose).
        std::vector<std::string> description;
    };

    /// The last snapshot of this process's job (a copy), and asks the
    /// controller to refresh it at the end of its next period: read it
    /// about once a second, it lags by at most one period and a call.
    /// Thread-safe; costs the loop one relaxed atomic load per period
    /// when nobody asks.
    GEOPM_PUBLIC JobStatus job_status(void);
}

#endif
