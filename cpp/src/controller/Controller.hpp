/*
 * One node's controller: the agents of the levels this node runs, and the
 * loop that drives them in GEOPM's order,
 *     walk_down(); agent[0]->wait(); walk_up();
 * over a TreeComm (a single node has no levels: one leaf agent that is
 * also the root).
 */
#ifndef GEOPM_BRIDGE_SRC_CONTROLLER_HPP_INCLUDE
#define GEOPM_BRIDGE_SRC_CONTROLLER_HPP_INCLUDE

#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "geopm_time.h"
#include "geopm_bridge/Controller.hpp"

namespace geopm
{
    class Agent;
    class PlatformIO;
    class PlatformTopo;
}

namespace geopm_bridge
{
    class Application;
    class Endpoint;
    class FilePolicy;
    class Reporter;
    class SignalGuard;
    class Tracer;
    class TreeComm;
    struct SignalRequest;

    class Controller
    {
        public:
            /// Makes the agents and reads the static policy; touches
            /// neither the platform nor any output file.
            Controller(const JobConfig &config, std::unique_ptr<TreeComm> tree_comm);
            ~Controller();
            /// Run the job (see geopm_bridge::run_job()). signals must be
            /// installed for the whole call.
            int run(SignalGuard &signals);
        private:
            void setup(void);
            void loop(SignalGuard &signals, Application *app);
            void step(void);
            void walk_down(void);
            void walk_up(void);
            /// Final reading, report, trace, controls restored: each step
            /// runs even if an earlier one failed. interrupt_signal: the
            /// signal that stopped the job early, or 0.
            void finish(int interrupt_signal);
            [[noreturn]] void bad_output(int level, const char *hook, const std::string &what) const;
            void check_size(int level, const char *hook, const char *name,
                            size_t actual, size_t expected) const;
            bool check_sample(int level, const char *hook, bool do_send) const;
            /// Run func; keep its exception in m_error unless one is kept.
            template <typename func_t>
            void capture(func_t func);

            const JobConfig m_config;
            const std::string m_profile;
            const std::string m_hostname;
            geopm::PlatformIO &m_platform_io;
            const geopm::PlatformTopo &m_platform_topo;
            std::unique_ptr<TreeComm> m_tree_comm;
            const int m_num_level_ctl;
            const int m_root_level;
            const bool m_is_root;
            const std::vector<std::string> m_policy_names;
            const std::vector<std::string> m_sample_names;
            std::vector<std::unique_ptr<geopm::Agent> > m_agent;
            std::unique_ptr<FilePolicy> m_file_policy;
            std::unique_ptr<Endpoint> m_endpoint;
            std::unique_ptr<Reporter> m_reporter;
            std::unique_ptr<Tracer> m_tracer;

            // Message buffers, sized once so the loop never allocates.
            std::vector<double> m_in_policy;
            std::vector<double> m_last_policy;
            std::vector<std::vector<std::vector<double> > > m_out_policy;
            std::vector<std::vector<std::vector<double> > > m_in_sample;
            std::vector<double> m_out_sample;
            std::vector<double> m_trace_values;

            std::string m_start_time;
            geopm_time_s m_job_start;
            geopm_time_s m_app_start;
            double m_startup;
            double m_overhead;
            long m_num_iteration;
            std::exception_ptr m_error;
    };
}

#endif
