/*
 * The test suite's one C++ driver: reads one command per line on stdin and
 * answers each with one JSON line on stdout; a command that throws answers
 * {"error": err_value (null for a non-GEOPM exception), "what": what()}.
 * It uses the GEOPM 3.1 public headers only (plus geopm_bridge/NodeContext.hpp
 * where the headers have it), so the same source builds against the embedded
 * runtime (-lgeopmd) and against an installed GEOPM (-lgeopm -lgeopmd):
 * tests/cpp_build.py compile_program().
 *
 * Values are numbers, "nan" or "inf"; D is a domain name ("board", "cpu"...);
 * lists given as one word are comma-joined ("-" for an empty one).
 *
 * Factories and statics
 *   agents | iogroups             plugin names, in registration order
 *   dictionary AGENT              policy/sample names and counts, the raw dictionary
 *   make_dictionary P,.. S,..     Agent::make_dictionary() and the readers of its result
 *   aggregate_sample              static Agent::aggregate_sample() on a fixed input
 *   agg NAME V...                 Agg::name_to_function(NAME)(values)
 *   agg_type NAME                 name/type conversions of an Agg function
 * PlatformIO and PlatformTopo
 *   names                         signal and control names
 *   info NAME                     signal domain, aggregation, behavior, format, description
 *   read N D I | write N D I V    read_signal() / write_control()
 *   push_signal N D I             push_signal(); "batch" samples every pushed signal
 *   push_control N D I            push_control()
 *   read_batch | write_batch
 *   batch                         read_batch(), then sample() of every pushed signal
 *   sample IDX | adjust IDX V
 *   save [DIR] | restore [DIR]    save_control() / restore_control()
 *   topo                          num_domain() per type, each CPU's package and core
 *   nested INNER OUTER IDX        domain_nested()
 *   c_api                         the geopm_pio_* / geopm_topo_* C functions
 * Environment, time, errors
 *   env [DEFAULT_PERIOD]          geopm::environment() getters
 *   setenv NAME VALUE             setenv(3), to change the environment between queries
 *   sleep SECONDS
 *   waiter PERIOD COUNT           wake-up times of COUNT waits (seconds from reset())
 *   exception                     Exception construction and messages
 *   error_message CODE            geopm_error_message()
 *   savecontrol                   SaveControl JSON round trip
 *   hash TEXT                     geopm_crc32_str() and geopm::hash()
 *   node ROOT                     a second NodeContext with sysfs_root=ROOT (embedded only)
 * One agent, called as the controller calls it
 *   make AGENT                    make_plugin(): the agent the commands below act on
 *   init LEVEL FAN_IN ROOT        init(level, fan_in, ROOT != 0)
 *   validate V...                 validate_policy()
 *   split NUM_CHILD V...          split_policy() and do_send_policy()
 *   aggregate C0 C1 ...           aggregate_sample() of child samples, and do_send_sample()
 *   step COUNT V...               COUNT leaf iterations in the controller's order
 *   report                        report_header/host/region sizes, trace names and formats
 *   enforce V...                  enforce_policy()
 *   thread COMMAND ...            COMMAND on a new thread, as a controller thread that
 *                                 Python has never seen calls an agent
 */
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "geopm/Agent.hpp"
#include "geopm/Agg.hpp"
#include "geopm/Environment.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/IOGroup.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm/SaveControl.hpp"
#include "geopm/Waiter.hpp"
#include "geopm_error.h"
#include "geopm_hash.h"
#include "geopm_pio.h"
#include "geopm_topo.h"

// Node contexts are the embedded runtime's own: a real GEOPM has no such header.
#if __has_include("geopm_bridge/NodeContext.hpp")
#include "geopm_bridge/NodeContext.hpp"
#define GEOPM_DRIVER_HAS_NODE_CONTEXT 1
#endif

#include "json_line.hpp"

namespace
{
    // The next word as a number; unlike operator>>, it takes "nan" and "inf".
    double number(std::istream &args)
    {
        std::string text;
        if (!(args >> text)) {
            throw std::runtime_error("missing number");
        }
        return std::stod(text);
    }

    std::vector<double> numbers(std::istream &args)
    {
        std::vector<double> result;
        std::string text;
        while (args >> text) {
            result.push_back(std::stod(text));
        }
        return result;
    }

    std::vector<std::string> words(const std::string &text)
    {
        return text == "-" ? std::vector<std::string>{} : geopm::string_split(text, ",");
    }

    std::vector<double> number_list(const std::string &text)
    {
        std::vector<double> result;
        for (const auto &word : words(text)) {
            result.push_back(std::stod(word));
        }
        return result;
    }

    int domain(std::istream &args)
    {
        std::string name;
        args >> name;
        return geopm::PlatformTopo::domain_name_to_type(name);
    }

    // Not an overload of json(): a const char * would pick it.
    std::string json_bool(bool value)
    {
        return value ? "true" : "false";
    }

    std::string json_rows(const std::vector<std::vector<double> > &rows)
    {
        std::string out = "[";
        for (size_t idx = 0; idx < rows.size(); ++idx) {
            out += (idx ? ", " : "") + json(rows[idx]);
        }
        return out + "]";
    }

    double now(void)
    {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec * 1e-9;
    }

    class Driver
    {
        public:
            std::string run(const std::string &command, std::istream &args)
            {
                if (command == "thread") {
                    return on_thread(args);
                }
                std::string answer;
                if (run_static(command, args, answer) ||
                    run_platform(command, args, answer) ||
                    run_misc(command, args, answer)) {
                    return answer;
                }
                return run_agent(command, args);
            }

        private:
            std::string on_thread(std::istream &args)
            {
                std::string command;
                args >> command;
                std::string answer;
                std::exception_ptr error;
                std::thread worker([&] {
                    try {
                        answer = run(command, args);
                    }
                    catch (...) {
                        error = std::current_exception();
                    }
                });
                worker.join();
                if (error) {
                    std::rethrow_exception(error);
                }
                return answer;
            }

            bool run_static(const std::string &command, std::istream &args, std::string &answer)
            {
                if (command == "agents") {
                    answer = "{\"agents\": " + json(geopm::Agent::agent_names()) + "}";
                }
                else if (command == "iogroups") {
                    answer = "{\"iogroups\": " + json(geopm::IOGroup::iogroup_names()) + "}";
                }
                else if (command == "dictionary") {
                    std::string agent;
                    args >> agent;
                    answer = "{\"num_policy\": " + json(geopm::Agent::num_policy(agent)) +
                             ", \"num_sample\": " + json(geopm::Agent::num_sample(agent)) +
                             ", \"policy\": " + json(geopm::Agent::policy_names(agent)) +
                             ", \"sample\": " + json(geopm::Agent::sample_names(agent)) +
                             ", \"dictionary\": " + json(geopm::agent_factory().dictionary(agent)) +
                             "}";
                }
                else if (command == "make_dictionary") {
                    std::string policy;
                    std::string sample;
                    args >> policy >> sample;
                    auto dictionary = geopm::Agent::make_dictionary(words(policy), words(sample));
                    answer = "{\"dictionary\": " + json(dictionary) +
                             ", \"num_policy\": " + json(geopm::Agent::num_policy(dictionary)) +
                             ", \"policy\": " + json(geopm::Agent::policy_names(dictionary)) +
                             ", \"num_sample\": " + json(geopm::Agent::num_sample(dictionary)) +
                             ", \"sample\": " + json(geopm::Agent::sample_names(dictionary)) + "}";
                }
                else if (command == "aggregate_sample") {
                    std::vector<std::vector<double> > in {{1.0, 5.0, NAN}, {3.0, 2.0, 4.0}};
                    std::vector<double> out(3, -1.0);
                    geopm::Agent::aggregate_sample(in, {geopm::Agg::sum, geopm::Agg::max,
                                                        geopm::Agg::average}, out);
                    answer = "{\"out\": " + json(out) + "}";
                }
                else if (command == "agg") {
                    std::string name;
                    args >> name;
                    std::vector<double> values = numbers(args);
                    answer = "{\"value\": " + json(geopm::Agg::name_to_function(name)(values)) + "}";
                }
                else if (command == "agg_type") {
                    std::string name;
                    args >> name;
                    auto func = geopm::Agg::name_to_function(name);
                    int type = geopm::Agg::function_to_type(func);
                    answer = "{\"name\": " + json(geopm::Agg::function_to_name(func)) +
                             ", \"type\": " + json(type) +
                             ", \"type_name\": " + json(geopm::Agg::type_to_name(type)) +
                             ", \"round_trip\": " +
                             json(geopm::Agg::function_to_name(geopm::Agg::type_to_function(type))) +
                             "}";
                }
                else {
                    return false;
                }
                return true;
            }

            bool run_platform(const std::string &command, std::istream &args, std::string &answer)
            {
                geopm::PlatformIO &pio = geopm::platform_io();
                if (command == "names") {
                    answer = "{\"signals\": " + json(pio.signal_names()) +
                             ", \"controls\": " + json(pio.control_names()) + "}";
                }
                else if (command == "info") {
                    std::string name;
                    args >> name;
                    answer = "{\"domain\": " +
                             json(geopm::PlatformTopo::domain_type_to_name(pio.signal_domain_type(name))) +
                             ", \"agg\": " + json(geopm::Agg::function_to_name(pio.agg_function(name))) +
                             ", \"behavior\": " + json(pio.signal_behavior(name)) +
                             ", \"format\": " + json(pio.format_function(name)(1.5)) +
                             ", \"description\": " + json(pio.signal_description(name)) + "}";
                }
                else if (command == "read" || command == "write" ||
                         command == "push_signal" || command == "push_control") {
                    std::string name;
                    int domain_idx = 0;
                    args >> name;
                    int domain_type = domain(args);
                    args >> domain_idx;
                    if (command == "read") {
                        answer = "{\"value\": " + json(pio.read_signal(name, domain_type, domain_idx)) + "}";
                    }
                    else if (command == "write") {
                        pio.write_control(name, domain_type, domain_idx, number(args));
                        answer = "{}";
                    }
                    else if (command == "push_signal") {
                        m_pushed.push_back(pio.push_signal(name, domain_type, domain_idx));
                        answer = "{\"index\": " + json(m_pushed.back()) + "}";
                    }
                    else {
                        answer = "{\"index\": " + json(pio.push_control(name, domain_type, domain_idx)) + "}";
                    }
                }
                else if (command == "read_batch") {
                    pio.read_batch();
                    answer = "{}";
                }
                else if (command == "write_batch") {
                    pio.write_batch();
                    answer = "{}";
                }
                else if (command == "batch") {
                    pio.read_batch();
                    std::vector<double> values;
                    for (int idx : m_pushed) {
                        values.push_back(pio.sample(idx));
                    }
                    answer = "{\"values\": " + json(values) + "}";
                }
                else if (command == "sample") {
                    int idx = 0;
                    args >> idx;
                    answer = "{\"value\": " + json(pio.sample(idx)) + "}";
                }
                else if (command == "adjust") {
                    int idx = 0;
                    args >> idx;
                    pio.adjust(idx, number(args));
                    answer = "{}";
                }
                else if (command == "save" || command == "restore") {
                    std::string dir;
                    args >> dir;
                    if (command == "save") {
                        dir.empty() ? pio.save_control() : pio.save_control(dir);
                    }
                    else {
                        dir.empty() ? pio.restore_control() : pio.restore_control(dir);
                    }
                    answer = "{}";
                }
                else if (command == "topo") {
                    answer = topo();
                }
                else if (command == "nested") {
                    int inner = domain(args);
                    int outer = domain(args);
                    int idx = 0;
                    args >> idx;
                    answer = "{\"nested\": " +
                             json(geopm::platform_topo().domain_nested(inner, outer, idx)) + "}";
                }
                else if (command == "c_api") {
                    answer = c_api();
                }
                else {
                    return false;
                }
                return true;
            }

            static std::string topo(void)
            {
                const geopm::PlatformTopo &topo = geopm::platform_topo();
                std::string out = "{\"num\": {";
                for (int type = 0; type < GEOPM_NUM_DOMAIN; ++type) {
                    out += (type ? ", " : "") + json(geopm::PlatformTopo::domain_type_to_name(type)) +
                           ": " + json(topo.num_domain(type));
                }
                std::vector<int> package;
                std::vector<int> core;
                for (int cpu = 0; cpu < topo.num_domain(GEOPM_DOMAIN_CPU); ++cpu) {
                    package.push_back(topo.domain_idx(GEOPM_DOMAIN_PACKAGE, cpu));
                    core.push_back(topo.domain_idx(GEOPM_DOMAIN_CORE, cpu));
                }
                return out + "}, \"package\": " + json(package) + ", \"core\": " + json(core) + "}";
            }

            static std::string c_api(void)
            {
                char name[64];
                int type_err = geopm_topo_domain_type("no_such_domain");
                geopm_topo_domain_name(GEOPM_DOMAIN_CORE, sizeof(name), name);
                int nested[64];
                int num_nested = geopm_topo_num_domain_nested(GEOPM_DOMAIN_CPU, GEOPM_DOMAIN_PACKAGE);
                int nested_err = geopm_topo_domain_nested(GEOPM_DOMAIN_CPU, GEOPM_DOMAIN_PACKAGE, 1,
                                                          num_nested, nested);
                double value = NAN;
                int read_err = geopm_pio_read_signal("NO_SUCH_SIGNAL", GEOPM_DOMAIN_BOARD, 0, &value);
                char message[512];
                geopm_error_message(read_err, message, sizeof(message));
                return "{\"type_err\": " + json(type_err) + ", \"core_name\": " + json(std::string(name)) +
                       ", \"num_nested\": " + json(num_nested) +
                       ", \"nested_err\": " + json(nested_err) +
                       ", \"nested\": " + json(std::vector<int>(nested, nested + std::max(num_nested, 0))) +
                       ", \"read_err\": " + json(read_err) +
                       ", \"read_message\": " + json(std::string(message)) +
                       ", \"valid_nan\": " + json(geopm_pio_check_valid_value(NAN)) +
                       ", \"valid_one\": " + json(geopm_pio_check_valid_value(1.0)) + "}";
            }

            bool run_misc(const std::string &command, std::istream &args, std::string &answer)
            {
                if (command == "env") {
                    double default_period = 0.25;
                    args >> default_period;
                    const geopm::Environment &env = geopm::environment();
                    answer = "{\"agent\": " + json(env.agent()) +
                             ", \"max_fan_out\": " + json(env.max_fan_out()) +
                             ", \"period\": " + json(env.period(default_period)) +
                             ", \"policy\": " + json(env.policy()) +
                             ", \"do_policy\": " + json(static_cast<int>(env.do_policy())) +
                             ", \"profile\": " + json(env.profile()) +
                             ", \"timeout\": " + json(env.timeout()) + "}";
                }
                else if (command == "setenv") {
                    std::string name;
                    std::string value;
                    args >> name >> value;
                    setenv(name.c_str(), value.c_str(), 1);
                    answer = "{}";
                }
                else if (command == "sleep") {
                    usleep(number(args) * 1e6);
                    answer = "{}";
                }
                else if (command == "waiter") {
                    double period = number(args);
                    int count = 0;
                    args >> count;
                    auto waiter = geopm::Waiter::make_unique(period);
                    double start = now();
                    waiter->reset();
                    std::vector<double> wakes;
                    for (int idx = 0; idx < count; ++idx) {
                        waiter->wait();
                        wakes.push_back(now() - start);
                    }
                    answer = "{\"period\": " + json(waiter->period()) + ", \"wakes\": " + json(wakes) + "}";
                }
                else if (command == "exception") {
                    geopm::Exception located("disk on fire", GEOPM_ERROR_INVALID, "where.cpp", 42);
                    geopm::Exception zero("zero code", 0, nullptr, 0);
                    geopm::Exception copy(located);
                    answer = "{\"what\": " + json(std::string(located.what())) +
                             ", \"err\": " + json(located.err_value()) +
                             ", \"zero_err\": " + json(zero.err_value()) +
                             ", \"zero_what\": " + json(std::string(zero.what())) +
                             ", \"copy_err\": " + json(copy.err_value()) +
                             ", \"copy_what\": " + json(std::string(copy.what())) + "}";
                }
                else if (command == "error_message") {
                    int code = 0;
                    args >> code;
                    char text[256];
                    geopm_error_message(code, text, sizeof(text));
                    answer = "{\"text\": " + json(std::string(text)) + "}";
                }
                else if (command == "savecontrol") {
                    answer = save_control();
                }
                else if (command == "hash") {
                    std::string text;
                    args >> text;
                    answer = "{\"c\": " + json(static_cast<double>(geopm_crc32_str(text.c_str()))) +
                             ", \"cxx\": " + json(static_cast<double>(geopm::hash(text))) + "}";
                }
                else if (command == "node") {
                    std::string root;
                    args >> root;
                    answer = node(root);
                }
                else {
                    return false;
                }
                return true;
            }

            static std::string save_control(void)
            {
                auto saved = geopm::SaveControl::make_unique(
                    std::vector<geopm::SaveControl::m_setting_s>{{"A::X", GEOPM_DOMAIN_CPU, 3, 1.5},
                                                                 {"B \"q\"", GEOPM_DOMAIN_BOARD, 0, NAN}});
                auto parsed = geopm::SaveControl::make_unique(saved->json());
                std::vector<std::string> names;
                std::vector<double> values;
                for (const auto &setting : parsed->settings()) {
                    names.push_back(setting.name + "@" + std::to_string(setting.domain_type) + "/" +
                                    std::to_string(setting.domain_idx));
                    values.push_back(setting.setting);
                }
                return "{\"json\": " + json(saved->json()) + ", \"names\": " + json(names) +
                       ", \"values\": " + json(values) +
                       ", \"unsaved\": " + json(parsed->unsaved_controls({"A::X", "C::Y"})) + "}";
            }

#ifdef GEOPM_DRIVER_HAS_NODE_CONTEXT
            static std::string node(const std::string &root)
            {
                geopm_bridge::NodeContext node({{"sysfs_root", root}}, "simulated-7");
                int outside = geopm::platform_topo().num_domain(GEOPM_DOMAIN_CPU);
                int inside = 0;
                std::string inside_name;
                std::string option;
                {
                    geopm_bridge::NodeScope scope(node);
                    inside = geopm::platform_topo().num_domain(GEOPM_DOMAIN_CPU);
                    inside_name = geopm_bridge::current_node().name();
                    option = geopm_bridge::current_node().option("node_model", "none");
                }
                return "{\"outside\": " + json(outside) + ", \"inside\": " + json(inside) +
                       ", \"inside_name\": " + json(inside_name) +
                       ", \"after_name\": " + json(geopm_bridge::current_node().name()) +
                       ", \"node_model\": " + json(option) +
                       ", \"default_sysfs_root\": " +
                       json(geopm_bridge::current_node().option("sysfs_root", "/")) + "}";
            }
#else
            static std::string node(const std::string &)
            {
                throw geopm::Exception("node: this GEOPM has no node contexts",
                                       GEOPM_ERROR_NOT_IMPLEMENTED, __FILE__, __LINE__);
            }
#endif

            std::string run_agent(const std::string &command, std::istream &args)
            {
                if (command == "make") {
                    std::string name;
                    args >> name;
                    m_agent = geopm::agent_factory().make_plugin(name);
                    m_num_policy = geopm::Agent::num_policy(name);
                    m_num_sample = geopm::Agent::num_sample(name);
                    return "{}";
                }
                bool is_agent_command = command == "init" || command == "validate" ||
                                        command == "split" || command == "aggregate" ||
                                        command == "step" || command == "report" ||
                                        command == "enforce";
                if (!is_agent_command) {
                    throw std::runtime_error("unknown command: " + command);
                }
                if (m_agent == nullptr) {
                    throw std::runtime_error("no agent: run \"make AGENT\" first");
                }
                if (command == "init") {
                    int level = 0;
                    std::string fan_in_text;
                    int is_root = 0;
                    args >> level >> fan_in_text >> is_root;
                    std::vector<int> fan_in;
                    for (double size : number_list(fan_in_text)) {
                        fan_in.push_back(static_cast<int>(size));
                    }
                    m_agent->init(level, fan_in, is_root != 0);
                    return "{}";
                }
                if (command == "validate") {
                    std::vector<double> policy = numbers(args);
                    m_agent->validate_policy(policy);
                    return "{\"policy\": " + json(policy) + "}";
                }
                if (command == "split") {
                    size_t num_child = 0;
                    args >> num_child;
                    std::vector<double> policy = numbers(args);
                    std::vector<std::vector<double> > out(num_child,
                                                          std::vector<double>(m_num_policy, NAN));
                    m_agent->split_policy(policy, out);
                    return "{\"children\": " + json_rows(out) +
                           ", \"send\": " + json_bool(m_agent->do_send_policy()) + "}";
                }
                if (command == "aggregate") {
                    std::vector<std::vector<double> > in;
                    std::string child;
                    while (args >> child) {
                        in.push_back(number_list(child));
                    }
                    std::vector<double> out(m_num_sample, NAN);
                    m_agent->aggregate_sample(in, out);
                    return "{\"sample\": " + json(out) +
                           ", \"send\": " + json_bool(m_agent->do_send_sample()) + "}";
                }
                if (command == "step") {
                    return step(args);
                }
                if (command == "report") {
                    return "{\"header\": " + json(m_agent->report_header()) +
                           ", \"host\": " + json(m_agent->report_host()) +
                           ", \"regions\": " + json(static_cast<int>(m_agent->report_region().size())) +
                           ", \"trace_names\": " + json(m_agent->trace_names()) +
                           ", \"trace_formats\": " + json(static_cast<int>(m_agent->trace_formats().size())) +
                           "}";
                }
                m_agent->enforce_policy(numbers(args));
                return "{}";
            }

            // The leaf's share of one controller iteration, in GEOPM's order:
            // walk_down (validate, adjust, write), wait, walk_up (read, sample, trace).
            std::string step(std::istream &args)
            {
                int count = 0;
                args >> count;
                const std::vector<double> in_policy = numbers(args);
                geopm::PlatformIO &pio = geopm::platform_io();
                std::vector<double> policy = in_policy;
                std::vector<double> sample(m_num_sample, NAN);
                std::vector<double> trace(m_agent->trace_names().size(), NAN);
                std::vector<std::vector<double> > samples;
                std::vector<std::vector<double> > traces;
                int num_write = 0;
                bool is_sent = false;
                for (int iter = 0; iter < count; ++iter) {
                    policy = in_policy;
                    m_agent->validate_policy(policy);
                    m_agent->adjust_platform(policy);
                    if (m_agent->do_write_batch()) {
                        pio.write_batch();
                        ++num_write;
                    }
                    m_agent->wait();
                    pio.read_batch();
                    m_agent->sample_platform(sample);
                    m_agent->trace_values(trace);
                    is_sent = m_agent->do_send_sample();
                    samples.push_back(sample);
                    traces.push_back(trace);
                }
                return "{\"policy\": " + json(policy) + ", \"sample\": " + json(sample) +
                       ", \"samples\": " + json_rows(samples) + ", \"send\": " + json_bool(is_sent) +
                       ", \"trace\": " + json(trace) + ", \"traces\": " + json_rows(traces) +
                       ", \"writes\": " + json(num_write) + "}";
            }

            std::unique_ptr<geopm::Agent> m_agent;
            int m_num_policy = 0;
            int m_num_sample = 0;
            std::vector<int> m_pushed;
    };
}

int main(void)
{
    Driver driver;
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream args(line);
        std::string command;
        if (!(args >> command)) {
            continue;
        }
        std::string answer;
        try {
            answer = driver.run(command, args);
        }
        catch (const geopm::Exception &ex) {
            answer = "{\"error\": " + json(ex.err_value()) + ", \"what\": " + json(std::string(ex.what())) + "}";
        }
        catch (const std::exception &ex) {
            answer = "{\"error\": null, \"what\": " + json(std::string(ex.what())) + "}";
        }
        std::cout << answer << std::endl;
    }
    return 0;
}
