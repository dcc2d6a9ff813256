#include "Controller.hpp"

#include <signal.h>

#include <cmath>
#include <utility>

#include "geopm/Agent.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_bridge/NodeContext.hpp"

#include "Application.hpp"
#include "Endpoint.hpp"
#include "Policy.hpp"
#include "Reporter.hpp"
#include "SignalGuard.hpp"
#include "SignalRequest.hpp"
#include "Tracer.hpp"
#include "TreeComm.hpp"

namespace geopm_bridge
{
    namespace
    {
        // How long a stopped application may take to exit before SIGKILL.
        constexpr double M_TERMINATE_GRACE = 5.0;

        // GEOPM's rule for the profile name: no newlines nor double quotes
        // (they would break the report), "default" when empty.
        std::string clean_profile(std::string profile)
        {
            std::string result;
            for (char ch : profile) {
                if (ch != '\n' && ch != '"') {
                    result += ch;
                }
            }
            return result.empty() ? "default" : result;
        }

        std::string node_hostname(void)
        {
            std::string name = current_node().name();
            return name.empty() ? geopm::hostname() : name;
        }

        const std::string &known_agent(const std::string &agent_name)
        {
            auto names = geopm::agent_factory().plugin_names();
            for (const auto &name : names) {
                if (name == agent_name) {
                    return agent_name;
                }
            }
            throw geopm::Exception("unknown agent \"" + agent_name + "\" (known agents: " +
                                   geopm::string_join(names, ", ") + ")",
                                   GEOPM_ERROR_NO_AGENT, __FILE__, __LINE__);
        }

        // Equality where NaN equals NaN: an unchanged policy holding NaN
        // is not a new policy.
        bool is_same_policy(const std::vector<double> &aa, const std::vector<double> &bb)
        {
            for (size_t idx = 0; idx < aa.size(); ++idx) {
                if (!(aa[idx] == bb[idx] || (std::isnan(aa[idx]) && std::isnan(bb[idx])))) {
                    return false;
                }
            }
            return true;
        }

        std::string what_of(const std::exception_ptr &error)
        {
            try {
                std::rethrow_exception(error);
            }
            catch (const std::exception &ex) {
                return ex.what();
            }
            catch (...) {
                return "unknown exception";
            }
        }

        double seconds_since(const geopm_time_s &begin)
        {
            return geopm_time_since(&begin);
        }
    }

    Controller::Controller(const JobConfig &config, std::unique_ptr<TreeComm> tree_comm)
        : m_config(config)
        , m_profile(clean_profile(config.profile))
        , m_hostname(node_hostname())
        , m_platform_io(geopm::platform_io())
        , m_platform_topo(geopm::platform_topo())
        , m_tree_comm(std::move(tree_comm))
        , m_num_level_ctl(m_tree_comm->num_level_controlled())
        , m_root_level(m_tree_comm->root_level())
        , m_is_root(m_num_level_ctl == m_root_level)
        , m_policy_names(geopm::Agent::policy_names(known_agent(config.agent)))
        , m_sample_names(geopm::Agent::sample_names(config.agent))
        , m_in_policy(m_policy_names.size(), NAN)
        , m_last_policy(m_policy_names.size(), NAN)
        , m_out_policy(m_num_level_ctl)
        , m_in_sample(m_num_level_ctl)
        , m_out_sample(m_sample_names.size(), NAN)
        , m_job_start{}
        , m_app_start{}
        , m_startup(0.0)
        , m_overhead(0.0)
        , m_num_iteration(0)
    {
        geopm_time(&m_job_start);
        m_app_start = m_job_start;
        char time_text[64] = {};
        geopm_time_string(sizeof(time_text), time_text);
        m_start_time = time_text;
        // A bad policy file is refused before any agent exists.
        if (config.endpoint.empty()) {
            m_file_policy = std::make_unique<FilePolicy>(config.policy_path, config.agent,
                                                         m_policy_names);
        }
        for (int level = 0; level <= m_num_level_ctl; ++level) {
            m_agent.push_back(geopm::agent_factory().make_plugin(config.agent));
        }
        for (int level = 0; level < m_num_level_ctl; ++level) {
            size_t num_child = m_tree_comm->level_size(level);
            m_out_policy[level].assign(num_child, std::vector<double>(m_policy_names.size(), NAN));
            m_in_sample[level].assign(num_child, std::vector<double>(m_sample_names.size(), NAN));
        }
    }

    Controller::~Controller() = default;

    template <typename func_t>
    void Controller::capture(func_t func)
    {
        try {
            func();
        }
        catch (...) {
            if (!m_error) {
                m_error = std::current_exception();
            }
        }
    }

    void Controller::setup(void)
    {
        // As GEOPM: fan_in[level] is the number of children per parent at
        // level, and an agent is a level root where this node is a parent.
        std::vector<int> fan_in(m_root_level);
        for (int level = 0; level < m_root_level; ++level) {
            fan_in[level] = m_tree_comm->level_size(level);
        }
        for (int level = 0; level <= m_num_level_ctl; ++level) {
            m_agent[level]->init(level, fan_in, level < m_num_level_ctl);
        }
        auto signal_names = m_platform_io.signal_names();
        if (!m_config.report_path.empty()) {
            m_reporter = std::make_unique<Reporter>(
                m_config.report_path, m_platform_io, m_platform_topo,
                parse_signal_requests(m_config.report_signals, signal_names, "GEOPM_REPORT_SIGNALS"));
        }
        if (!m_config.trace_path.empty()) {
            auto columns = m_agent[0]->trace_names();
            m_tracer = std::make_unique<Tracer>(
                m_config.trace_path, TraceHeader{m_start_time, m_profile, m_hostname, m_config.agent},
                m_platform_io, m_platform_topo,
                parse_signal_requests(m_config.trace_signals, signal_names, "GEOPM_TRACE_SIGNALS"),
                columns, m_agent[0]->trace_formats());
            m_trace_values.assign(columns.size(), NAN);
        }
        if (!m_config.endpoint.empty() && m_is_root) {
            m_endpoint = std::make_unique<Endpoint>(m_config.endpoint, m_config.agent, m_policy_names,
                                                    m_sample_names, std::vector<std::string>{m_hostname},
                                                    seconds_since(m_job_start));
        }
    }

    int Controller::run(SignalGuard &signals)
    {
        geopm::time_zero_reset(m_job_start);
        m_platform_io.save_control();
        std::unique_ptr<Application> app;
        try {
            setup();
            if (signals.stop_signal() == 0 && !m_config.app_argv.empty()) {
                app = std::make_unique<Application>(m_config.app_argv);
                geopm_time(&m_app_start);
            }
        }
        catch (...) {
            // Nothing ran: put the controls back and report the cause.
            try {
                m_platform_io.restore_control();
            }
            catch (...) {
            }
            throw;
        }
        capture([&]() {
            m_platform_io.read_batch();
            if (m_reporter) {
                m_reporter->update();
            }
            m_startup = seconds_since(m_job_start);
            loop(signals, app.get());
        });
        // Without an application a signal is the normal end of the job.
        int interrupt_signal = m_config.app_argv.empty() ? 0 : signals.stop_signal();
        if (app != nullptr) {
            app->terminate(M_TERMINATE_GRACE);
        }
        finish(interrupt_signal);
        if (m_error) {
            std::rethrow_exception(m_error);
        }
        if (interrupt_signal != 0) {
            return 128 + interrupt_signal;
        }
        return app != nullptr ? app->exit_code() : 0;
    }

    void Controller::loop(SignalGuard &signals, Application *app)
    {
        // SIGCHLD says when to look: no waitpid() in every iteration.
        while (signals.stop_signal() == 0 &&
               !(app != nullptr && signals.take_child_event() && !app->is_running())) {
            step();
        }
    }

    void Controller::step(void)
    {
        geopm_time_s begin;
        geopm_time_s after_down;
        geopm_time_s after_wait;
        geopm_time_s end;
        geopm_time(&begin);
        walk_down();
        geopm_time(&after_down);
        m_agent[0]->wait();
        geopm_time(&after_wait);
        walk_up();
        geopm_time(&end);
        m_overhead += geopm_time_diff(&begin, &after_down) + geopm_time_diff(&after_wait, &end);
        ++m_num_iteration;
        if (m_endpoint) {
            m_endpoint->publish(geopm_time_diff(&m_job_start, &end));
        }
    }

    void Controller::walk_down(void)
    {
        bool do_send = false;
        if (!m_is_root) {
            do_send = m_tree_comm->receive_down(m_num_level_ctl, m_in_policy);
        }
        else if (m_endpoint) {
            // Only a changed policy goes down the tree.
            m_endpoint->read_policy(m_in_policy);
            do_send = !is_same_policy(m_in_policy, m_last_policy);
            if (do_send) {
                m_last_policy = m_in_policy;
            }
        }
        else {
            m_in_policy = m_file_policy->policy();
            do_send = true;
        }
        const size_t num_policy = m_policy_names.size();
        for (int level = m_num_level_ctl - 1; level >= 0; --level) {
            geopm::Agent &agent = *m_agent[level + 1];
            if (do_send) {
                agent.validate_policy(m_in_policy);
                check_size(level + 1, "validate_policy", "policy", m_in_policy.size(), num_policy);
                agent.split_policy(m_in_policy, m_out_policy[level]);
                check_size(level + 1, "split_policy", "out_policy", m_out_policy[level].size(),
                           m_tree_comm->level_size(level));
                for (const auto &child_policy : m_out_policy[level]) {
                    check_size(level + 1, "split_policy", "out_policy[child]",
                               child_policy.size(), num_policy);
                }
                do_send = agent.do_send_policy();
            }
            if (do_send) {
                m_tree_comm->send_down(level, m_out_policy[level]);
            }
            do_send = m_tree_comm->receive_down(level, m_in_policy);
        }
        geopm::Agent &leaf = *m_agent[0];
        leaf.validate_policy(m_in_policy);
        check_size(0, "validate_policy", "policy", m_in_policy.size(), num_policy);
        leaf.adjust_platform(m_in_policy);
        if (leaf.do_write_batch()) {
            m_platform_io.write_batch();
        }
    }

    void Controller::walk_up(void)
    {
        const size_t num_sample = m_sample_names.size();
        m_platform_io.read_batch();
        geopm::Agent &leaf = *m_agent[0];
        leaf.sample_platform(m_out_sample);
        check_size(0, "sample_platform", "out_sample", m_out_sample.size(), num_sample);
        bool do_send = check_sample(0, "sample_platform", leaf.do_send_sample());
        if (m_reporter) {
            m_reporter->update();
        }
        if (m_tracer) {
            leaf.trace_values(m_trace_values);
            check_size(0, "trace_values", "values", m_trace_values.size(),
                       m_tracer->num_agent_column());
            m_tracer->update(m_trace_values);
        }
        for (int level = 0; level < m_num_level_ctl; ++level) {
            if (do_send) {
                m_tree_comm->send_up(level, m_out_sample);
            }
            do_send = m_tree_comm->receive_up(level, m_in_sample[level]);
            if (do_send) {
                geopm::Agent &agent = *m_agent[level + 1];
                agent.aggregate_sample(m_in_sample[level], m_out_sample);
                check_size(level + 1, "aggregate_sample", "out_sample", m_out_sample.size(), num_sample);
                do_send = check_sample(level + 1, "aggregate_sample", agent.do_send_sample());
            }
        }
        if (do_send) {
            if (!m_is_root) {
                m_tree_comm->send_up(m_num_level_ctl, m_out_sample);
            }
            else if (m_endpoint) {
                m_endpoint->write_sample(m_out_sample);
            }
        }
    }

    void Controller::bad_output(int level, const char *hook, const std::string &what) const
    {
        throw geopm::Exception("agent \"" + m_config.agent + "\" at level " + std::to_string(level) +
                               ": " + hook + "() " + what, GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }

    void Controller::check_size(int level, const char *hook, const char *name,
                                size_t actual, size_t expected) const
    {
        if (actual != expected) {
            bad_output(level, hook, std::string("changed the length of ") + name + " from " +
                       std::to_string(expected) + " to " + std::to_string(actual) +
                       " (the controller sizes every vector; agents must not resize them)");
        }
    }

    bool Controller::check_sample(int level, const char *hook, bool do_send) const
    {
        if (!do_send) {
            return false;
        }
        for (size_t idx = 0; idx < m_out_sample.size(); ++idx) {
            if (!std::isnan(m_out_sample[idx])) {
                continue;
            }
            // In the first iteration an agent may have nothing to measure
            // yet (rates need two readings): the sample is just not sent.
            if (m_num_iteration == 0) {
                return false;
            }
            bad_output(level, hook, "left NaN in out_sample[" + std::to_string(idx) + "] (" +
                       m_sample_names[idx] + ") while do_send_sample() is true: " +
                       "a sample that is sent must be complete");
        }
        return true;
    }

    void Controller::finish(int interrupt_signal)
    {
        // A final reading so the totals cover the whole run.
        capture([&]() {
            m_platform_io.read_batch();
            if (m_reporter) {
                m_reporter->update();
            }
        });
        double runtime = seconds_since(m_app_start);
        if (m_reporter) {
            ReportContent content;
            if (m_is_root) {
                capture([&]() { content.agent_header = m_agent[m_root_level]->report_header(); });
            }
            capture([&]() { content.agent_host = m_agent[0]->report_host(); });
            capture([&]() { content.agent_region = m_agent[0]->report_region(); });
            content.start_time = m_start_time;
            content.profile = m_profile;
            content.agent = m_config.agent;
            content.policy = m_config.endpoint.empty() ? m_file_policy->json() : "DYNAMIC";
            if (m_error) {
                content.status = "error: " + what_of(m_error);
            }
            else if (interrupt_signal != 0) {
                content.status = std::string("interrupted by ") +
                                 (interrupt_signal == SIGINT ? "SIGINT" : "SIGTERM");
            }
            content.hostname = m_hostname;
            content.runtime = runtime;
            content.startup = m_startup;
            content.overhead = m_overhead;
            content.network_bytes = m_tree_comm->overhead_send();
            capture([&]() { m_reporter->generate(content); });
        }
        if (m_endpoint) {
            capture([&]() { m_endpoint->publish(seconds_since(m_job_start), true); });
        }
        if (m_tracer) {
            capture([&]() { m_tracer->flush(); });
        }
        capture([&]() { m_platform_io.restore_control(); });
    }
}
