// Agent statics and the agent factory.
#include "geopm/Agent.hpp"

#include "geopm/Exception.hpp"
#include "geopm_plugin.hpp"
#include "PluginLoader.hpp"
#include "agents/BuiltinAgents.hpp"
#include "geopm_bridge/Composite.hpp"

namespace geopm
{
    const std::string Agent::M_PLUGIN_PREFIX = "libgeopmagent_";
    const std::string Agent::m_num_sample_string = "NUM_SAMPLE";
    const std::string Agent::m_num_policy_string = "NUM_POLICY";
    const std::string Agent::m_sample_prefix = "SAMPLE_";
    const std::string Agent::m_policy_prefix = "POLICY_";

    namespace
    {
        int dictionary_count(const std::map<std::string, std::string> &dictionary,
                             const std::string &key)
        {
            auto it = dictionary.find(key);
            int result = -1;
            if (it != dictionary.end()) {
                try {
                    size_t used = 0;
                    result = std::stoi(it->second, &used);
                    if (used != it->second.size()) {
                        result = -1;
                    }
                }
                catch (const std::exception &) {
                    result = -1;
                }
            }
            if (result < 0) {
                throw Exception("Agent: the agent's registration dictionary has no valid " + key +
                                " (register it with Agent::make_dictionary())",
                                GEOPM_ERROR_LOGIC, __FILE__, __LINE__);
            }
            return result;
        }

        std::vector<std::string> dictionary_names(const std::map<std::string, std::string> &dictionary,
                                                  const std::string &count_key,
                                                  const std::string &prefix)
        {
            int count = dictionary_count(dictionary, count_key);
            std::vector<std::string> result;
            result.reserve(count);
            for (int idx = 0; idx < count; ++idx) {
                auto it = dictionary.find(prefix + std::to_string(idx));
                if (it == dictionary.end()) {
                    throw Exception("Agent: the agent's registration dictionary lacks " + prefix +
                                    std::to_string(idx), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                }
                result.push_back(it->second);
            }
            return result;
        }
    }

    std::vector<std::string> Agent::agent_names(void)
    {
        return agent_factory().plugin_names();
    }

    std::unique_ptr<Agent> Agent::make_unique(const std::string &agent_name)
    {
        return agent_factory().make_plugin(geopm_bridge::resolve_agent(agent_name));
    }

    std::vector<std::function<std::string(double)> > Agent::trace_formats(void) const
    {
        return {};
    }

    int Agent::num_policy(const std::map<std::string, std::string> &dictionary)
    {
        return dictionary_count(dictionary, m_num_policy_string);
    }

    int Agent::num_policy(const std::string &agent_name)
    {
        return num_policy(agent_factory().dictionary(geopm_bridge::resolve_agent(agent_name)));
    }

    int Agent::num_sample(const std::map<std::string, std::string> &dictionary)
    {
        return dictionary_count(dictionary, m_num_sample_string);
    }

    int Agent::num_sample(const std::string &agent_name)
    {
        return num_sample(agent_factory().dictionary(geopm_bridge::resolve_agent(agent_name)));
    }

    std::vector<std::string> Agent::policy_names(const std::map<std::string, std::string> &dictionary)
    {
        return dictionary_names(dictionary, m_num_policy_string, m_policy_prefix);
    }

    std::vector<std::string> Agent::policy_names(const std::string &agent_name)
    {
        return policy_names(agent_factory().dictionary(geopm_bridge::resolve_agent(agent_name)));
    }

    std::vector<std::string> Agent::sample_names(const std::map<std::string, std::string> &dictionary)
    {
        return dictionary_names(dictionary, m_num_sample_string, m_sample_prefix);
    }

    std::vector<std::string> Agent::sample_names(const std::string &agent_name)
    {
        return sample_names(agent_factory().dictionary(geopm_bridge::resolve_agent(agent_name)));
    }

    std::map<std::string, std::string> Agent::make_dictionary(const std::vector<std::string> &policy_names,
                                                              const std::vector<std::string> &sample_names)
    {
        std::map<std::string, std::string> result;
        result[m_num_policy_string] = std::to_string(policy_names.size());
        for (size_t idx = 0; idx < policy_names.size(); ++idx) {
            result[m_policy_prefix + std::to_string(idx)] = policy_names[idx];
        }
        result[m_num_sample_string] = std::to_string(sample_names.size());
        for (size_t idx = 0; idx < sample_names.size(); ++idx) {
            result[m_sample_prefix + std::to_string(idx)] = sample_names[idx];
        }
        return result;
    }

    void Agent::aggregate_sample(const std::vector<std::vector<double> > &in_sample,
                                 const std::vector<std::function<double(const std::vector<double>&)> > &agg_func,
                                 std::vector<double> &out_sample)
    {
        if (agg_func.size() < out_sample.size()) {
            throw Exception("Agent::aggregate_sample(): " + std::to_string(out_sample.size()) +
                            " samples but only " + std::to_string(agg_func.size()) +
                            " aggregation functions", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        std::vector<double> column(in_sample.size());
        for (size_t sample_idx = 0; sample_idx < out_sample.size(); ++sample_idx) {
            for (size_t child_idx = 0; child_idx < in_sample.size(); ++child_idx) {
                column[child_idx] = in_sample[child_idx].at(sample_idx);
            }
            out_sample[sample_idx] = agg_func[sample_idx](column);
        }
    }

    AgentFactory::AgentFactory()
    {
        geopm_bridge::register_builtin_agents(*this);
    }

    void AgentFactory::register_plugin(const std::string &plugin_name,
                                       std::function<std::unique_ptr<Agent>()> make_plugin,
                                       const std::map<std::string, std::string> &dictionary)
    {
        try {
            PluginFactory<Agent>::register_plugin(plugin_name, make_plugin, dictionary);
        }
        catch (...) {
            if (!geopm_bridge::defer_registration_error(std::current_exception())) {
                throw;
            }
        }
    }

    AgentFactory &agent_factory(void)
    {
        static AgentFactory instance;
        static geopm_bridge::FactoryFill fill;
        fill.run_once([]() { plugin_load(Agent::M_PLUGIN_PREFIX); });
        return instance;
    }
}
