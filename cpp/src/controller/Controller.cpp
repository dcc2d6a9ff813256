#include "Controller.hpp"

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "geopm/Agent.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm_hash.h"
#include "geopm_bridge/ClusterComm.hpp"
#include "geopm_bridge/Composite.hpp"
#include "geopm_bridge/NodeContext.hpp"

#include "core/ErrorText.hpp"
#include "iogroups/BasicIOGroup.hpp"
#include "profile/ProfileChannel.hpp"
#include "profile/ProfileSource.hpp"
#include "tree/ClusterReport.hpp"
#include "tree/ClusterStop.hpp"
#include "tree/TreeComm.hpp"
#include "Application.hpp"
#include "Endpoint.hpp"
#include "Guardian.hpp"
#include "InitControl.hpp"
#include "JobStatusBoard.hpp"
#include "NodeController.hpp"
#include "Policy.hpp"
#include "PosixSignalGuard.hpp"
#include "Reporter.hpp"
#include "Tracer.hpp"

namespace geopm_bridge
{
    namespace
    {
        // Trace bytes buffered per process, shared by its nodes (at least
        // M_MIN_TRACE_BUFFER each).
        constexpr size_t M_MIN_TRACE_BUFFER = 1 << 14;

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
    }

    const std::string &known_agent(const std::string &agent_name)
    {
        resolve_agent(agent_name);
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

    Controller::Controller(const JobConfig &config, std::vector<NodeSpec> nodes,
                           ClusterComm *cluster, const std::vector<std::string> &host_names)
        : m_config(config)
        , m_profile(clean_profile(config.profile))
        , m_cluster(cluster)
        , m_host_names(host_names)
        , m_job_start{}
        , m_app_start{}
        , m_is_attached(!config.attach_key.empty())
        , m_is_app_seen(false)
        , m_root(nullptr)
        , m_is_own_platform(nodes.size() == 1 && nodes.front().context == &current_node())
        , m_startup(0.0)
        , m_num_iteration(0)
        , m_is_restore_due(false)
        , m_status_board(job_status_board())
    {
        m_status_board.reset();
        geopm_time(&m_job_start);
        m_app_start = m_job_start;
        char time_text[64] = {};
        geopm_time_string(sizeof(time_text), time_text);
        m_start_time = time_text;
        auto policy_names = geopm::Agent::policy_names(known_agent(config.agent));
        bool is_root_here = nodes.front().tree_comm->num_level_controlled() ==
                            nodes.front().tree_comm->root_level();
        // Only the root reads the policy; a bad file is refused before any
        // agent exists.
        if (is_root_here && config.endpoint.empty()) {
            m_file_policy = std::make_unique<FilePolicy>(config.policy_path, config.agent,
                                                         policy_names);
        }
        bool do_prefix_errors = nodes.size() > 1 || cluster != nullptr;
        for (auto &node : nodes) {
            // Without an application, nothing to profile (and no cost per
            // simulated node).
            bool is_profiled = !node.profile_key.empty() &&
                               (!config.app_argv.empty() || m_is_attached);
            m_app_profiles.push_back(is_profiled ? std::make_unique<ProfileSource>(node.profile_key,
                                                                                   node.context)
                                                 : nullptr);
            m_nodes.push_back(std::make_unique<NodeController>(
                m_config, *node.context, node.name, std::move(node.tree_comm), do_prefix_errors));
        }
        if (is_root_here) {
            m_root = m_nodes.front().get();
        }
        m_policy.assign(policy_names.size(), NAN);
        m_last_policy.assign(policy_names.size(), NAN);
    }

    Controller::~Controller()
    {
        if (m_is_restore_due) {
            try {
                restore_control();
            }
            catch (...) {
            }
        }
    }

    void Controller::keep_first_error(std::exception_ptr error)
    {
        if (!m_error) {
            m_error = error;
        }
    }

    template <typename func_t>
    void Controller::call_keeping_error(func_t func)
    {
        try {
            func();
        }
        catch (...) {
            keep_first_error(std::current_exception());
        }
    }

    void Controller::restore_control(void)
    {
        m_is_restore_due = false;
        std::exception_ptr first;
        for (auto &node : m_nodes) {
            try {
                node->restore_control();
            }
            catch (...) {
                if (!first) {
                    first = std::current_exception();
                }
            }
        }
        if (first) {
            std::rethrow_exception(first);
        }
    }

    void Controller::start(void)
    {
        geopm::time_zero_reset(m_job_start);
        NodeController &own = *m_nodes.front();
        // The machine's platform, or a fake tree's in tests.
        const std::string platform = host_path("/");
        if (m_is_own_platform) {
            // A controller that died with its guardian left its save:
            // put it back before this job saves what it finds.
            Guardian::restore_abandoned([&own](const std::string &dir) { own.restore_control(dir); },
                                        platform);
        }
        // A bad file stops the job before anything is written.
        auto init_controls = read_init_control(m_config.init_control_path);
        try {
            for (auto &node : m_nodes) {
                m_is_restore_due = true;
                node->save_control();
            }
            // Before any agent's init() may write a control.
            Guardian::dir_func_t save;
            if (m_is_own_platform) {
                save = [&own](const std::string &dir) { own.save_control(dir); };
            }
            m_guardian = std::make_unique<Guardian>(save, platform);
            for (auto &node : m_nodes) {
                try {
                    node->write_controls(init_controls);
                }
                catch (...) {
                    throw geopm::Exception("GEOPM_INIT_CONTROL: " + m_config.init_control_path +
                                           ": " + error_text(std::current_exception()),
                                           GEOPM_ERROR_INVALID, nullptr, 0);
                }
            }
            size_t trace_buffer = std::max(M_MIN_TRACE_BUFFER,
                                           Tracer::M_DEFAULT_BUFFER_SIZE / m_nodes.size());
            if (m_root != nullptr && !m_config.report_path.empty()) {
                probe_report_path(m_config.report_path);
            }
            for (auto &node : m_nodes) {
                node->setup(m_start_time, m_profile, trace_buffer);
            }
            m_status_board.publish([this](JobStatus &status) {
                status.is_root = m_root != nullptr;
                status.num_node = static_cast<int>(m_nodes.size());
                status.description = m_nodes.front()->description();
                if (m_root != nullptr) {
                    status.policy_names = m_root->policy_names();
                }
            });
            if (m_root != nullptr && !m_config.endpoint.empty()) {
                m_endpoint = std::make_unique<Endpoint>(m_config.endpoint, m_config.agent, m_config.profile,
                                                        m_root->policy_names(), m_root->sample_names(),
                                                        m_host_names, geopm_time_since(&m_job_start));
            }
        }
        catch (...) {
            // Nothing ran: put the controls back and report the cause.
            try {
                restore_control();
            }
            catch (...) {
            }
            throw;
        }
    }

    int Controller::run(PosixSignalGuard &signals)
    {
        if (signals.stop_signal() == 0 && !m_config.app_argv.empty()) {
            try {
                start_applications();
            }
            catch (...) {
                // Alone, nothing ran: restore and throw (no report). In a
                // cluster the other ranks must hear of it: it ends this
                // rank's job like any other error.
                if (m_cluster == nullptr) {
                    restore_control();
                    throw;
                }
                keep_first_error(std::current_exception());
            }
        }
        if (!m_error) {
            call_keeping_error([&]() {
                for (auto &node : m_nodes) {
                    node->read();
                }
                m_startup = geopm_time_since(&m_job_start);
                publish_status(true);
                loop(signals);
            });
        }
        if (m_error && m_failure.empty()) {
            // This process failed: tell the others at once.
            m_failure = error_text(m_error);
            if (m_cluster != nullptr) {
                send_stop_notice(*m_cluster, m_failure);
            }
        }
        // Without an application or an iteration limit a signal is the
        // normal end of the job.
        bool has_end = !m_config.app_argv.empty() || m_is_attached || m_config.max_iterations > 0;
        int interrupt_signal = has_end ? signals.stop_signal() : 0;
        // Otherwise the loop stopped it (GEOPM_BRIDGE_MAX_ITERATIONS, an
        // error): its exit code is not the job's.
        bool is_app_done = !m_apps.empty() && !is_any_application_running();
        for (auto &app : m_apps) {
            app->terminate(M_TERMINATE_GRACE);
            if (m_guardian) {
                m_guardian->forget_group(app->pid());
            }
        }
        finish(signals, interrupt_signal);
        publish_status(false);
        if (m_error) {
            std::rethrow_exception(m_error);
        }
        if (interrupt_signal != 0) {
            return 128 + interrupt_signal;
        }
        for (const auto &app : m_apps) {
            // The first copy that failed, in node order.
            if (is_app_done && app->exit_code() != 0) {
                return app->exit_code();
            }
        }
        return 0;
    }

    void Controller::start_applications(void)
    {
        for (size_t idx = 0; idx < m_nodes.size(); ++idx) {
            // Each copy knows its node (a simulated node has no host of
            // its own) and the key of its node's profiling channels.
            std::map<std::string, std::string> env{{"GEOPM_BRIDGE_NODE_NAME", m_nodes[idx]->name()}};
            if (m_nodes.size() > 1) {
                // Simulated nodes: their copies may meet as MPI ranks
                // would (geopm-bridge bench's network regions).
                env["GEOPM_BRIDGE_NODE_INDEX"] = std::to_string(idx);
                env["GEOPM_BRIDGE_NODE_COUNT"] = std::to_string(m_nodes.size());
            }
            if (m_app_profiles[idx] != nullptr) {
                env[M_PROFILE_KEY_VARIABLE] = m_app_profiles[idx]->key();
            }
            m_apps.push_back(std::make_unique<Application>(m_config.app_argv, env));
            if (m_guardian) {
                m_guardian->watch_group(m_apps.back()->pid());
            }
        }
        geopm_time(&m_app_start);
    }

    bool Controller::is_any_application_running(void)
    {
        bool result = false;
        for (auto &app : m_apps) {
            // Asks every copy: each one that exited is reaped.
            result = app->is_running() || result;
        }
        return result;
    }

    void Controller::loop(PosixSignalGuard &signals)
    {
        std::string notice;
        // SIGCHLD says when to look: no waitpid() in every iteration.
        // take_child_event() is asked every time: it empties the pipe that
        // wakes the agent's wait().
        while (signals.stop_signal() == 0 &&
               !(signals.take_child_event() && !m_apps.empty() && !is_any_application_running()) &&
               !(m_config.max_iterations > 0 && m_num_iteration >= m_config.max_iterations) &&
               !(m_is_attached && is_attached_job_done(signals))) {
            step();
            if (m_cluster != nullptr && receive_stop_notice(*m_cluster, notice)) {
                m_failure = notice;
                throw geopm::Exception("the job stopped because " + notice, GEOPM_ERROR_RUNTIME,
                                       nullptr, 0);
            }
        }
    }

    bool Controller::is_attached_job_done(PosixSignalGuard &signals)
    {
        bool is_step_ended = signals.is_app_step_ended();
        int num_seen = 0;
        int num_running = 0;
        double longest = 0.0;  // the oldest process's time since its connection
        for (auto &profile : m_app_profiles) {
            if (!profile) {
                continue;
            }
            if (is_step_ended) {
                profile->update(true);  // one that ran between two scans counts
            }
            for (const auto &process : profile->processes()) {
                ++num_seen;
                num_running += process.is_running;
                if (process.has_data) {
                    double connected = 0.0;
                    for (double seconds : process.snapshot.hint_time) {
                        connected += seconds;
                    }
                    longest = std::max(longest, connected);
                }
            }
        }
        if (num_seen != 0 && !m_is_app_seen) {
            // The report's runtime starts with the application's first
            // process (its connection, which the controller sees up to a
            // period later), not with the controller.
            m_is_app_seen = true;
            geopm_time_s now;
            geopm_time(&now);
            geopm_time_add(&now, -longest, &m_app_start);
        }
        const std::string key = " (GEOPM_BRIDGE_ATTACH_KEY=" + m_config.attach_key + ")";
        if (num_seen == 0 && is_step_ended) {
            throw geopm::Exception("the application step ended and none of its processes "
                                   "connected to the controller of " + m_nodes.front()->name() + key +
                                   ": a program not linked with the profiling library needs "
                                   "--geopm-preload", GEOPM_ERROR_RUNTIME, nullptr, 0);
        }
        if (num_seen == 0 && geopm_time_since(&m_job_start) - m_startup > m_config.timeout) {
            throw geopm::Exception("no application process connected to the controller of " +
                                   m_nodes.front()->name() + " within GEOPM_TIMEOUT=" +
                                   std::to_string(m_config.timeout) + " s" + key +
                                   ": is the application running on this node, and profiled "
                                   "(--geopm-preload for a program not linked with the "
                                   "profiling library; GEOPM_PROGRAM_FILTER)?",
                                   GEOPM_ERROR_RUNTIME, nullptr, 0);
        }
        return is_step_ended || (num_seen != 0 && num_running == 0);
    }

    void Controller::step(void)
    {
        const std::vector<double> *root_policy = nullptr;
        if (m_endpoint) {
            // Only a changed policy goes down the tree.
            m_endpoint->read_policy(m_policy);
            if (!is_same_message(m_policy, m_last_policy)) {
                m_last_policy = m_policy;
                root_policy = &m_policy;
            }
        }
        else if (m_file_policy) {
            root_policy = &m_file_policy->policy();
        }
        // Parents before children: a policy crosses the tree in one pass.
        for (auto &node : m_nodes) {
            node->walk_down(node.get() == m_root ? root_policy : nullptr);
        }
        // One period for the whole process (see docs/tree.md).
        m_nodes.front()->wait();
        // What the application did meanwhile, before the samples are read.
        for (auto &profile : m_app_profiles) {
            if (profile) {
                profile->update();
            }
        }
        // Children before parents: a complete set of samples reaches the
        // root in one pass.
        for (auto it = m_nodes.rbegin(); it != m_nodes.rend(); ++it) {
            if ((*it)->walk_up(m_num_iteration) && m_endpoint) {
                m_endpoint->write_sample(m_root->sample());
            }
        }
        ++m_num_iteration;
        if (m_endpoint) {
            m_endpoint->publish(geopm_time_since(&m_job_start));
        }
        // Its only cost when nobody watches: one relaxed atomic load.
        if (m_status_board.is_wanted()) {
            publish_status(true);
        }
    }

    void Controller::publish_status(bool is_running)
    {
        double cpu = NAN;
        double gpu = NAN;
        for (const auto &node : m_nodes) {
            node->add_energy(cpu, gpu);
        }
        // The first node's application: where it is now.
        uint64_t hash = 0;
        std::string region;
        if (!m_app_profiles.empty() && m_app_profiles.front()) {
            for (const auto &process : m_app_profiles.front()->processes()) {
                uint64_t now = process.snapshot.hash;
                if (!process.has_data || !process.is_running || now == 0 ||
                    now == GEOPM_REGION_HASH_UNMARKED) {
                    continue;
                }
                hash = now;
                for (const auto &totals : process.snapshot.regions) {
                    if (totals.hash == now) {
                        region = totals.name;
                    }
                }
                break;
            }
        }
        const std::vector<double> *policy = nullptr;
        if (m_endpoint) {
            policy = &m_last_policy;
        }
        else if (m_file_policy) {
            policy = &m_file_policy->policy();
        }
        double elapsed = geopm_time_since(&m_job_start);
        m_status_board.publish([&](JobStatus &status) {
            status.is_running = is_running;
            status.periods = m_num_iteration;
            status.elapsed = elapsed;
            status.cpu_energy = cpu;
            status.gpu_energy = gpu;
            if (policy != nullptr) {
                status.policy = *policy;
            }
            status.region_hash = hash;
            status.region = region;
        });
    }

    void Controller::finish(PosixSignalGuard &signals, int interrupt_signal)
    {
        // A final reading so the totals cover the whole run.
        for (auto &profile : m_app_profiles) {
            if (profile) {
                call_keeping_error([&]() { profile->update(true); });
            }
        }
        for (auto &node : m_nodes) {
            call_keeping_error([&]() { node->read(); });
        }
        double runtime = geopm_time_since(&m_app_start);
        std::vector<std::string> sections;
        for (auto &node : m_nodes) {
            call_keeping_error([&]() {
                sections.push_back(node->report_host(runtime, m_startup, m_error));
            });
        }
        ReportHeader header;
        if (m_root != nullptr && !m_config.report_path.empty()) {
            call_keeping_error([&]() { header.agent_header = m_root->report_header(); });
        }
        if (m_endpoint) {
            call_keeping_error([&]() { m_endpoint->publish(geopm_time_since(&m_job_start), true); });
        }
        for (auto &node : m_nodes) {
            call_keeping_error([&]() { node->flush_trace(); });
        }
        call_keeping_error([&]() { restore_control(); });
        if (m_guardian) {
            m_guardian->release();
        }
        if (m_error && m_failure.empty()) {
            m_failure = error_text(m_error);
        }
        header.status = status(interrupt_signal);
        std::string missing;
        std::unique_ptr<ClusterReport> cluster_report;
        if (m_cluster != nullptr) {
            cluster_report = ClusterReport::make_unique(
                *m_cluster, [&signals]() { return signals.stop_signal() != 0; },
                m_nodes.front()->root_level(), m_host_names);
        }
        if (cluster_report && m_root == nullptr) {
            cluster_report->send(header.status, sections.empty() ? "" : sections.front());
        }
        else if (cluster_report) {
            auto others = cluster_report->gather(header.status, missing);
            sections.insert(sections.end(), others.begin(), others.end());
        }
        if (m_root != nullptr && !m_config.report_path.empty()) {
            header.start_time = m_start_time;
            header.profile = m_profile;
            header.agent = m_config.agent;
            header.policy = m_file_policy ? m_file_policy->json() : "DYNAMIC";
            call_keeping_error([&]() { write_report(m_config.report_path, header, sections); });
        }
        if (cluster_report && m_root != nullptr) {
            call_keeping_error([&]() { cluster_report->release(); });
        }
        if (m_cluster != nullptr && (signals.stop_signal() != 0 || !missing.empty())) {
            m_cluster->abandon();
        }
        if (!missing.empty()) {
            keep_first_error(std::make_exception_ptr(geopm::Exception(
                missing + ": the report holds the nodes that finished", GEOPM_ERROR_RUNTIME,
                nullptr, 0)));
        }
    }

    std::string Controller::status(int interrupt_signal) const
    {
        if (!m_failure.empty()) {
            return "error: " + without_positions(m_failure);
        }
        if (interrupt_signal != 0) {
            return "interrupted by " + PosixSignalGuard::name(interrupt_signal);
        }
        return "";
    }
}
