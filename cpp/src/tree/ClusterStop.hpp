/*
 * The stop notice of a job whose tree spans processes: a rank that fails
 * tells every other rank at once, and each rank looks for a notice once per
 * control iteration, so that the whole job stops with the first error
 * instead of waiting on the failed rank.
 */
#ifndef GEOPM_BRIDGE_CLUSTERSTOP_HPP_INCLUDE
#define GEOPM_BRIDGE_CLUSTERSTOP_HPP_INCLUDE

#include <string>

namespace geopm_bridge
{
    class ClusterComm;

    /// Send failure (one line: what went wrong, and where) to every other rank.
    void send_stop_notice(ClusterComm &comm, const std::string &failure);
    /// True, with the failure, when another rank sent a notice; never blocks.
    bool receive_stop_notice(ClusterComm &comm, std::string &failure);
}

#endif
