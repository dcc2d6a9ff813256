/*
 * The controller of one node: the agents of the levels the node runs (one
 * per level, made by agent_factory().make_plugin()), its platform, its
 * report totals and trace, and the two halves of GEOPM's iteration,
 *     walk_down(); agent[0]->wait(); walk_up();
 * over the node's TreeComm. Every call runs with the node's NodeContext
 * current, so agents (native or Python) bind to their own node's platform.
 * The job's Controller drives one of these per node of the process.
 */
#ifndef GEOPM_BRIDGE_NODECONTROLLER_HPP_INCLUDE
#define GEOPM_BRIDGE_NODECONTROLLER_HPP_INCLUDE

#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "Reporter.hpp"

namespace geopm
{
    class Agent;
    class PlatformIO;
    class PlatformTopo;
}

namespace geopm_bridge
{
    class NodeContext;
    class ProfileTracer;
    class Tracer;
    class TreeComm;
    struct InitControlRequest;
    struct JobConfig;

    class NodeController
    {
        public:
            /// Makes the agents. do_prefix_errors: errors from this node
            /// are prefixed with its name and level (jobs of several
            /// nodes, where the bare error would not say which).
            NodeController(const JobConfig &config, NodeContext &node, const std::string &name,
                           std::unique_ptr<TreeComm> tree_comm, bool do_prefix_errors);
            ~NodeController();
            const std::string &name(void) const;
            bool is_root(void) const;
            int root_level(void) const;
            const std::vector<std::string> &policy_names(void) const;
            const std::vector<std::string> &sample_names(void) const;
            void save_control(void);
            void restore_control(void);
            /// PlatformIO::save_control(dir) and restore_control(dir) of
            /// this node: the save the guardian restores (Guardian.hpp).
            void save_control(const std::string &dir);
            void restore_control(const std::string &dir);
            /// Write each request now (GEOPM_INIT_CONTROL), after
            /// save_control(): restored with what the job writes.
            void write_controls(const std::vector<InitControlRequest> &requests);
            /// init() the agents, set up the report totals and the trace
            /// (their signals are pushed here).
            void setup(const std::string &start_time, const std::string &profile,
                       size_t trace_buffer_size);
            /// read_batch() and the first report accumulation.
            void read(void);
            /// The root takes root_policy when not null (a new policy) and
            /// others take theirs from the parent; then the levels top-down
            /// and the leaf.
            void walk_down(const std::vector<double> *root_policy);
            void wait(void);
            /// Returns true when the root has a new sample, in sample().
            bool walk_up(int iteration);
            const std::vector<double> &sample(void) const;
            /// Root only: the root agent's report_header().
            report_pairs_t report_header(void);
            /// This node's report section. Agent hooks that fail are left
            /// out; their error is kept in error when error is empty.
            std::string report_host(double runtime, double startup, std::exception_ptr &error);
            /// Write out the trace and the profile trace.
            void flush_trace(void);
            /// After setup(): the tree's levels as this node sees them
            /// (fan-in, the agent), its IOGroups, and (last) the signals
            /// its agents pushed, one line each (JobStatus::description).
            std::vector<std::string> description(void) const;
            /// Adds the report's CPU and GPU energy totals so far (J) to
            /// cpu and gpu; NaN without a report (or a GPU).
            void add_energy(double &cpu, double &gpu) const;
        private:
            /// Run func with the node current; an error leaves naming the
            /// node and the level it happened at (when m_do_prefix_errors).
            template <typename func_t>
            auto in_node(func_t func) -> decltype(func());
            /// The report's and the profile trace's share of the node's
            /// ProfileSource, after a read_batch().
            void update_profile_output(void);
            [[noreturn]] void bad_output(const char *hook, const std::string &what) const;
            void check_size(const char *hook, const char *name, size_t actual, size_t expected) const;
            bool check_sample(const char *hook, bool do_send, int iteration) const;

            const JobConfig &m_config;
            NodeContext &m_node;
            const std::string m_name;
            const bool m_do_prefix_errors;
            geopm::PlatformIO &m_platform_io;
            const geopm::PlatformTopo &m_platform_topo;
            std::unique_ptr<TreeComm> m_tree_comm;
            const int m_num_level_ctl;
            const int m_root_level;
            const bool m_is_root;
            const std::vector<std::string> m_policy_names;
            const std::vector<std::string> m_sample_names;
            std::vector<std::unique_ptr<geopm::Agent> > m_agent;
            std::unique_ptr<Reporter> m_reporter;
            std::unique_ptr<Tracer> m_tracer;
            std::unique_ptr<ProfileTracer> m_profile_tracer;
            // The level whose agent runs now, for error messages.
            int m_level;
            // Time spent outside wait(), for the report.
            double m_overhead;

            // Message buffers, sized once so the loop never allocates.
            std::vector<double> m_in_policy;
            std::vector<std::vector<std::vector<double> > > m_out_policy;
            std::vector<std::vector<std::vector<double> > > m_in_sample;
            std::vector<double> m_out_sample;
            std::vector<double> m_trace_values;
            // What the agents' init() pushed ("NAME@domain idx").
            std::vector<std::string> m_agent_signals;
            std::vector<std::string> m_iogroups;
    };
}

#endif
