/*
 * The tree of a job whose nodes are processes (MPI ranks): each rank is
 * one node of the geometry, and the tree's messages travel through the
 * job's ClusterComm, with the same semantics as in one process (only
 * changed policies travel, a parent collects its children's samples once
 * all of them sent a new one, NaN samples never cross).
 */
#ifndef GEOPM_BRIDGE_CLUSTERTREECOMM_HPP_INCLUDE
#define GEOPM_BRIDGE_CLUSTERTREECOMM_HPP_INCLUDE

#include <cstddef>
#include <memory>

#include "TreeComm.hpp"

namespace geopm_bridge
{
    class ClusterComm;

    /// The TreeComm of this rank: node comm.rank() of geometry, one node
    /// per rank, over comm's messages (comm must outlive it).
    std::unique_ptr<TreeComm> make_cluster_tree_comm(const TreeGeometry &geometry,
                                                     ClusterComm &comm,
                                                     size_t num_policy, size_t num_sample);
}

#endif
