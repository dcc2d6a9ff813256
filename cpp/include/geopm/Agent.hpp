/*
 * The Agent interface: one object per tree level per node. The controller
 * calls it each control period; leaf agents read and write the platform,
 * tree agents split policies down and aggregate samples up.
 */
#ifndef AGENT_HPP_INCLUDE
#define AGENT_HPP_INCLUDE

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "geopm/PluginFactory.hpp"
#include "geopm_public.h"

namespace geopm
{
    class GEOPM_PUBLIC Agent
    {
        public:
            Agent() = default;
            virtual ~Agent() = default;
            /// Names registered in agent_factory(), built-ins first.
            static std::vector<std::string> agent_names(void);
            /// A new agent from agent_factory().
            static std::unique_ptr<Agent> make_unique(const std::string &agent_name);

            /// Called once before the loop. level 0 is the leaf; fan_in[l]
            /// is the number of children of a level l+1 agent (empty on a
            /// single node); is_level_root is true for the agent that
            /// talks to the level above.
            virtual void init(int level, const std::vector<int> &fan_in, bool is_level_root) = 0;
            /// Replace NaN policy values by defaults and reject bad ones.
            virtual void validate_policy(std::vector<double> &policy) const = 0;
            /// Fill one policy per child (out_policy is pre-sized).
            virtual void split_policy(const std::vector<double> &in_policy,
                                      std::vector<std::vector<double> > &out_policy) = 0;
            /// Whether the last split_policy() output should be sent down.
            virtual bool do_send_policy(void) const = 0;
            /// Combine the children's samples (out_sample is pre-sized).
            virtual void aggregate_sample(const std::vector<std::vector<double> > &in_sample,
                                          std::vector<double> &out_sample) = 0;
            /// Whether the last aggregate_sample() output should be sent up.
            virtual bool do_send_sample(void) const = 0;
            /// Leaf only: turn the policy into PlatformIO adjust() calls.
            virtual void adjust_platform(const std::vector<double> &in_policy) = 0;
            /// Leaf only: whether the adjusted controls need a write_batch().
            virtual bool do_write_batch(void) const = 0;
            /// Leaf only: fill out_sample from the values read this period.
            virtual void sample_platform(std::vector<double> &out_sample) = 0;
            /// Block until the next control period (level 0 agent only).
            virtual void wait(void) = 0;
            /// Key/value pairs for the report header.
            virtual std::vector<std::pair<std::string, std::string> > report_header(void) const = 0;
            /// Key/value pairs for this host's report section.
            virtual std::vector<std::pair<std::string, std::string> > report_host(void) const = 0;
            /// Key/value pairs per region hash.
            virtual std::map<uint64_t, std::vector<std::pair<std::string, std::string> > > report_region(void) const = 0;
            /// Extra trace columns this agent provides.
            virtual std::vector<std::string> trace_names(void) const = 0;
            /// Formatter per trace_names() column; empty means every column
            /// is printed with string_format_double().
            virtual std::vector<std::function<std::string(double)> > trace_formats(void) const;
            /// Fill the trace_names() columns for this period.
            virtual void trace_values(std::vector<double> &values) = 0;
            /// Apply the policy once, without a control loop (geopmagent -e).
            virtual void enforce_policy(const std::vector<double> &policy) const = 0;

            /// Dictionary accessors: the registration dictionary of an agent
            /// holds NUM_POLICY, NUM_SAMPLE, POLICY_<i> and SAMPLE_<i>.
            static int num_policy(const std::map<std::string, std::string> &dictionary);
            static int num_policy(const std::string &agent_name);
            static int num_sample(const std::map<std::string, std::string> &dictionary);
            static int num_sample(const std::string &agent_name);
            static std::vector<std::string> policy_names(const std::map<std::string, std::string> &dictionary);
            static std::vector<std::string> policy_names(const std::string &agent_name);
            static std::vector<std::string> sample_names(const std::map<std::string, std::string> &dictionary);
            static std::vector<std::string> sample_names(const std::string &agent_name);
            /// The registration dictionary for the given names.
            static std::map<std::string, std::string> make_dictionary(const std::vector<std::string> &policy_names,
                                                                      const std::vector<std::string> &sample_names);
            /// out_sample[i] = agg_func[i](in_sample[*][i]) for each i in
            /// out_sample (already sized).
            static void aggregate_sample(const std::vector<std::vector<double> > &in_sample,
                                         const std::vector<std::function<double(const std::vector<double>&)> > &agg_func,
                                         std::vector<double> &out_sample);
            /// File name prefix of agent plugins: "libgeopmagent_".
            static const std::string M_PLUGIN_PREFIX;
        private:
            static const std::string m_num_sample_string;
            static const std::string m_num_policy_string;
            static const std::string m_sample_prefix;
            static const std::string m_policy_prefix;
    };

    class GEOPM_PUBLIC AgentFactory : public PluginFactory<Agent>
    {
        public:
            /// A factory holding the built-in agents (plugins load in
            /// agent_factory()).
            AgentFactory();
            virtual ~AgentFactory() = default;
            /// Same contract as PluginFactory::register_plugin(). While a
            /// plugin is being loaded a failure is not thrown into dlopen()
            /// but recorded and reported by the loader, naming the file.
            void register_plugin(const std::string &plugin_name,
                                 std::function<std::unique_ptr<Agent>()> make_plugin,
                                 const std::map<std::string, std::string> &dictionary = {});
    };

    /// The process-wide agent factory. The first call registers the
    /// built-in agents and loads every agent plugin in GEOPM_PLUGIN_PATH;
    /// if that failed, this and every later call throw the same error.
    AgentFactory GEOPM_PUBLIC &
        agent_factory(void);
}

#endif
