/*
 * A node's platform: its topology, its PlatformIO and the options its
 * IOGroups read. geopm::platform_io() and geopm::platform_topo() answer for
 * the *current* node: a process-wide default node unless a NodeScope has
 * switched the calling thread to another one. Simulated multi-node runs make
 * one NodeContext per simulated node.
 */
#ifndef GEOPM_BRIDGE_NODECONTEXT_HPP_INCLUDE
#define GEOPM_BRIDGE_NODECONTEXT_HPP_INCLUDE

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "geopm_public.h"

namespace geopm
{
    class PlatformIO;
    class PlatformTopo;
}

namespace geopm_bridge
{
    class GEOPM_PUBLIC NodeContext
    {
        public:
            /// options: key/value settings for the node's IOGroups, e.g.
            /// {"node_model": "load=0.7"} or {"sysfs_root": "/tmp/fake"}.
            /// name: the node's host name in reports ("" = hostname()).
            explicit NodeContext(const std::map<std::string, std::string> &options = {},
                                 const std::string &name = "");
            virtual ~NodeContext();
            NodeContext(const NodeContext &other) = delete;
            NodeContext &operator=(const NodeContext &other) = delete;

            const std::string &name(void) const;
            const std::map<std::string, std::string> &options(void) const;
            /// The node's option key if given; else the environment variable
            /// GEOPM_BRIDGE_<KEY> (key upper-cased) if set; else default_value.
            std::string option(const std::string &key,
                               const std::string &default_value = "") const;
            /// Whether the "node_model" option turns the node model on
            /// (given, not blank and not "0"): the node is simulated.
            bool is_node_model_on(void) const;
            /// Built on first use, with this node current, from the
            /// "sysfs_root" option (default "/").
            const geopm::PlatformTopo &platform_topo(void);
            /// Built on first use, with this node current: one instance of
            /// every IOGroup in geopm::iogroup_factory().
            geopm::PlatformIO &platform_io(void);
            /// Drop the PlatformIO; the next platform_io() builds a new one
            /// (geopm_pio_reset()).
            void reset_platform_io(void);
        private:
            const std::map<std::string, std::string> m_options;
            const std::string m_name;
            std::recursive_mutex m_lock;
            std::unique_ptr<geopm::PlatformTopo> m_topo;
            std::unique_ptr<geopm::PlatformIO> m_pio;
    };

    /// The calling thread's current node (the default node if none is set).
    GEOPM_PUBLIC NodeContext &current_node(void);

    /// The process-wide default node, created on first use.
    GEOPM_PUBLIC NodeContext &default_node(void);

    /// Makes a node current for the calling thread for the guard's lifetime
    /// (guards nest; the previous node is restored at the end).
    class GEOPM_PUBLIC NodeScope
    {
        public:
            explicit NodeScope(NodeContext &node);
            ~NodeScope();
            NodeScope(const NodeScope &other) = delete;
            NodeScope &operator=(const NodeScope &other) = delete;
        private:
            NodeContext *m_previous;
    };
}

#endif
