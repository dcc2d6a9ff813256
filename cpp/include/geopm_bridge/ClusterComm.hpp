/*
 * The transport of a job whose tree spans processes, one controller per
 * process (MPI ranks). Public so that a transport is built outside the
 * runtime's sources, against the installed headers, as the MPI one is
 * (cpp/src/comm_mpi, libgeopmcomm_mpi.so).
 *
 * The runtime owns the protocol (the tree messages, the stop notice, the
 * gathering of the report); a transport only moves bytes. A transport
 * plugin exports, with C linkage, a function named
 * M_MAKE_CLUSTER_COMM_SYMBOL of type make_cluster_comm_t; the runtime
 * calls it once per job and owns the ClusterComm it returns.
 */
#ifndef GEOPM_BRIDGE_CLUSTERCOMM_HPP_INCLUDE
#define GEOPM_BRIDGE_CLUSTERCOMM_HPP_INCLUDE

#include <cstddef>
#include <string>
#include <vector>

namespace geopm_bridge
{
    class ClusterComm
    {
        public:
            ClusterComm() = default;
            virtual ~ClusterComm() = default;
            virtual int rank(void) const = 0;
            virtual int num_rank(void) const = 0;
            /// Every rank's text, in rank order, on every rank. Blocking
            /// and collective: only for the start of the job.
            virtual std::vector<std::string> all_gather(const std::string &text) = 0;
            /// Queue size bytes for dest; never blocks (data is copied).
            /// tag: a small non-negative number (below 1024) whose
            /// messages the transport keeps apart from other tags'.
            /// While a message to dest with this tag has not left yet, only
            /// the newest one waits behind it: a receiver that stopped
            /// reading holds back no more than that.
            virtual void send(int dest, int tag, const void *data, size_t size) = 0;
            /// Take the oldest message with tag that arrived, from any
            /// rank; false at once when there is none.
            virtual bool receive(int tag, int &source, std::string &data) = 0;
            /// The job is being torn down (a signal, a rank gone): closing
            /// must not wait for the other ranks.
            virtual void abandon(void) = 0;
    };

    /// Signature of the function a transport plugin exports (C linkage)
    /// to make its ClusterComm; the caller owns the result.
    using make_cluster_comm_t = ClusterComm *(*)(void);
    /// Its name.
    constexpr const char *M_MAKE_CLUSTER_COMM_SYMBOL = "geopm_bridge_make_cluster_comm";
}

#endif
