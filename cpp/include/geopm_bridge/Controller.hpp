/*
 * The runtime's entry point: run one job (an application under a controller)
 * the way geopmlaunch + geopmctl do: on this node, on simulated nodes in
 * this process, or as one rank of an MPI job (docs/tree.md).
 */
#ifndef GEOPM_BRIDGE_CONTROLLER_HPP_INCLUDE
#define GEOPM_BRIDGE_CONTROLLER_HPP_INCLUDE

#include "geopm_bridge/JobConfig.hpp"

namespace geopm_bridge
{
    /// Run the job: save controls, start the application, loop
    /// walk_down(); wait(); walk_up(); until it exits, then write the report
    /// and trace and restore controls (docs/controller.md).
    ///
    /// Returns the application's exit code (128 + signal if a signal
    /// killed it). SIGINT/SIGTERM/SIGHUP/SIGQUIT to this process stop the
    /// job: the application is terminated and 128 + that signal is
    /// returned. With no application (empty app_argv) the job runs until
    /// one of them and returns 0. Errors (an agent hook or the platform
    /// throwing, an application that cannot start, bad input) are thrown
    /// after the same clean-up; an exception from an agent is rethrown
    /// unchanged. One job at a time per process: the controller owns those
    /// signals' and SIGCHLD's handlers while it runs. A guardian process
    /// restores the controls if this process dies without doing so.
    ///
    /// The tree: with simulate_nodes = N > 0 the job runs N simulated nodes
    /// (sim0000, ...) and their whole tree in this process, each with its
    /// own node-model platform; started by an MPI launcher with more than
    /// one rank (and ctl_local false), each rank is one node of the
    /// tree and rank 0 hosts the root and writes the report. Errors then
    /// name the node and level they happened at. max_iterations > 0 ends
    /// the job after that many control iterations, as if the application
    /// had exited with 0 (it is stopped if still running).
    ///
    /// Attached (attach_key set, no app_argv): the controller starts no
    /// application; it profiles the processes of its node that connect
    /// with that key (an application step a launcher runs beside it),
    /// writes M_ATTACH_READY_LINE on stdout once every node's controller
    /// is ready, and ends when every process that connected has exited or
    /// at SIGUSR1 (the application step ended); no process within
    /// timeout seconds is an error (docs/controller.md, "Attached").
    int run_job(const JobConfig &config);

    /// What an attached controller (rank 0) writes on stdout, one line,
    /// when the application step may start.
    constexpr const char *M_ATTACH_READY_LINE = "geopm-bridge: controllers ready";
}

#endif
