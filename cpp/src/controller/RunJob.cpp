#include "geopm_bridge/Controller.hpp"

#include <cstdlib>

#include "geopm/Environment.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"

#include "Controller.hpp"
#include "SignalGuard.hpp"
#include "TreeComm.hpp"

namespace geopm_bridge
{
    namespace
    {
        std::vector<std::string> split_list(const std::string &text)
        {
            std::vector<std::string> result;
            for (const auto &item : geopm::string_split(text, ",")) {
                if (!item.empty()) {
                    result.push_back(item);
                }
            }
            return result;
        }

        int int_variable(const char *name, int default_value)
        {
            const char *text = getenv(name);
            if (text == nullptr || *text == '\0') {
                return default_value;
            }
            char *end = nullptr;
            long value = strtol(text, &end, 10);
            if (*end != '\0' || value < 0 || value > 1000000) {
                throw geopm::Exception(std::string(name) + "=\"" + text +
                                       "\" is not a non-negative integer",
                                       GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            return (int)value;
        }
    }

    JobConfig JobConfig::from_environment(void)
    {
        const geopm::Environment &env = geopm::environment();
        JobConfig result;
        result.agent = env.agent();
        if (result.agent.empty()) {
            result.agent = "monitor";
        }
        result.policy_path = env.policy();
        result.endpoint = env.endpoint();
        result.report_path = env.report();
        result.trace_path = env.trace();
        result.profile = env.profile();
        result.report_signals = split_list(env.report_signals());
        result.trace_signals = split_list(env.trace_signals());
        result.max_fan_out = int_variable("GEOPM_MAX_FAN_OUT", 16);
        result.simulate_nodes = int_variable("GEOPM_BRIDGE_SIMULATE_NODES", 0);
        return result;
    }

    int run_job(const JobConfig &config)
    {
        if (config.simulate_nodes > 1) {
            throw geopm::Exception("simulated multi-node jobs (GEOPM_BRIDGE_SIMULATE_NODES=" +
                                   std::to_string(config.simulate_nodes) + ") are not available yet",
                                   GEOPM_ERROR_NOT_IMPLEMENTED, __FILE__, __LINE__);
        }
        SignalGuard signals;
        Controller controller(config, make_single_node_tree_comm());
        return controller.run(signals);
    }
}
