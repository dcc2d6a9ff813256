/*
 * How a node's controller talks to its parent and children in the tree of
 * controllers. The controller loop is written only against this interface,
 * so a multi-node implementation (in process, or over MPI) plugs in without
 * touching the loop. Levels are numbered as in GEOPM: level 0 holds the
 * leaves; a node that is the parent at levels 0..L-1 "controls" L levels
 * and runs L + 1 agents.
 */
#ifndef GEOPM_BRIDGE_TREECOMM_HPP_INCLUDE
#define GEOPM_BRIDGE_TREECOMM_HPP_INCLUDE

#include <cstddef>
#include <memory>
#include <vector>

#include "TreeGeometry.hpp"

namespace geopm_bridge
{
    class TreeComm
    {
        public:
            TreeComm() = default;
            virtual ~TreeComm() = default;
            /// Levels at which this node is the parent (0 for a leaf-only
            /// node); send_down() and receive_up() take these levels.
            virtual int num_level_controlled(void) const = 0;
            /// Levels this node takes part in, as a parent or a child.
            virtual int max_level(void) const = 0;
            /// Depth of the tree: the level of its root (0 for one node).
            virtual int root_level(void) const = 0;
            /// This node's rank among its siblings at level.
            virtual int level_rank(int level) const = 0;
            /// Number of children of each parent at level (the fan-in);
            /// valid for 0 <= level < root_level().
            virtual int level_size(int level) const = 0;
            /// Send this node's sample to its parent at level.
            virtual void send_up(int level, const std::vector<double> &sample) = 0;
            /// Send one policy per child at level (only the ones that
            /// changed travel).
            virtual void send_down(int level, const std::vector<std::vector<double> > &policy) = 0;
            /// Collect one sample per child at level. True only when every
            /// child sent a new sample since the last collection and none
            /// holds NaN; otherwise sample is left as it was (a sample
            /// holding NaN is incomplete and never crosses a level). Never
            /// blocks: a slow child only delays its own parent.
            virtual bool receive_up(int level, std::vector<std::vector<double> > &sample) = 0;
            /// Take the policy from the parent at level. As in GEOPM, the
            /// parent's latest policy is kept: once one has arrived this is
            /// true at every call (so tree agents split it every iteration
            /// and can follow their children's samples); false, with policy
            /// left as it was, before the first. A policy may hold NaN: the
            /// parent's agent put it there on purpose and the receiving
            /// agent's validate_policy() decides what it means (docs/tree.md).
            virtual bool receive_down(int level, std::vector<double> &policy) = 0;
            /// Bytes this node has sent through the tree to other nodes.
            virtual size_t overhead_send(void) const = 0;
    };

    /// The part of a TreeComm that only depends on where the node sits
    /// in the tree; the transports add the messages.
    class GeometryTreeComm : public TreeComm
    {
        public:
            GeometryTreeComm(const TreeGeometry &geometry, int node);
            virtual ~GeometryTreeComm() = default;
            int num_level_controlled(void) const override;
            int max_level(void) const override;
            int root_level(void) const override;
            int level_rank(int level) const override;
            int level_size(int level) const override;
        protected:
            /// Throws GEOPM_ERROR_LEVEL_RANGE unless 0 <= level < end.
            void check_level(const char *func, int level, int end) const;
            const TreeGeometry m_geometry;
            const int m_node;
            const int m_num_level_ctl;
            const int m_max_level;
    };

    /// Equality where NaN equals NaN (an unchanged policy holding NaN is
    /// not a new policy).
    bool is_same_message(const std::vector<double> &aa, const std::vector<double> &bb);
    bool is_same_message(const double *aa, const double *bb, size_t size);
    bool has_nan(const std::vector<double> &message);

    /// The tree of a single node: no levels, no messages.
    std::unique_ptr<TreeComm> make_single_node_tree_comm(void);
}

#endif
