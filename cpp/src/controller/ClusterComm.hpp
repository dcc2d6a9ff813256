/*
 * The processes of a job that spans nodes, one controller per process (MPI
 * ranks). The runtime owns the protocol (the tree messages, the stop notice,
 * the gathering of the report); a transport only moves bytes. The MPI
 * transport is a separately built plugin, libgeopmcomm_mpi.so, installed
 * next to the runtime library and loaded only when the process was started
 * by an MPI launcher, so that the runtime itself never needs MPI.
 */
#ifndef GEOPM_BRIDGE_CLUSTERCOMM_HPP_INCLUDE
#define GEOPM_BRIDGE_CLUSTERCOMM_HPP_INCLUDE

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "TreeComm.hpp"

namespace geopm_bridge
{
    class ClusterComm
    {
        public:
            /// Message tags of the protocol; tree messages add their level.
            enum tag_e {
                M_TAG_STOP = 1,
                M_TAG_REPORT = 2,
                M_TAG_DONE = 3,
                M_TAG_SAMPLE = 64,
                M_TAG_POLICY = 128,
            };
            ClusterComm() = default;
            virtual ~ClusterComm() = default;
            virtual int rank(void) const = 0;
            virtual int num_rank(void) const = 0;
            /// Every rank's text, in rank order, on every rank. Blocking
            /// and collective: only for the start of the job.
            virtual std::vector<std::string> all_gather(const std::string &text) = 0;
            /// Queue size bytes for dest; never blocks (data is copied).
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

    /// Number of ranks of the MPI job this process was started in, from
    /// the launcher's environment (OMPI_COMM_WORLD_SIZE, PMI_SIZE); 0 when
    /// it was not started by an MPI launcher.
    int launcher_num_rank(void);

    /// Load libgeopmcomm_mpi.so from the runtime library's directory and
    /// initialize MPI. Throws geopm::Exception saying why when the plugin
    /// is missing (a build without MPI) or fails.
    std::unique_ptr<ClusterComm> make_mpi_cluster_comm(void);

    /// The TreeComm of this rank: node comm.rank() of geometry, one node
    /// per rank, over comm's messages (comm must outlive it).
    std::unique_ptr<TreeComm> make_cluster_tree_comm(const TreeGeometry &geometry,
                                                     ClusterComm &comm,
                                                     size_t num_policy, size_t num_sample);
}

#endif
