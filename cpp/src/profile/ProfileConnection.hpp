/*
 * An application process's connection to its controller: the shared-memory
 * object holding its ProfileChannel, made at the process's first profiling
 * call and removed at its exit.
 *
 * A controller that profiles its application puts a key of its own in the
 * application's environment (GEOPM_BRIDGE_PROFILE_KEY); each process that
 * calls the profiling API then makes /dev/shm/<profile_channel_prefix()>
 * <pid> (ProfileChannel.hpp), owner-only, which the controller finds by that prefix. Without
 * the key, or when GEOPM_PROGRAM_FILTER leaves the program out, there is
 * no connection and the API does nothing. A forked child makes its own at
 * its first call, holding the regions its parent had registered, so that
 * the ids the parent was given stay valid in the child (as in GEOPM, whose
 * child inherits the parent's state). The object outlives the process, so
 * that the controller reads its last totals; the controller removes it.
 *
 * With GEOPM_BRIDGE_PROFILE_AT_LOAD set (the application step of a
 * launcher, docs/controller.md "Attached") a process connects when the
 * library is loaded, as GEOPM's libgeopm does: a program that makes no
 * call (preloaded, --geopm-preload) is still seen by its controller.
 */
#ifndef GEOPM_BRIDGE_PROFILECONNECTION_HPP_INCLUDE
#define GEOPM_BRIDGE_PROFILECONNECTION_HPP_INCLUDE

#include <string>

namespace geopm_bridge
{
    class ProfileChannelWriter;

    /// This process's channel writer; nullptr when it has no controller.
    /// The first call connects (system calls); later calls cost a load.
    /// Throws geopm::Exception when the controller's channel cannot be
    /// made (once; then nullptr).
    ProfileChannelWriter *profile_connection(void);

    /// Stops writing this process's channel (geopm_prof_shutdown()).
    void profile_disconnect(void);
}

#endif
