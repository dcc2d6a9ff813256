/*
 * The shape of GEOPM's balanced tree of controllers, computed the way GEOPM
 * computes it (no MPI needed): the nodes are split into dimensions like
 * MPI_Dims_create() until no parent has more than GEOPM_MAX_FAN_OUT
 * children, and each dimension is one level of the tree.
 *
 * Nodes are numbered 0..N-1 (MPI ranks, or simulated nodes); node 0 hosts
 * the root. A node's index, written in the mixed radix of the fan-ins
 * (level 0 the least significant digit), gives its place: digit l is its
 * rank among its siblings at level l, and a node whose digits 0..L-1 are
 * all zero is the parent at levels 0..L-1 (it "controls" L levels, as in
 * GEOPM, and runs L + 1 agents).
 */
#ifndef GEOPM_BRIDGE_TREEGEOMETRY_HPP_INCLUDE
#define GEOPM_BRIDGE_TREEGEOMETRY_HPP_INCLUDE

#include <vector>

namespace geopm_bridge
{
    /// The dimensions MPI_Dims_create(num_node, num_dim, {0...}) gives:
    /// as close to each other as possible, in non-increasing order.
    std::vector<int> balanced_dims(int num_node, int num_dim);

    class TreeGeometry
    {
        public:
            /// Throws geopm::Exception for num_node < 1 or max_fan_out < 2
            /// (a parent must be able to have two children).
            TreeGeometry(int num_node, int max_fan_out);
            int num_node(void) const;
            /// Depth of the tree: the level of the root agent (0 for one node).
            int root_level(void) const;
            /// Children of each parent at level (0 <= level < root_level()),
            /// GEOPM's fan_in[level]; the largest fan-in is at level 0.
            int level_size(int level) const;
            /// level_size() of every level: the fan_in GEOPM passes to
            /// Agent::init().
            const std::vector<int> &fan_in(void) const;
            /// Levels at which node is a parent.
            int num_level_controlled(int node) const;
            /// node's rank among its siblings at level
            /// (0 <= level <= num_level_controlled(node), level < root_level()).
            int level_rank(int node, int level) const;
            /// The node hosting the parent of node's agent at level.
            int parent(int node, int level) const;
            /// The child_idx-th child at level of the parent hosted by node.
            int child(int node, int level, int child_idx) const;
        private:
            const int m_num_node;
            std::vector<int> m_fan_in;
            std::vector<int> m_stride;  // nodes spanned by one child at each level
    };
}

#endif
