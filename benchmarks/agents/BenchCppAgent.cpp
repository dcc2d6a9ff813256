/*
 * BenchCppAgent ("bench_cpp"): the C++ side of the per-iteration
 * cost benchmark (benchmarks/bench_agent.py). Its Python twin, BenchPython
 * in bench_agents.py, runs the same logic hook for hook, so the difference
 * between the two is the cost of doing that work in Python.
 *
 * Each iteration: validate_policy() fills a NaN power limit with the
 * platform's default, adjust_platform() stages it on the power limit
 * control, sample_platform() copies TIME, CPU_POWER and CPU_ENERGY into the
 * sample and counts the iteration, trace_values() fills two columns. The
 * count is reported as "Iterations" in report_host().
 *
 * Built by the benchmark at run time, as a GEOPM user builds a plugin:
 * g++ -O2 -std=c++17 -shared -fPIC -I<include> BenchCppAgent.cpp
 *     -L<lib> -lgeopmd -o libgeopmagent_bench_cpp.so.2.1.0
 */
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "geopm/Agent.hpp"
#include "geopm/Agg.hpp"
#include "geopm/Environment.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm/PluginFactory.hpp"
#include "geopm/Waiter.hpp"

namespace
{
    const double M_DEFAULT_PERIOD = 0.005;  // as the Python twin's class default
    const char *const M_SIGNALS[] = {"TIME", "CPU_POWER", "CPU_ENERGY"};
    const char *const M_CONTROL = "CPU_POWER_LIMIT_CONTROL";
    const char *const M_DEFAULT_LIMIT_SIGNAL = "CPU_POWER_LIMIT_DEFAULT";

    class BenchCppAgent : public geopm::Agent
    {
        public:
            BenchCppAgent()
                : m_platform_io(geopm::platform_io())
                , m_waiter(geopm::Waiter::make_unique(geopm::environment().period(M_DEFAULT_PERIOD)))
                , m_signal_idx(M_NUM_SAMPLE, -1)
                , m_control_idx(-1)
                , m_default_limit(NAN)
                , m_limit(NAN)
                , m_num_iteration(0)
            {
            }

            static std::string plugin_name(void)
            {
                return "bench_cpp";
            }

            static std::unique_ptr<geopm::Agent> make_plugin(void)
            {
                return std::make_unique<BenchCppAgent>();
            }

            static std::vector<std::string> policy_names(void)
            {
                return {"POWER_LIMIT"};
            }

            static std::vector<std::string> sample_names(void)
            {
                return {"TIME", "CPU_POWER", "CPU_ENERGY"};
            }

            void init(int level, const std::vector<int> &, bool) override
            {
                if (level != 0) {
                    return;
                }
                for (int sig = 0; sig < M_NUM_SAMPLE; ++sig) {
                    m_signal_idx[sig] = m_platform_io.push_signal(M_SIGNALS[sig], GEOPM_DOMAIN_BOARD, 0);
                }
                m_control_idx = m_platform_io.push_control(M_CONTROL, GEOPM_DOMAIN_BOARD, 0);
                m_default_limit = m_platform_io.read_signal(M_DEFAULT_LIMIT_SIGNAL, GEOPM_DOMAIN_BOARD, 0);
            }

            void validate_policy(std::vector<double> &policy) const override
            {
                if (std::isnan(policy[M_POLICY_LIMIT])) {
                    policy[M_POLICY_LIMIT] = m_default_limit;
                }
            }

            void split_policy(const std::vector<double> &in_policy,
                              std::vector<std::vector<double> > &out_policy) override
            {
                for (auto &child : out_policy) {
                    child = in_policy;
                }
            }

            bool do_send_policy(void) const override
            {
                return true;
            }

            void aggregate_sample(const std::vector<std::vector<double> > &in_sample,
                                  std::vector<double> &out_sample) override
            {
                Agent::aggregate_sample(in_sample, {geopm::Agg::max, geopm::Agg::sum,
                                                    geopm::Agg::sum}, out_sample);
            }

            bool do_send_sample(void) const override
            {
                return true;
            }

            void adjust_platform(const std::vector<double> &in_policy) override
            {
                m_limit = in_policy[M_POLICY_LIMIT];
                m_platform_io.adjust(m_control_idx, m_limit);
            }

            bool do_write_batch(void) const override
            {
                return true;  // as a Python agent that overrides adjust_platform()
            }

            void sample_platform(std::vector<double> &out_sample) override
            {
                for (int sig = 0; sig < M_NUM_SAMPLE; ++sig) {
                    out_sample[sig] = m_platform_io.sample(m_signal_idx[sig]);
                }
                ++m_num_iteration;
            }

            void wait(void) override
            {
                m_waiter->wait();
            }

            std::vector<std::pair<std::string, std::string> > report_header(void) const override
            {
                return {};
            }

            std::vector<std::pair<std::string, std::string> > report_host(void) const override
            {
                return {{"Iterations", std::to_string(m_num_iteration)}};
            }

            std::map<uint64_t, std::vector<std::pair<std::string, std::string> > >
            report_region(void) const override
            {
                return {};
            }

            std::vector<std::string> trace_names(void) const override
            {
                return {"POWER_LIMIT", "ITERATION"};
            }

            void trace_values(std::vector<double> &values) override
            {
                values[0] = m_limit;
                values[1] = (double)m_num_iteration;
            }

            void enforce_policy(const std::vector<double> &policy) const override
            {
                m_platform_io.write_control(M_CONTROL, GEOPM_DOMAIN_BOARD, 0, policy[M_POLICY_LIMIT]);
            }

        private:
            enum m_policy_e {
                M_POLICY_LIMIT,
            };
            static constexpr int M_NUM_SAMPLE = 3;

            geopm::PlatformIO &m_platform_io;
            std::unique_ptr<geopm::Waiter> m_waiter;
            std::vector<int> m_signal_idx;
            int m_control_idx;
            double m_default_limit;
            double m_limit;
            uint64_t m_num_iteration;
    };
}

// Registered when the plugin is loaded, with the dictionary that sizes the
// controller's vectors.
// "bench_cpp_twin" is the same agent under a second name, so that
// bench_composite.py can compose two C++ agents.
static void __attribute__((constructor)) bench_cpp_agent_load(void)
{
    for (const char *name : {"bench_cpp", "bench_cpp_twin"}) {
        geopm::agent_factory().register_plugin(
            name, BenchCppAgent::make_plugin,
            geopm::Agent::make_dictionary(BenchCppAgent::policy_names(),
                                          BenchCppAgent::sample_names()));
    }
}
