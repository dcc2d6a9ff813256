/*
 * The controller of a job in one process: the nodes this process runs (one
 * node; or many simulated nodes; or one MPI rank of a job spread over
 * processes), the root's policy source, the application, and the loop
 *     walk_down(); agent[0]->wait(); walk_up();
 * in GEOPM's order. With several nodes in the process, each iteration walks
 * every node down in tree order (parents first, so a policy crosses the
 * whole tree in one iteration), waits once on the first node's leaf agent,
 * then walks every node up in reverse order (children first).
 */
#ifndef GEOPM_BRIDGE_SRC_CONTROLLER_HPP_INCLUDE
#define GEOPM_BRIDGE_SRC_CONTROLLER_HPP_INCLUDE

#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "geopm_time.h"
#include "geopm_bridge/Controller.hpp"

namespace geopm_bridge
{
    class Application;
    class ClusterComm;
    class Endpoint;
    class Guardian;
    class FilePolicy;
    class NodeContext;
    class NodeController;
    class PosixSignalGuard;
    class JobStatusBoard;
    class ProfileSource;
    class TreeComm;

    /// agent_name when the agent factory knows it; else throws
    /// GEOPM_ERROR_NO_AGENT listing the known agents.
    const std::string &known_agent(const std::string &agent_name);

    /// A node this process runs.
    struct NodeSpec
    {
        NodeContext *context;                // its platform
        std::string name;                    // its host name in the report and trace
        std::unique_ptr<TreeComm> tree_comm; // its place in the tree
        std::string profile_key;             // its application's (ProfileSource)
    };

    class Controller
    {
        public:
            /// Reads the static policy (where the root is) and makes the
            /// agents; touches neither the platform nor any output file.
            /// nodes: in tree order, the root's node first when it is in
            /// this process. cluster: the job's other processes (MPI), or
            /// null. host_names: every node of the job.
            Controller(const JobConfig &config, std::vector<NodeSpec> nodes,
                       ClusterComm *cluster, const std::vector<std::string> &host_names);
            /// Restores the controls if start() was called and run() was
            /// not; releases the guardian.
            ~Controller();
            /// Save the controls, init() the agents, set up the report, the
            /// trace and the endpoint. On error the controls are restored
            /// and the error is thrown.
            void start(void);
            /// Run the job after start() (see geopm_bridge::run_job()).
            /// signals must be installed for the whole call.
            int run(PosixSignalGuard &signals);
        private:
            /// One copy of the application per node of this process, with
            /// that node's profile key; empty when the job has none.
            void start_applications(void);
            bool is_any_application_running(void);
            /// Attached: whether the job is over (every process that
            /// connected exited, or the application step ended); throws
            /// when none connected within the timeout, or at all.
            bool is_attached_job_done(PosixSignalGuard &signals);
            void loop(PosixSignalGuard &signals);
            void step(void);
            /// The job's first error is the one it reports and throws:
            /// error is kept in m_error unless one is kept already.
            void keep_first_error(std::exception_ptr error);
            /// Run func; its exception goes to keep_first_error().
            template <typename func_t>
            void call_keeping_error(func_t func);
            /// Final reading, report, trace, controls restored: each step
            /// runs even if an earlier one failed. interrupt_signal: the
            /// signal that stopped the job early, or 0.
            void finish(PosixSignalGuard &signals, int interrupt_signal);
            void restore_control(void);
            std::string status(int interrupt_signal) const;
            /// Refresh the JobStatus snapshot (a reader asked, or the loop
            /// starts or ended).
            void publish_status(bool is_running);

            const JobConfig m_config;
            const std::string m_profile;
            ClusterComm *m_cluster;
            const std::vector<std::string> m_host_names;
            std::string m_start_time;
            geopm_time_s m_job_start;
            geopm_time_s m_app_start;
            const bool m_is_attached;
            bool m_is_app_seen;  // attached: a process connected
            std::unique_ptr<FilePolicy> m_file_policy;
            std::vector<std::unique_ptr<NodeController> > m_nodes;
            NodeController *m_root;
            std::unique_ptr<Endpoint> m_endpoint;
            // Per node, like m_nodes: its application's profiling channels
            // (ProfileSource::of() the node while this controller lives).
            std::vector<std::unique_ptr<ProfileSource> > m_app_profiles;
            std::vector<std::unique_ptr<Application> > m_apps;
            // This process runs one node on the machine's own platform (not
            // simulated ones, nor a node with its own model values): its
            // controls are saved for the guardian.
            bool m_is_own_platform;
            std::unique_ptr<Guardian> m_guardian;
            std::vector<double> m_policy;
            std::vector<double> m_last_policy;
            double m_startup;
            long m_num_iteration;
            bool m_is_restore_due;
            std::exception_ptr m_error;
            // The first failure of the job, for the report: this process's
            // error, or the one another rank told us of.
            std::string m_failure;
            JobStatusBoard &m_status_board;
    };
}

#endif
