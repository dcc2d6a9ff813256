/*
 * "balance_probe": an agent plugin written against GEOPM 3.1's public
 * headers that exercises geopm::SampleAggregator, geopm::PowerBalancer and
 * geopm::PowerGovernor on one node.
 *
 * It aggregates TIME (a total), CPU_ENERGY (pushed by behaviour: a total)
 * and CPU_POWER (by behaviour: an average) per region and epoch and
 * reports them; and it balances power as a node of the power_balancer
 * agent would if the slowest node's epochs were far longer than its own
 * (100 times: a busy test machine cannot slow this node's epochs enough to
 * meet the target early): it measures its epoch time
 * (SampleAggregator::sample_epoch_last() of TIME), then lowers its limit by
 * the balancer's trial steps, through PowerGovernor, until the governor's
 * floor stops it.
 *
 * Policy POWER_CAP (W, node): NaN is CPU_POWER_MIN_AVAIL + 20 W.
 */
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "geopm/Agent.hpp"
#include "geopm/Environment.hpp"
#include "geopm/Exception.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm/PluginFactory.hpp"
#include "geopm/PowerBalancer.hpp"
#include "geopm/PowerGovernor.hpp"
#include "geopm/SampleAggregator.hpp"
#include "geopm/Waiter.hpp"
#include "geopm_hash.h"

namespace
{
    using report_t = std::vector<std::pair<std::string, std::string> >;

    std::string text(double value)
    {
        char buffer[64];
        std::snprintf(buffer, sizeof(buffer), "%.17g", value);
        return buffer;
    }

    std::string hex(uint64_t hash)
    {
        char buffer[32];
        std::snprintf(buffer, sizeof(buffer), "0x%08llx", (unsigned long long)hash);
        return buffer;
    }

    class BalanceProbeAgent : public geopm::Agent
    {
        public:
            BalanceProbeAgent()
                : m_platform_io(geopm::platform_io())
                , m_waiter(geopm::Waiter::make_unique(geopm::environment().period(0.01)))
                , m_level(-1)
            {

            }

            static std::string plugin_name(void)
            {
                return "balance_probe";
            }

            static std::unique_ptr<geopm::Agent> make_plugin(void)
            {
                return std::make_unique<BalanceProbeAgent>();
            }

            static std::vector<std::string> policy_names(void)
            {
                return {"POWER_CAP"};
            }

            static std::vector<std::string> sample_names(void)
            {
                return {"EPOCH_RUNTIME"};
            }

            void init(int level, const std::vector<int> &, bool) override
            {
                m_level = level;
                if (level != 0) {
                    return;
                }
                m_agg = geopm::SampleAggregator::make_unique();
                m_time_idx = m_agg->push_signal_total("TIME", GEOPM_DOMAIN_BOARD, 0);
                m_energy_idx = m_agg->push_signal("CPU_ENERGY", GEOPM_DOMAIN_BOARD, 0);
                m_power_idx = m_agg->push_signal("CPU_POWER", GEOPM_DOMAIN_BOARD, 0);
                m_agg->period_duration(0.1);
                m_hash_idx = m_platform_io.push_signal("REGION_HASH", GEOPM_DOMAIN_BOARD, 0);
                m_epoch_idx = m_platform_io.push_signal("EPOCH_COUNT", GEOPM_DOMAIN_BOARD, 0);
                m_power_sample_idx = m_platform_io.push_signal("CPU_POWER", GEOPM_DOMAIN_BOARD, 0);
                m_before_update = m_agg->sample_application(m_time_idx);
                m_governor = geopm::PowerGovernor::make_unique();
                m_governor->init_platform_io();
                m_balancer = geopm::PowerBalancer::make_unique(m_governor->power_package_time_window());
                m_floor = m_platform_io.read_signal("CPU_POWER_MIN_AVAIL", GEOPM_DOMAIN_BOARD, 0);
            }

            void validate_policy(std::vector<double> &policy) const override
            {
                if (std::isnan(policy.at(0))) {
                    policy[0] = m_platform_io.read_signal("CPU_POWER_MIN_AVAIL", GEOPM_DOMAIN_BOARD, 0) + 20.0;
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
                double largest = NAN;
                for (const auto &child : in_sample) {
                    largest = std::isnan(largest) || child[0] > largest ? child[0] : largest;
                }
                out_sample = {largest};
            }

            bool do_send_sample(void) const override
            {
                // Once an epoch time was measured (a sent sample is whole).
                return !std::isnan(m_last_runtime);
            }

            void adjust_platform(const std::vector<double> &in_policy) override
            {
                double cap = in_policy[0];
                if (cap != m_cap) {
                    m_cap = cap;
                    m_balancer->power_cap(cap);
                    m_is_measured = false;
                    m_is_target_met = false;
                }
                if (!std::isnan(m_new_runtime)) {
                    double runtime = m_new_runtime;
                    m_new_runtime = NAN;
                    if (!m_is_measured) {
                        if (m_balancer->is_runtime_stable(runtime)) {
                            m_is_measured = true;
                            m_measured_runtime = m_balancer->runtime_sample();
                            // As if the slowest node were far slower.
                            m_balancer->target_runtime(100.0 * m_measured_runtime);
                        }
                    }
                    else if (!m_is_target_met) {
                        double before = m_balancer->power_limit();
                        m_is_target_met = m_balancer->is_target_met(runtime);
                        m_num_step += m_balancer->power_limit() != before;
                    }
                }
                double actual = NAN;
                m_governor->adjust_platform(m_balancer->power_limit(), actual);
                if (m_governor->do_write_batch()) {
                    m_balancer->power_limit_adjusted(actual);
                    ++m_num_write;
                }
            }

            bool do_write_batch(void) const override
            {
                return m_governor->do_write_batch();
            }

            void sample_platform(std::vector<double> &out_sample) override
            {
                m_agg->update();
                m_hashes.insert((uint64_t)m_platform_io.sample(m_hash_idx));
                double power = m_platform_io.sample(m_power_sample_idx);
                if (!std::isnan(power)) {
                    m_min_power = std::isnan(m_min_power) || power < m_min_power ? power : m_min_power;
                    m_max_power = std::isnan(m_max_power) || power > m_max_power ? power : m_max_power;
                }
                double epoch_count = m_platform_io.sample(m_epoch_idx);
                if (epoch_count != m_epoch_count) {
                    // An epoch ended between the last two updates: from the
                    // second on, sample_epoch_last() is the last one's time.
                    if (epoch_count >= 2) {
                        m_new_runtime = m_agg->sample_epoch_last(m_time_idx);
                        m_last_runtime = m_new_runtime;
                        ++m_num_runtime;
                    }
                    m_epoch_count = epoch_count;
                }
                out_sample = {m_last_runtime};
            }

            void wait(void) override
            {
                m_waiter->wait();
            }

            report_t report_header(void) const override
            {
                return {};
            }

            report_t report_host(void) const override
            {
                if (m_level != 0) {
                    return {};
                }
                report_t result = {
                    {"before update", text(m_before_update)},
                    {"application time", text(m_agg->sample_application(m_time_idx))},
                    {"application energy", text(m_agg->sample_application(m_energy_idx))},
                    {"application power", text(m_agg->sample_application(m_power_idx))},
                    {"lowest power", text(m_min_power)},
                    {"highest power", text(m_max_power)},
                    {"epoch time", text(m_agg->sample_epoch(m_time_idx))},
                    {"last epoch time", text(m_agg->sample_epoch_last(m_time_idx))},
                    {"epoch region time", text(m_agg->sample_region(m_time_idx, GEOPM_REGION_HASH_EPOCH))},
                    {"app region time", text(m_agg->sample_region(m_time_idx, GEOPM_REGION_HASH_APP))},
                    {"unseen region time", text(m_agg->sample_region(m_time_idx, 0x12345678))},
                    {"unseen region power", text(m_agg->sample_region(m_power_idx, 0x12345678))},
                    {"last period time", text(m_agg->sample_period_last(m_time_idx))},
                    {"epochs seen", text(m_epoch_count)},
                    {"epoch runtimes", text(m_num_runtime)},
                    {"measured runtime", text(m_measured_runtime)},
                    {"power cap", text(m_balancer->power_cap())},
                    {"power limit", text(m_balancer->power_limit())},
                    {"power floor", text(m_floor)},
                    {"power slack", text(m_balancer->power_slack())},
                    {"target met", text(m_is_target_met)},
                    {"balancer steps", text(m_num_step)},
                    {"governor writes", text(m_num_write)},
                };
                for (uint64_t hash : m_hashes) {
                    std::string name = "region " + hex(hash);
                    result.emplace_back(name + " time", text(m_agg->sample_region(m_time_idx, hash)));
                    result.emplace_back(name + " last time", text(m_agg->sample_region_last(m_time_idx, hash)));
                    result.emplace_back(name + " energy", text(m_agg->sample_region(m_energy_idx, hash)));
                    result.emplace_back(name + " power", text(m_agg->sample_region(m_power_idx, hash)));
                }
                return result;
            }

            std::map<uint64_t, report_t> report_region(void) const override
            {
                return {};
            }

            std::vector<std::string> trace_names(void) const override
            {
                return {"EPOCH_RUNTIME", "POWER_LIMIT", "IS_TARGET_MET"};
            }

            void trace_values(std::vector<double> &values) override
            {
                values = {m_last_runtime, m_balancer->power_limit(), (double)m_is_target_met};
            }

            void enforce_policy(const std::vector<double> &) const override
            {

            }
        private:
            geopm::PlatformIO &m_platform_io;
            std::unique_ptr<geopm::Waiter> m_waiter;
            int m_level;
            std::unique_ptr<geopm::SampleAggregator> m_agg;
            std::unique_ptr<geopm::PowerGovernor> m_governor;
            std::unique_ptr<geopm::PowerBalancer> m_balancer;
            int m_time_idx = -1;
            int m_energy_idx = -1;
            int m_power_idx = -1;
            int m_hash_idx = -1;
            int m_epoch_idx = -1;
            int m_power_sample_idx = -1;
            double m_before_update = 0.0;
            double m_floor = NAN;
            double m_cap = NAN;
            double m_epoch_count = 0.0;
            double m_new_runtime = NAN;
            double m_last_runtime = NAN;
            double m_measured_runtime = NAN;
            double m_min_power = NAN;
            double m_max_power = NAN;
            int m_num_runtime = 0;
            int m_num_step = 0;
            int m_num_write = 0;
            bool m_is_measured = false;
            bool m_is_target_met = false;
            std::set<uint64_t> m_hashes;
    };
}

static void __attribute__((constructor)) balance_probe_agent_load(void)
{
    geopm::agent_factory().register_plugin(
        BalanceProbeAgent::plugin_name(), BalanceProbeAgent::make_plugin,
        geopm::Agent::make_dictionary(BalanceProbeAgent::policy_names(),
                                      BalanceProbeAgent::sample_names()));
}
