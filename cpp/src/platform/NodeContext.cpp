#include "geopm_bridge/NodeContext.hpp"

#include <cctype>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "iogroups/NodeModelParams.hpp"
#include "GPUTopo.hpp"
#include "PlatformIOImp.hpp"
#include "PlatformTopoImp.hpp"

namespace geopm_bridge
{
    namespace
    {
        // The node selected by the innermost NodeScope of this thread.
        thread_local NodeContext *t_current_node = nullptr;
    }

    NodeContext::NodeContext(const std::map<std::string, std::string> &options,
                             const std::string &name)
        : m_options(options)
        , m_name(name.empty() ? geopm::hostname() : name)
    {
    }

    // Out of line: the members' types are complete only here.
    NodeContext::~NodeContext() = default;

    const std::string &NodeContext::name(void) const
    {
        return m_name;
    }

    const std::map<std::string, std::string> &NodeContext::options(void) const
    {
        return m_options;
    }

    std::string NodeContext::option(const std::string &key, const std::string &default_value) const
    {
        auto it = m_options.find(key);
        if (it != m_options.end()) {
            return it->second;
        }
        std::string variable = "GEOPM_BRIDGE_";
        for (char cc : key) {
            variable += static_cast<char>(std::toupper(static_cast<unsigned char>(cc)));
        }
        const char *value = getenv(variable.c_str());
        return value != nullptr ? value : default_value;
    }

    bool NodeContext::is_node_model_on(void) const
    {
        std::string model = option("node_model", "");
        model.erase(0, model.find_first_not_of(" \t\n"));
        model.erase(model.find_last_not_of(" \t\n") + 1);
        return !model.empty() && model != "0";
    }

    const geopm::PlatformTopo &NodeContext::platform_topo(void)
    {
        std::lock_guard<std::recursive_mutex> guard(m_lock);
        if (m_topo == nullptr) {
            NodeScope scope(*this);
            if (!is_node_model_on()) {
                m_topo = std::make_unique<geopm::PlatformTopoImp>(option("sysfs_root", "/"));
            }
            else {
                // A simulated node (the node model on) must not reach the
                // machine's real GPUs, which all simulated nodes would
                // share: it has the model's own, if any. Bad parameters
                // fail here, before anything is built on a wrong topology.
                int num_gpu = parse_node_model_params(option("node_model", "")).gpus;
                m_topo = std::make_unique<geopm::PlatformTopoImp>(
                    option("sysfs_root", "/"), [num_gpu](int num_cpu) {
                        return std::make_unique<GPUTopoImp>(num_gpu, num_cpu);
                    });
            }
        }
        return *m_topo;
    }

    geopm::PlatformIO &NodeContext::platform_io(void)
    {
        std::lock_guard<std::recursive_mutex> guard(m_lock);
        if (m_pio == nullptr) {
            // IOGroup constructors call geopm::platform_topo() and
            // current_node().option(): both must answer for this node.
            NodeScope scope(*this);
            m_pio = std::make_unique<geopm::PlatformIOImp>(platform_topo());
        }
        return *m_pio;
    }

    void NodeContext::reset_platform_io(void)
    {
        std::lock_guard<std::recursive_mutex> guard(m_lock);
        m_pio.reset();
    }

    NodeContext &default_node(void)
    {
        static NodeContext instance;
        return instance;
    }

    NodeContext &current_node(void)
    {
        return t_current_node != nullptr ? *t_current_node : default_node();
    }

    NodeScope::NodeScope(NodeContext &node)
        : m_previous(t_current_node)
    {
        t_current_node = &node;
    }

    NodeScope::~NodeScope()
    {
        t_current_node = m_previous;
    }
}
