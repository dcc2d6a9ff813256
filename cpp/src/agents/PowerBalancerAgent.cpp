#include "PowerBalancerAgent.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "geopm/Agg.hpp"
#include "geopm/Environment.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm/PowerBalancer.hpp"
#include "geopm/SampleAggregator.hpp"
#include "geopm/Waiter.hpp"

namespace geopm
{
    namespace
    {
        const char *const M_NO_POWER_HINT =
            ": power_balancer needs CPU power-limit support"
            " (set GEOPM_BRIDGE_NODE_MODEL=1 to simulate it)";

        [[noreturn]] void unsupported(const std::string &what)
        {
            throw Exception("PowerBalancerAgent: the platform has no " + what + M_NO_POWER_HINT,
                            GEOPM_ERROR_AGENT_UNSUPPORTED, __FILE__, __LINE__);
        }

        double read_signal(PlatformIO &pio, const std::string &name, int domain)
        {
            if (pio.signal_names().count(name) == 0) {
                unsupported("signal \"" + name + "\"");
            }
            return pio.read_signal(name, domain, 0);
        }

        [[noreturn]] void bad_policy(const std::string &method, const std::string &why)
        {
            throw Exception("PowerBalancerAgent::" + method + "(): " + why,
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }

        void check_size(const std::vector<double> &vec, size_t size,
                        const std::string &method, const std::string &what)
        {
            if (vec.size() != size) {
                bad_policy(method, "expected " + std::to_string(size) + " " + what +
                                   " values, got " + std::to_string(vec.size()));
            }
        }

        int num_node_below(const std::vector<int> &fan_in)
        {
            int result = 1;
            for (int children : fan_in) {
                result *= children;
            }
            return result;
        }
    }

    PowerBalancerAgent::PowerBalancerAgent()
        : PowerBalancerAgent(platform_io(), platform_topo(), SampleAggregator::make_unique(), {},
                             Waiter::make_unique(environment().period(M_WAIT_SEC)))
    {

    }

    PowerBalancerAgent::PowerBalancerAgent(PlatformIO &platform_io, const PlatformTopo &topo,
                                           std::shared_ptr<SampleAggregator> sample_agg,
                                           std::vector<std::shared_ptr<PowerBalancer> > balancers,
                                           std::shared_ptr<Waiter> waiter)
        : m_platform_io(platform_io)
        , m_topo(topo)
        , m_sample_agg(std::move(sample_agg))
        , m_balancer(std::move(balancers))
        , m_waiter(std::move(waiter))
        , m_num_pkg(m_topo.num_domain(GEOPM_DOMAIN_PACKAGE))
        , m_pkg_min(read_signal(m_platform_io, "CPU_POWER_MIN_AVAIL", GEOPM_DOMAIN_PACKAGE))
        , m_pkg_max(read_signal(m_platform_io, "CPU_POWER_MAX_AVAIL", GEOPM_DOMAIN_PACKAGE))
        // The policy is per node: its bounds are those of every package.
        , m_node_min(m_pkg_min * m_num_pkg)
        , m_node_max(m_pkg_max * m_num_pkg)
        , m_tdp(read_signal(m_platform_io, "CPU_POWER_LIMIT_DEFAULT", GEOPM_DOMAIN_BOARD))
        , m_role(M_ROLE_LEAF)
        , m_num_node(1)
        , m_is_single_node(false)
        , m_is_child_leaf(false)
        , m_policy(M_NUM_POLICY, NAN)
        , m_step_count(-1)
        , m_is_step_complete(true)
        , m_root_cap(NAN)
        , m_agg_func{Agg::min, Agg::max, Agg::sum, Agg::min}  // per m_sample_e
        , m_do_send_policy(false)
        , m_do_send_sample(false)
        , m_do_write_batch(false)
    {

    }

    PowerBalancerAgent::~PowerBalancerAgent() = default;

    std::string PowerBalancerAgent::plugin_name(void)
    {
        return "power_balancer";
    }

    std::unique_ptr<Agent> PowerBalancerAgent::make_plugin(void)
    {
        return std::make_unique<PowerBalancerAgent>();
    }

    std::vector<std::string> PowerBalancerAgent::policy_names(void)
    {
        return {"CPU_POWER_LIMIT", "STEP_COUNT", "MAX_EPOCH_RUNTIME", "POWER_SLACK"};
    }

    std::vector<std::string> PowerBalancerAgent::sample_names(void)
    {
        return {"STEP_COUNT", "MAX_EPOCH_RUNTIME", "SUM_POWER_SLACK", "MIN_POWER_HEADROOM"};
    }

    int PowerBalancerAgent::step_of(double step_count)
    {
        return static_cast<int>(static_cast<int64_t>(step_count) % M_NUM_STEP);
    }

    std::string PowerBalancerAgent::format_step_count(double step_count)
    {
        if (std::isnan(step_count)) {
            return string_format_double(step_count);
        }
        const int64_t count = static_cast<int64_t>(step_count);
        std::string result = std::to_string(count / M_NUM_STEP);
        switch (step_of(step_count)) {
            case M_STEP_SEND_DOWN_LIMIT:
                result += "-STEP_SEND_DOWN_LIMIT";
                break;
            case M_STEP_MEASURE_RUNTIME:
                result += "-STEP_MEASURE_RUNTIME";
                break;
            case M_STEP_REDUCE_LIMIT:
                result += "-STEP_REDUCE_LIMIT";
                break;
            default:
                break;
        }
        return result;
    }

    void PowerBalancerAgent::init(int level, const std::vector<int> &fan_in, bool)
    {
        if (level < 0 || level > (int)fan_in.size()) {
            throw Exception("PowerBalancerAgent::init(): level " + std::to_string(level) +
                            " is outside [0, " + std::to_string(fan_in.size()) +
                            "] for this tree",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        m_num_node = num_node_below(fan_in);
        const bool is_tree_root = level == (int)fan_in.size();
        if (level == 0) {
            m_role = M_ROLE_LEAF;
            init_leaf(is_tree_root);
        }
        else if (is_tree_root) {
            m_role = M_ROLE_ROOT;
            m_step_count = M_STEP_SEND_DOWN_LIMIT;
            m_is_step_complete = false;
        }
        else {
            m_role = M_ROLE_TREE;
        }
    }

    void PowerBalancerAgent::init_leaf(bool is_single_node)
    {
        m_is_single_node = is_single_node;
        m_is_child_leaf = !is_single_node;
        if (m_platform_io.control_names().count("CPU_POWER_LIMIT_CONTROL") == 0) {
            unsupported("control \"CPU_POWER_LIMIT_CONTROL\"");
        }
        if (m_balancer.empty()) {
            for (int pkg = 0; pkg < m_num_pkg; ++pkg) {
                m_balancer.push_back(PowerBalancer::make_shared(M_STABILITY_FACTOR * M_TIME_WINDOW));
            }
        }
        if ((int)m_balancer.size() != m_num_pkg) {
            throw Exception("PowerBalancerAgent::init(): " + std::to_string(m_balancer.size()) +
                            " balancers given for " + std::to_string(m_num_pkg) + " packages",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        for (int pkg = 0; pkg < m_num_pkg; ++pkg) {
            Package package {};
            package.epoch_count_idx = m_platform_io.push_signal("EPOCH_COUNT", GEOPM_DOMAIN_PACKAGE, pkg);
            package.time_idx = m_sample_agg->push_signal("TIME", GEOPM_DOMAIN_PACKAGE, pkg);
            package.network_idx = m_sample_agg->push_signal("TIME_HINT_NETWORK", GEOPM_DOMAIN_PACKAGE, pkg);
            package.ignore_idx = m_sample_agg->push_signal("TIME_HINT_IGNORE", GEOPM_DOMAIN_PACKAGE, pkg);
            package.limit_ctl_idx = m_platform_io.push_control("CPU_POWER_LIMIT_CONTROL",
                                                               GEOPM_DOMAIN_PACKAGE, pkg);
            package.epoch_count = NAN;
            package.last_epoch_count = 0.0;
            package.is_idle = false;
            package.runtime = 0.0;
            package.enforced_limit = NAN;
            package.power_slack = 0.0;
            package.power_headroom = 0.0;
            package.is_out_of_bounds = false;
            package.is_step_complete = true;
            m_pkg.push_back(package);
        }
        if (m_platform_io.control_names().count("CPU_POWER_TIME_WINDOW_CONTROL") != 0) {
            // Short, so that a new limit holds within a few periods.
            m_platform_io.write_control("CPU_POWER_TIME_WINDOW_CONTROL", GEOPM_DOMAIN_BOARD, 0,
                                        M_TIME_WINDOW);
        }
    }

    void PowerBalancerAgent::validate_policy(std::vector<double> &policy) const
    {
        check_size(policy, M_NUM_POLICY, "validate_policy", "policy");
        if (m_is_child_leaf && std::all_of(policy.begin(), policy.end(),
                                           [](double value) { return std::isnan(value); })) {
            // Nothing from the parent yet (it always sends every value):
            // left as it is, so that the node waits for the job's budget
            // instead of taking its TDP for one.
            return;
        }
        double &limit = policy[M_POLICY_CPU_POWER_LIMIT];
        if (std::isnan(limit)) {
            limit = m_tdp;
        }
        for (int idx : {M_POLICY_STEP_COUNT, M_POLICY_MAX_EPOCH_RUNTIME, M_POLICY_POWER_SLACK}) {
            if (std::isnan(policy[idx])) {
                policy[idx] = 0.0;
            }
        }
        // 0 means "no new budget" and is passed on as is. A budget below
        // what the nodes can be held to cannot be kept: refused (GEOPM
        // raises it to the minimum, and the job draws more than its
        // budget). One above what they can use is brought down to it, as
        // GEOPM does.
        if (limit != 0.0 && limit < m_node_min) {
            bad_policy("validate_policy",
                       "CPU_POWER_LIMIT " + string_format_double(limit) +
                           " W is below the nodes' minimum, " + string_format_double(m_node_min) +
                           " W (CPU_POWER_MIN_AVAIL): the budget cannot be kept");
        }
        limit = std::min(limit, m_node_max);
        if (std::all_of(policy.begin(), policy.end(), [](double value) { return value == 0.0; })) {
            bad_policy("validate_policy",
                       "invalid policy: CPU_POWER_LIMIT, STEP_COUNT, MAX_EPOCH_RUNTIME and "
                       "POWER_SLACK are all 0 (CPU_POWER_LIMIT must be a budget in watts, or "
                       "NAN for TDP)");
        }
    }

    void PowerBalancerAgent::split_policy(const std::vector<double> &in_policy,
                                          std::vector<std::vector<double> > &out_policy)
    {
        check_size(in_policy, M_NUM_POLICY, "split_policy", "policy");
        m_do_send_policy = m_role == M_ROLE_ROOT ? root_descend(in_policy, out_policy)
                                                 : tree_descend(in_policy, out_policy);
    }

    void PowerBalancerAgent::check_budget(double cap, const std::string &method) const
    {
        // Reached only by a policy that starts a round with no budget
        // (CPU_POWER_LIMIT 0): validate_policy() brings any other into range.
        if (!(cap >= m_node_min && cap <= m_node_max)) {
            bad_policy(method, "CPU_POWER_LIMIT " + string_format_double(cap) +
                               " W is outside the range [" + string_format_double(m_node_min) +
                               ", " + string_format_double(m_node_max) +
                               "] W that the nodes allow (CPU_POWER_MIN_AVAIL, "
                               "CPU_POWER_MAX_AVAIL)");
        }
    }

    bool PowerBalancerAgent::root_descend(const std::vector<double> &in_policy,
                                          std::vector<std::vector<double> > &out_policy)
    {
        bool result = false;
        const double cap = in_policy[M_POLICY_CPU_POWER_LIMIT];
        if (cap != m_root_cap) {
            // A new budget (the first one too): start over.
            check_budget(cap, "split_policy");
            m_root_cap = cap;
            m_step_count = M_STEP_SEND_DOWN_LIMIT;
            m_is_step_complete = false;
            m_policy = {cap, (double)M_STEP_SEND_DOWN_LIMIT, 0.0, 0.0};
            result = true;
        }
        else if (m_policy[M_POLICY_STEP_COUNT] == m_step_count + 1) {
            // The step was completed below: send the next.
            ++m_step_count;
            m_is_step_complete = false;
            result = true;
        }
        else if (m_policy[M_POLICY_STEP_COUNT] != m_step_count) {
            throw Exception("PowerBalancerAgent::split_policy(): the root's policy step " +
                            format_step_count(m_policy[M_POLICY_STEP_COUNT]) +
                            " is out of sync with its step " + format_step_count(m_step_count),
                            GEOPM_ERROR_LOGIC, __FILE__, __LINE__);
        }
        if (result) {
            for (auto &child : out_policy) {
                child = m_policy;
            }
        }
        return result;
    }

    bool PowerBalancerAgent::tree_descend(const std::vector<double> &in_policy,
                                          std::vector<std::vector<double> > &out_policy)
    {
        const double step_count = in_policy[M_POLICY_STEP_COUNT];
        const double cap = in_policy[M_POLICY_CPU_POWER_LIMIT];
        // A new budget restarts the algorithm whatever step is in progress.
        const bool is_restart = cap != 0.0 && cap != m_policy[M_POLICY_CPU_POWER_LIMIT];
        if (!is_restart && (!m_is_step_complete || step_count == m_step_count)) {
            return false;
        }
        if (is_restart || step_count == M_STEP_SEND_DOWN_LIMIT) {
            m_step_count = M_STEP_SEND_DOWN_LIMIT;
        }
        else if (step_count == m_step_count + 1) {
            ++m_step_count;
        }
        else {
            throw Exception("PowerBalancerAgent::split_policy(): policy step " +
                            format_step_count(step_count) + " is out of sync with the step " +
                            format_step_count(m_step_count) + " of this agent",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        m_is_step_complete = false;
        m_policy = in_policy;
        for (auto &child : out_policy) {
            child = in_policy;
        }
        return true;
    }

    bool PowerBalancerAgent::do_send_policy(void) const
    {
        return m_do_send_policy;
    }

    void PowerBalancerAgent::aggregate_sample(const std::vector<std::vector<double> > &in_sample,
                                              std::vector<double> &out_sample)
    {
        m_do_send_sample = tree_ascend(in_sample, out_sample);
        if (m_do_send_sample && m_role == M_ROLE_ROOT) {
            complete_step(out_sample);
        }
    }

    bool PowerBalancerAgent::tree_ascend(const std::vector<std::vector<double> > &in_sample,
                                         std::vector<double> &out_sample)
    {
        Agent::aggregate_sample(in_sample, m_agg_func, out_sample);
        if (m_is_step_complete) {
            return false;
        }
        // Every child has reported the step in progress (a child that never
        // reported holds NaN).
        const bool is_done = std::all_of(in_sample.begin(), in_sample.end(),
            [this](const std::vector<double> &child) {
                return child[M_SAMPLE_STEP_COUNT] == m_step_count;
            });
        if (is_done) {
            m_is_step_complete = true;
        }
        return is_done;
    }

    void PowerBalancerAgent::complete_step(const std::vector<double> &sample)
    {
        switch (step_of(m_step_count)) {
            case M_STEP_SEND_DOWN_LIMIT:
                // The limit is in place: later steps carry no budget.
                m_policy[M_POLICY_CPU_POWER_LIMIT] = 0.0;
                break;
            case M_STEP_MEASURE_RUNTIME:
                m_policy[M_POLICY_MAX_EPOCH_RUNTIME] = sample[M_SAMPLE_MAX_EPOCH_RUNTIME];
                break;
            case M_STEP_REDUCE_LIMIT:
                // Shared evenly, but no node may be given more than the
                // smallest headroom.
                m_policy[M_POLICY_POWER_SLACK] =
                    std::min(sample[M_SAMPLE_SUM_POWER_SLACK] / m_num_node,
                             sample[M_SAMPLE_MIN_POWER_HEADROOM]);
                break;
            default:
                break;
        }
        m_policy[M_POLICY_STEP_COUNT] = m_step_count + 1;
    }

    bool PowerBalancerAgent::do_send_sample(void) const
    {
        return m_do_send_sample;
    }

    void PowerBalancerAgent::adjust_platform(const std::vector<double> &in_policy)
    {
        check_size(in_policy, M_NUM_POLICY, "adjust_platform", "policy");
        m_do_write_batch = false;
        if (std::isnan(in_policy[M_POLICY_CPU_POWER_LIMIT])) {
            // No policy received yet (see validate_policy()).
            return;
        }
        if (!m_is_single_node) {
            m_policy = in_policy;
        }
        else if (in_policy[M_POLICY_CPU_POWER_LIMIT] != m_root_cap) {
            // Alone, the leaf is its own root: a new budget starts over.
            check_budget(in_policy[M_POLICY_CPU_POWER_LIMIT], "adjust_platform");
            m_root_cap = in_policy[M_POLICY_CPU_POWER_LIMIT];
            m_policy = in_policy;
        }
        else if (are_steps_complete()) {
            std::vector<double> sample(M_NUM_SAMPLE, 0.0);
            sample[M_SAMPLE_STEP_COUNT] = m_step_count;
            sample[M_SAMPLE_MAX_EPOCH_RUNTIME] = m_policy[M_POLICY_MAX_EPOCH_RUNTIME];
            sample[M_SAMPLE_SUM_POWER_SLACK] = m_policy[M_POLICY_POWER_SLACK];
            sample[M_SAMPLE_MIN_POWER_HEADROOM] = m_policy[M_POLICY_POWER_SLACK];
            complete_step(sample);
        }

        if (m_policy[M_POLICY_CPU_POWER_LIMIT] != 0.0) {
            restart(m_policy[M_POLICY_CPU_POWER_LIMIT]);
        }
        else if (m_policy[M_POLICY_STEP_COUNT] != m_step_count) {
            ++m_step_count;
            if (m_step_count != m_policy[M_POLICY_STEP_COUNT]) {
                throw Exception("PowerBalancerAgent::adjust_platform(): policy step " +
                                format_step_count(m_policy[M_POLICY_STEP_COUNT]) +
                                " is out of sync with the step " + format_step_count(m_step_count) +
                                " of this agent (or the first policy had no CPU_POWER_LIMIT)",
                                GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
            }
            set_steps_complete(false);
            enter_step();
        }

        // Apply what each balancer asks for, within the package's bounds.
        for (int pkg = 0; pkg < m_num_pkg; ++pkg) {
            PowerBalancer &balancer = *m_balancer[pkg];
            Package &package = m_pkg[pkg];
            double request = balancer.power_limit();
            if (std::isnan(request) || request == 0.0) {
                continue;
            }
            if (request < m_pkg_min) {
                // As low as it goes: the reduce step ends here.
                package.is_out_of_bounds = true;
                request = m_pkg_min;
            }
            else if (request > m_pkg_max) {
                request = m_pkg_max;
            }
            if (request != package.enforced_limit) {
                m_platform_io.adjust(package.limit_ctl_idx, request);
                balancer.power_limit_adjusted(request);
                package.enforced_limit = request;
                m_do_write_batch = true;
            }
        }
    }

    void PowerBalancerAgent::restart(double node_limit)
    {
        m_step_count = M_STEP_SEND_DOWN_LIMIT;
        for (auto &balancer : m_balancer) {
            balancer->power_cap(node_limit / m_num_pkg);
        }
        set_steps_complete(true);
    }

    void PowerBalancerAgent::enter_step(void)
    {
        switch (step_of(m_step_count)) {
            case M_STEP_SEND_DOWN_LIMIT:
                enter_send_down_limit();
                break;
            case M_STEP_MEASURE_RUNTIME:
                // Measured in sample_platform() under the limits in place.
                break;
            case M_STEP_REDUCE_LIMIT:
                for (auto &balancer : m_balancer) {
                    balancer->target_runtime(m_policy[M_POLICY_MAX_EPOCH_RUNTIME]);
                }
                break;
            default:
                break;
        }
    }

    void PowerBalancerAgent::enter_send_down_limit(void)
    {
        // The node's share of the slack raises each package's cap from its
        // current limit: evenly as far as the fullest package allows, the
        // rest by how much headroom each package has left.
        double slack = m_policy[M_POLICY_POWER_SLACK];
        double min_headroom = std::numeric_limits<double>::max();
        for (const auto &balancer : m_balancer) {
            min_headroom = std::min(min_headroom, m_pkg_max - balancer->power_limit());
        }
        double even_slack = slack / m_num_pkg;
        if (even_slack < min_headroom) {
            slack = 0.0;
        }
        else {
            even_slack = min_headroom;
            slack -= even_slack * m_num_pkg;
        }
        double total_headroom = 0.0;
        for (const auto &balancer : m_balancer) {
            total_headroom += m_pkg_max - (balancer->power_limit() + even_slack);
        }
        for (auto &balancer : m_balancer) {
            const double headroom = m_pkg_max - (balancer->power_limit() + even_slack);
            const double share = total_headroom != 0.0 ? headroom / total_headroom : 1.0;
            balancer->power_cap(balancer->power_limit() + even_slack + share * slack);
        }
        set_steps_complete(true);
    }

    bool PowerBalancerAgent::do_write_batch(void) const
    {
        return m_do_write_batch;
    }

    double PowerBalancerAgent::new_epoch_runtime(Package &pkg)
    {
        const double epoch_count = pkg.epoch_count;
        double result = NAN;
        // The first epoch call only starts the first epoch.
        if (epoch_count > 1 && epoch_count != pkg.last_epoch_count && !pkg.is_step_complete) {
            // Node-local time only: not time spent waiting on other nodes
            // (network) nor time the application asked to ignore.
            result = m_sample_agg->sample_epoch_last(pkg.time_idx) -
                     m_sample_agg->sample_epoch_last(pkg.network_idx) -
                     m_sample_agg->sample_epoch_last(pkg.ignore_idx);
        }
        if (!std::isnan(epoch_count)) {
            pkg.last_epoch_count = epoch_count;
        }
        return result;
    }

    void PowerBalancerAgent::sample_measure_runtime(void)
    {
        for (int pkg = 0; pkg < m_num_pkg; ++pkg) {
            Package &package = m_pkg[pkg];
            const double runtime = new_epoch_runtime(package);
            if (package.is_idle) {
                package.is_step_complete = true;
            }
            if (std::isnan(runtime)) {
                continue;
            }
            PowerBalancer &balancer = *m_balancer[pkg];
            package.is_step_complete = balancer.is_runtime_stable(runtime);
            package.runtime = balancer.runtime_sample();
        }
    }

    void PowerBalancerAgent::sample_reduce_limit(void)
    {
        for (int pkg = 0; pkg < m_num_pkg; ++pkg) {
            Package &package = m_pkg[pkg];
            const double runtime = new_epoch_runtime(package);
            PowerBalancer &balancer = *m_balancer[pkg];
            if (package.is_idle && !package.is_step_complete) {
                // Keeps its limit: nothing saved.
                package.is_step_complete = true;
                package.power_slack = balancer.power_cap() - balancer.power_limit();
                package.power_headroom = m_pkg_max - balancer.power_limit();
            }
            if (std::isnan(runtime)) {
                continue;
            }
            package.is_step_complete = package.is_out_of_bounds ||
                                       balancer.is_target_met(runtime);
            package.is_out_of_bounds = false;
            package.power_slack = balancer.power_slack();
            package.power_headroom = m_pkg_max - balancer.power_limit();
        }
    }

    void PowerBalancerAgent::sample_platform(std::vector<double> &out_sample)
    {
        if (out_sample.size() != M_NUM_SAMPLE) {
            throw Exception("PowerBalancerAgent::sample_platform(): expected " +
                            std::to_string(M_NUM_SAMPLE) + " sample values, got " +
                            std::to_string(out_sample.size()),
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        // First, so that the epoch that just ended is the last one.
        m_sample_agg->update();
        // A package that no application process runs on has no epochs
        // (NaN) while another has: it has nothing to measure and must not
        // hold the node's step back.
        bool is_any_epoch = false;
        for (auto &package : m_pkg) {
            package.epoch_count = m_platform_io.sample(package.epoch_count_idx);
            is_any_epoch = is_any_epoch || package.epoch_count > 1;
        }
        for (auto &package : m_pkg) {
            package.is_idle = is_any_epoch && std::isnan(package.epoch_count);
        }
        switch (step_of(m_step_count)) {
            case M_STEP_MEASURE_RUNTIME:
                sample_measure_runtime();
                break;
            case M_STEP_REDUCE_LIMIT:
                sample_reduce_limit();
                break;
            default:
                // Nothing to measure before the first policy or while the
                // limit is sent down.
                for (auto &package : m_pkg) {
                    new_epoch_runtime(package);
                }
                break;
        }
        double runtime = 0.0;
        double slack = 0.0;
        double headroom = 0.0;
        for (const auto &package : m_pkg) {
            runtime = std::max(runtime, package.runtime);
            slack += package.power_slack;
            headroom += package.power_headroom;
        }
        out_sample[M_SAMPLE_STEP_COUNT] = m_step_count;
        out_sample[M_SAMPLE_MAX_EPOCH_RUNTIME] = runtime;
        out_sample[M_SAMPLE_SUM_POWER_SLACK] = slack;
        out_sample[M_SAMPLE_MIN_POWER_HEADROOM] = headroom;
        m_do_send_sample = m_step_count >= 0 && are_steps_complete();
        if (m_is_single_node && m_do_send_sample) {
            m_policy[M_POLICY_MAX_EPOCH_RUNTIME] = runtime;
            m_policy[M_POLICY_POWER_SLACK] = std::min(slack, headroom);
        }
    }

    void PowerBalancerAgent::set_steps_complete(bool is_complete)
    {
        for (auto &package : m_pkg) {
            package.is_step_complete = is_complete;
        }
    }

    bool PowerBalancerAgent::are_steps_complete(void) const
    {
        return std::all_of(m_pkg.begin(), m_pkg.end(),
                           [](const Package &package) { return package.is_step_complete; });
    }

    double PowerBalancerAgent::enforced_limit(void) const
    {
        double result = 0.0;
        for (const auto &package : m_pkg) {
            result += package.enforced_limit;
        }
        return result;
    }

    void PowerBalancerAgent::wait(void)
    {
        m_waiter->wait();
    }

    double PowerBalancerAgent::period(void) const
    {
        return m_waiter->period();
    }

    std::vector<std::pair<std::string, std::string> > PowerBalancerAgent::report_header(void) const
    {
        return {};
    }

    std::vector<std::pair<std::string, std::string> > PowerBalancerAgent::report_host(void) const
    {
        return {};
    }

    std::map<uint64_t, std::vector<std::pair<std::string, std::string> > >
    PowerBalancerAgent::report_region(void) const
    {
        return {};
    }

    std::vector<std::string> PowerBalancerAgent::trace_names(void) const
    {
        return {"POLICY_CPU_POWER_LIMIT", "POLICY_STEP_COUNT", "POLICY_MAX_EPOCH_RUNTIME",
                "POLICY_POWER_SLACK", "ENFORCED_POWER_LIMIT"};
    }

    std::vector<std::function<std::string(double)> > PowerBalancerAgent::trace_formats(void) const
    {
        return {string_format_double, format_step_count, string_format_double,
                string_format_double, string_format_double};
    }

    void PowerBalancerAgent::trace_values(std::vector<double> &values)
    {
        if (values.size() != M_NUM_TRACE) {
            throw Exception("PowerBalancerAgent::trace_values(): expected " +
                            std::to_string(M_NUM_TRACE) + " values, got " +
                            std::to_string(values.size()),
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        values[M_TRACE_POLICY_CPU_POWER_LIMIT] = m_policy[M_POLICY_CPU_POWER_LIMIT];
        values[M_TRACE_POLICY_STEP_COUNT] = m_policy[M_POLICY_STEP_COUNT];
        values[M_TRACE_POLICY_MAX_EPOCH_RUNTIME] = m_policy[M_POLICY_MAX_EPOCH_RUNTIME];
        values[M_TRACE_POLICY_POWER_SLACK] = m_policy[M_POLICY_POWER_SLACK];
        values[M_TRACE_ENFORCED_POWER_LIMIT] = enforced_limit();
    }

    void PowerBalancerAgent::enforce_policy(const std::vector<double> &policy) const
    {
        check_size(policy, M_NUM_POLICY, "enforce_policy", "policy");
        m_platform_io.write_control("CPU_POWER_LIMIT_CONTROL", GEOPM_DOMAIN_BOARD, 0,
                                    policy[M_POLICY_CPU_POWER_LIMIT]);
    }
}
