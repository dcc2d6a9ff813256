/*
 * The resource manager's side of a job's dynamic policy endpoint: write
 * policies to a running controller started with GEOPM_ENDPOINT and read the
 * samples its root agent sends up.
 *
 * geopm-bridge's endpoint is a pair of files next to each other,
 * <data_path>.policy and <data_path>.sample (docs/endpoint.md), where GEOPM
 * uses shared memory; data_path is the same string given to the job's
 * GEOPM_ENDPOINT. A manager may attach before the job starts or while it
 * runs.
 */
#ifndef ENDPOINT_HPP_INCLUDE
#define ENDPOINT_HPP_INCLUDE

#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "geopm_public.h"

namespace geopm
{
    class GEOPM_PUBLIC Endpoint
    {
        public:
            virtual ~Endpoint() = default;
            /// Start using the endpoint. Files a finished job left behind
            /// are removed, so that neither its policy nor its last sample
            /// is taken for the next job's; a running job's are kept.
            virtual void open(void) = 0;
            /// Stop using the endpoint: the policy file is removed (a
            /// running job keeps the policy in force), and the sample
            /// file too once the job has ended.
            virtual void close(void) = 0;
            /// Send a policy, one value per policy name of the attached
            /// agent in its order; NaN asks for the agent's default. The
            /// controller takes it at its next control period.
            virtual void write_policy(const std::vector<double> &policy) = 0;
            /// Copy the last sample the root agent sent up (NaN until it
            /// sent one) into sample, which must hold one value per sample
            /// name; returns the seconds since the controller published it.
            virtual double read_sample(std::vector<double> &sample) = 0;
            /// The attached job's agent, or "" when no job is attached.
            virtual std::string get_agent(void) = 0;
            /// Wait until a job attaches, or stop_wait_loop() is called;
            /// throws GEOPM_ERROR_RUNTIME after timeout seconds (a
            /// negative timeout waits without end).
            virtual void wait_for_agent_attach(double timeout) = 0;
            /// Wait while a job is attached (it ends), or until
            /// stop_wait_loop() is called; throws GEOPM_ERROR_RUNTIME after
            /// timeout seconds (a negative timeout waits without end).
            virtual void wait_for_agent_detach(double timeout) = 0;
            /// End the waits in progress and those to come (callable from
            /// another thread).
            virtual void stop_wait_loop(void) = 0;
            /// Let waits run again after stop_wait_loop().
            virtual void reset_wait_loop(void) = 0;
            /// The attached job's profile name, or "".
            virtual std::string get_profile_name(void) = 0;
            /// The attached job's host names, or none.
            virtual std::set<std::string> get_hostnames(void) = 0;
            /// The endpoint named data_path (not opened).
            static std::unique_ptr<Endpoint> make_unique(const std::string &data_path);
    };
}

#endif
