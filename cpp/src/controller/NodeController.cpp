#include "NodeController.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "geopm/Agent.hpp"
#include "geopm/Exception.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_bridge/Controller.hpp"
#include "geopm_bridge/NodeContext.hpp"
#include "geopm_time.h"

#include "core/ErrorText.hpp"
#include "platform/PlatformIOImp.hpp"
#include "profile/ProfileSource.hpp"
#include "tree/TreeComm.hpp"
#include "InitControl.hpp"
#include "SignalRequest.hpp"
#include "ProfileTracer.hpp"
#include "Tracer.hpp"

namespace geopm_bridge
{
    NodeController::NodeController(const JobConfig &config, NodeContext &node,
                                   const std::string &name, std::unique_ptr<TreeComm> tree_comm,
                                   bool do_prefix_errors)
        : m_config(config)
        , m_node(node)
        , m_name(name)
        , m_do_prefix_errors(do_prefix_errors)
        , m_platform_io(node.platform_io())
        , m_platform_topo(node.platform_topo())
        , m_tree_comm(std::move(tree_comm))
        , m_num_level_ctl(m_tree_comm->num_level_controlled())
        , m_root_level(m_tree_comm->root_level())
        , m_is_root(m_num_level_ctl == m_root_level)
        , m_policy_names(geopm::Agent::policy_names(config.agent))
        , m_sample_names(geopm::Agent::sample_names(config.agent))
        , m_level(0)
        , m_overhead(0.0)
        , m_in_policy(m_policy_names.size(), NAN)
        , m_out_policy(m_num_level_ctl)
        , m_in_sample(m_num_level_ctl)
        , m_out_sample(m_sample_names.size(), NAN)
    {
        in_node([&]() {
            // One agent per level, each made while this node is current.
            for (m_level = 0; m_level <= m_num_level_ctl; ++m_level) {
                m_agent.push_back(geopm::agent_factory().make_plugin(config.agent));
            }
        });
        for (int level = 0; level < m_num_level_ctl; ++level) {
            size_t num_child = m_tree_comm->level_size(level);
            m_out_policy[level].assign(num_child, std::vector<double>(m_policy_names.size(), NAN));
            m_in_sample[level].assign(num_child, std::vector<double>(m_sample_names.size(), NAN));
        }
    }

    NodeController::~NodeController()
    {
        // Agents may hold the node's platform: they go first, with the
        // node current.
        NodeScope scope(m_node);
        m_agent.clear();
    }

    template <typename func_t>
    auto NodeController::in_node(func_t func) -> decltype(func())
    {
        NodeScope scope(m_node);
        if (!m_do_prefix_errors) {
            return func();
        }
        try {
            return func();
        }
        catch (...) {
            // The error code is kept; the node and level go in front.
            int err = 0;
            std::string what = error_text(std::current_exception(), &err);
            throw geopm::Exception("node " + m_name + ", level " + std::to_string(m_level) + ": " +
                                   what, err, nullptr, 0);
        }
    }

    const std::string &NodeController::name(void) const
    {
        return m_name;
    }

    bool NodeController::is_root(void) const
    {
        return m_is_root;
    }

    int NodeController::root_level(void) const
    {
        return m_root_level;
    }

    const std::vector<std::string> &NodeController::policy_names(void) const
    {
        return m_policy_names;
    }

    const std::vector<std::string> &NodeController::sample_names(void) const
    {
        return m_sample_names;
    }

    void NodeController::save_control(void)
    {
        m_level = 0;
        in_node([&]() { m_platform_io.save_control(); });
    }

    void NodeController::restore_control(void)
    {
        m_level = 0;
        in_node([&]() { m_platform_io.restore_control(); });
    }

    void NodeController::save_control(const std::string &dir)
    {
        m_level = 0;
        in_node([&]() { m_platform_io.save_control(dir); });
    }

    void NodeController::restore_control(const std::string &dir)
    {
        m_level = 0;
        in_node([&]() { m_platform_io.restore_control(dir); });
    }

    void NodeController::write_controls(const std::vector<InitControlRequest> &requests)
    {
        m_level = 0;
        in_node([&]() {
            for (const auto &request : requests) {
                m_platform_io.write_control(request.name, request.domain, request.domain_idx,
                                            request.value);
            }
        });
    }

    void NodeController::setup(const std::string &start_time, const std::string &profile,
                               size_t trace_buffer_size)
    {
        in_node([&]() {
            // As GEOPM: fan_in[level] is the number of children per parent
            // at level, and an agent is a level root where this node is a
            // parent.
            std::vector<int> fan_in(m_root_level);
            for (int level = 0; level < m_root_level; ++level) {
                fan_in[level] = m_tree_comm->level_size(level);
            }
            // The pushes in between are the agents' (the report's and
            // the trace's follow).
            auto *pio = dynamic_cast<geopm::PlatformIOImp *>(&m_platform_io);
            size_t num_before = pio ? pio->pushed_signals().size() : 0;
            for (m_level = 0; m_level <= m_num_level_ctl; ++m_level) {
                m_agent[m_level]->init(m_level, fan_in, m_level < m_num_level_ctl);
            }
            m_level = 0;
            if (pio != nullptr) {
                auto pushed = pio->pushed_signals();
                m_agent_signals.assign(pushed.begin() + std::min(num_before, pushed.size()),
                                       pushed.end());
                m_iogroups = pio->iogroup_names();
            }
            if (!m_config.report_path.empty()) {
                m_reporter = std::make_unique<Reporter>(
                    m_platform_io, m_platform_topo,
                    parse_signal_requests(m_config.report_signals, m_platform_io, m_platform_topo,
                                          "GEOPM_REPORT_SIGNALS"));
            }
            if (!m_config.trace_path.empty()) {
                auto columns = m_agent[0]->trace_names();
                m_tracer = std::make_unique<Tracer>(
                    m_config.trace_path, TraceHeader{start_time, profile, m_name, m_config.agent},
                    m_platform_io, m_platform_topo,
                    parse_signal_requests(m_config.trace_signals, m_platform_io, m_platform_topo,
                                          "GEOPM_TRACE_SIGNALS"),
                    columns, m_agent[0]->trace_formats(), trace_buffer_size);
                m_trace_values.assign(columns.size(), NAN);
            }
            ProfileSource *source = ProfileSource::of(m_node);
            if (!m_config.trace_profile_path.empty() && source != nullptr) {
                source->keep_events();
                m_profile_tracer = std::make_unique<ProfileTracer>(
                    m_config.trace_profile_path, TraceHeader{start_time, profile, m_name, m_config.agent},
                    trace_buffer_size);
            }
        });
    }

    void NodeController::read(void)
    {
        m_level = 0;
        in_node([&]() {
            m_platform_io.read_batch();
            update_profile_output();
        });
    }

    void NodeController::walk_down(const std::vector<double> *root_policy)
    {
        geopm_time_s begin;
        geopm_time(&begin);
        in_node([&]() {
            bool do_send = false;
            if (!m_is_root) {
                do_send = m_tree_comm->receive_down(m_num_level_ctl, m_in_policy);
            }
            else if (root_policy != nullptr) {
                m_in_policy = *root_policy;
                do_send = true;
            }
            const size_t num_policy = m_policy_names.size();
            for (int level = m_num_level_ctl - 1; level >= 0; --level) {
                m_level = level + 1;
                geopm::Agent &agent = *m_agent[m_level];
                if (do_send) {
                    agent.validate_policy(m_in_policy);
                    check_size("validate_policy", "policy", m_in_policy.size(), num_policy);
                    agent.split_policy(m_in_policy, m_out_policy[level]);
                    // in_sample is const to agents: its size is the fan-in.
                    check_size("split_policy", "out_policy", m_out_policy[level].size(),
                               m_in_sample[level].size());
                    for (const auto &child_policy : m_out_policy[level]) {
                        check_size("split_policy", "out_policy[child]", child_policy.size(), num_policy);
                    }
                    do_send = agent.do_send_policy();
                }
                if (do_send) {
                    m_tree_comm->send_down(level, m_out_policy[level]);
                }
                do_send = m_tree_comm->receive_down(level, m_in_policy);
            }
            m_level = 0;
            geopm::Agent &leaf = *m_agent[0];
            leaf.validate_policy(m_in_policy);
            check_size("validate_policy", "policy", m_in_policy.size(), num_policy);
            leaf.adjust_platform(m_in_policy);
            if (leaf.do_write_batch()) {
                m_platform_io.write_batch();
            }
        });
        m_overhead += geopm_time_since(&begin);
    }

    void NodeController::wait(void)
    {
        m_level = 0;
        in_node([&]() { m_agent[0]->wait(); });
    }

    bool NodeController::walk_up(int iteration)
    {
        geopm_time_s begin;
        geopm_time(&begin);
        bool result = in_node([&]() {
            const size_t num_sample = m_sample_names.size();
            m_level = 0;
            m_platform_io.read_batch();
            geopm::Agent &leaf = *m_agent[0];
            leaf.sample_platform(m_out_sample);
            check_size("sample_platform", "out_sample", m_out_sample.size(), num_sample);
            bool do_send = check_sample("sample_platform", leaf.do_send_sample(), iteration);
            update_profile_output();
            if (m_tracer) {
                leaf.trace_values(m_trace_values);
                check_size("trace_values", "values", m_trace_values.size(),
                           m_tracer->num_agent_column());
                m_tracer->update(m_trace_values);
            }
            for (int level = 0; level < m_num_level_ctl; ++level) {
                if (do_send) {
                    m_tree_comm->send_up(level, m_out_sample);
                }
                do_send = m_tree_comm->receive_up(level, m_in_sample[level]);
                if (do_send) {
                    m_level = level + 1;
                    geopm::Agent &agent = *m_agent[m_level];
                    agent.aggregate_sample(m_in_sample[level], m_out_sample);
                    check_size("aggregate_sample", "out_sample", m_out_sample.size(), num_sample);
                    do_send = check_sample("aggregate_sample", agent.do_send_sample(), iteration);
                }
            }
            if (do_send && !m_is_root) {
                m_tree_comm->send_up(m_num_level_ctl, m_out_sample);
            }
            return do_send && m_is_root;
        });
        m_overhead += geopm_time_since(&begin);
        return result;
    }

    const std::vector<double> &NodeController::sample(void) const
    {
        return m_out_sample;
    }

    report_pairs_t NodeController::report_header(void)
    {
        m_level = m_root_level;
        return in_node([&]() { return m_agent[m_root_level]->report_header(); });
    }

    std::string NodeController::report_host(double runtime, double startup, std::exception_ptr &error)
    {
        if (!m_reporter) {
            return "";
        }
        ReportHost host;
        host.hostname = m_name;
        host.runtime = runtime;
        host.startup = startup;
        host.overhead = m_overhead;
        host.network_bytes = m_tree_comm->overhead_send();
        m_level = 0;
        auto keep = [&error](std::exception_ptr caught) {
            if (!error) {
                error = caught;
            }
        };
        try {
            host.agent_host = in_node([&]() { return m_agent[0]->report_host(); });
        }
        catch (...) {
            keep(std::current_exception());
        }
        try {
            host.agent_region = in_node([&]() { return m_agent[0]->report_region(); });
        }
        catch (...) {
            keep(std::current_exception());
        }
        return in_node([&]() { return m_reporter->host_text(host); });
    }

    void NodeController::update_profile_output(void)
    {
        ProfileSource *source = ProfileSource::of(m_node);
        if (m_reporter) {
            m_reporter->update(source);
        }
        if (m_profile_tracer) {
            m_profile_tracer->update(source->take_events());
        }
    }

    void NodeController::flush_trace(void)
    {
        if (m_tracer) {
            in_node([&]() { m_tracer->flush(); });
        }
        if (m_profile_tracer) {
            in_node([&]() { m_profile_tracer->flush(); });
        }
    }

    void NodeController::bad_output(const char *hook, const std::string &what) const
    {
        throw geopm::Exception("agent \"" + m_config.agent + "\" at level " + std::to_string(m_level) +
                               ": " + hook + "() " + what, GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }

    void NodeController::check_size(const char *hook, const char *name,
                                    size_t actual, size_t expected) const
    {
        if (actual != expected) {
            bad_output(hook, std::string("changed the length of ") + name + " from " +
                       std::to_string(expected) + " to " + std::to_string(actual) +
                       " (the controller sizes every vector; agents must not resize them)");
        }
    }

    bool NodeController::check_sample(const char *hook, bool do_send, int iteration) const
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
            if (iteration == 0) {
                return false;
            }
            bad_output(hook, "left NaN in out_sample[" + std::to_string(idx) + "] (" +
                       m_sample_names[idx] + ") while do_send_sample() is true: " +
                       "a sample that is sent must be complete");
        }
        return true;
    }

    std::vector<std::string> NodeController::description(void) const
    {
        std::vector<std::string> result;
        // Levels as GEOPM numbers them: 0 the leaves, root_level() the root.
        for (int level = 0; level <= m_root_level; ++level) {
            std::string line = "level " + std::to_string(level) +
                               (level == 0 ? " (leaves)" : "") +
                               (level == m_root_level ? " (root)" : "") + ": agent " +
                               m_config.agent;
            if (level < m_root_level) {
                line += ", fan-in " + std::to_string(m_tree_comm->level_size(level));
            }
            result.push_back(line);
        }
        auto join = [](const std::vector<std::string> &names) {
            std::string text;
            for (const auto &name : names) {
                text += (text.empty() ? "" : ", ") + name;
            }
            return text.empty() ? std::string("none") : text;
        };
        result.push_back("IOGroups of " + m_name + ": " + join(m_iogroups));
        result.push_back("signals pushed by the agents of " + m_name + ": " +
                         join(m_agent_signals));
        return result;
    }

    void NodeController::add_energy(double &cpu, double &gpu) const
    {
        double node_cpu = NAN;
        double node_gpu = NAN;
        if (m_reporter) {
            m_reporter->energy(node_cpu, node_gpu);
        }
        cpu = std::isnan(cpu) ? node_cpu : cpu + node_cpu;
        gpu = std::isnan(gpu) ? node_gpu : gpu + node_gpu;
    }
}
