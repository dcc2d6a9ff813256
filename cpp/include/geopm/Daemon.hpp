/*
 * A daemon that keeps a job's endpoint supplied with the best known policy
 * of a policy store (geopm_policystore.h) for the attached agent and
 * profile.
 *
 * geopm-bridge declares it so that GEOPM programs build and link; it has no
 * policy store, so make_unique() throws GEOPM_ERROR_NOT_IMPLEMENTED. Send
 * policies with geopm::Endpoint instead.
 */
#ifndef DAEMON_HPP_INCLUDE
#define DAEMON_HPP_INCLUDE

#include <memory>
#include <string>

#include "geopm_public.h"

namespace geopm
{
    class GEOPM_PUBLIC Daemon
    {
        public:
            virtual ~Daemon() = default;
            /// Wait up to timeout seconds for a job to attach to the
            /// endpoint, then write it the store's policy for its agent
            /// and profile.
            virtual void update_endpoint_from_policystore(double timeout) = 0;
            /// End a wait in progress (from another thread).
            virtual void stop_wait_loop(void) = 0;
            /// Let waits run again after stop_wait_loop().
            virtual void reset_wait_loop(void) = 0;
            /// A daemon between the endpoint endpoint_name and the policy
            /// store at db_path (not provided: throws
            /// GEOPM_ERROR_NOT_IMPLEMENTED).
            static std::unique_ptr<Daemon> make_unique(const std::string &endpoint_name,
                                                       const std::string &db_path);
    };
}

#endif
