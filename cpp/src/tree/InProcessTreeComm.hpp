/*
 * The tree of simulated nodes that share one process: messages are copies
 * into mailboxes the nodes share, with the same semantics as between
 * processes (only changed policies travel, a parent collects its children's
 * samples once all of them sent a new one, NaN samples never cross).
 */
#ifndef GEOPM_BRIDGE_INPROCESSTREECOMM_HPP_INCLUDE
#define GEOPM_BRIDGE_INPROCESSTREECOMM_HPP_INCLUDE

#include <cstddef>
#include <memory>
#include <vector>

#include "TreeComm.hpp"

namespace geopm_bridge
{
    /// One TreeComm per node of geometry, all sharing their mailboxes.
    /// The comms are used from one thread.
    std::vector<std::unique_ptr<TreeComm> >
        make_in_process_tree_comms(const TreeGeometry &geometry, size_t num_policy,
                                   size_t num_sample);
}

#endif
