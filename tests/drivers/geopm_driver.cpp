/*
 * A small program that drives GEOPM interfaces from the test suite: it reads
 * one command per line on stdin and answers each with one JSON line on
 * stdout. It uses only the GEOPM 3.1 public headers, so it checks that a
 * program written for GEOPM builds and runs against the embedded runtime.
 *
 * Commands (values are numbers or "nan"; child vectors are comma-joined):
 *   agents                        agent_factory().plugin_names()
 *   dictionary AGENT              policy/sample names and the raw dictionary
 *   signals                       platform_io() signal and control names
 *   read NAME DOMAIN IDX          platform_io().read_signal()
 *   write NAME DOMAIN IDX VALUE   platform_io().write_control()
 *   push NAME DOMAIN IDX          push_signal(); then "batch" reads them all
 *   batch                         read_batch() and sample() of every pushed signal
 *   make AGENT                    make the agent the commands below act on
 *   init LEVEL FAN_IN|- ROOT      init(level, fan_in, is_level_root != 0)
 *   validate V...                 validate_policy()
 *   split NUM_CHILD V...          split_policy() + do_send_policy()
 *   aggregate C0 C1 ...           aggregate_sample() + do_send_sample()
 *   step COUNT V...               COUNT leaf iterations in the controller's order;
 *                                 answers the last sample and the sample after each
 *   report                        report_header/report_host/trace names
 *   enforce V...                  enforce_policy()
 */
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "geopm/Agent.hpp"
#include "geopm/Exception.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"

#include "../json_line.hpp"

namespace
{
    std::vector<double> parse_values(std::istream &in)
    {
        std::vector<double> result;
        std::string token;
        while (in >> token) {
            result.push_back(std::stod(token));
        }
        return result;
    }

    std::vector<double> parse_list(const std::string &text)
    {
        std::vector<double> result;
        std::stringstream in(text);
        std::string token;
        while (std::getline(in, token, ',')) {
            result.push_back(std::stod(token));
        }
        return result;
    }

    class Driver
    {
        public:
            std::string run(const std::string &command, std::istream &args)
            {
                if (command == "agents") {
                    return "{\"agents\": " + json(geopm::agent_factory().plugin_names()) + "}";
                }
                if (command == "dictionary") {
                    std::string name;
                    args >> name;
                    std::string dict = "{";
                    for (const auto &kv : geopm::agent_factory().dictionary(name)) {
                        dict += (dict.size() > 1 ? ", " : "") + json(kv.first) + ": " +
                                json(kv.second);
                    }
                    return "{\"policy\": " + json(geopm::Agent::policy_names(name)) +
                           ", \"sample\": " + json(geopm::Agent::sample_names(name)) +
                           ", \"dictionary\": " + dict + "}}";
                }
                if (command == "signals") {
                    auto &pio = geopm::platform_io();
                    auto sig = pio.signal_names();
                    auto ctl = pio.control_names();
                    return "{\"signals\": " + json(std::vector<std::string>(sig.begin(), sig.end())) +
                           ", \"controls\": " + json(std::vector<std::string>(ctl.begin(), ctl.end())) + "}";
                }
                if (command == "read" || command == "write" || command == "push") {
                    std::string name;
                    std::string domain;
                    int idx = 0;
                    args >> name >> domain >> idx;
                    int domain_type = geopm::PlatformTopo::domain_name_to_type(domain);
                    auto &pio = geopm::platform_io();
                    if (command == "read") {
                        return "{\"value\": " + json(pio.read_signal(name, domain_type, idx)) + "}";
                    }
                    if (command == "push") {
                        m_pushed.push_back(pio.push_signal(name, domain_type, idx));
                        return "{\"index\": " + std::to_string(m_pushed.back()) + "}";
                    }
                    double value = parse_values(args).at(0);
                    pio.write_control(name, domain_type, idx, value);
                    return "{}";
                }
                if (command == "batch") {
                    auto &pio = geopm::platform_io();
                    pio.read_batch();
                    std::vector<double> values;
                    for (int idx : m_pushed) {
                        values.push_back(pio.sample(idx));
                    }
                    return "{\"values\": " + json(values) + "}";
                }
                if (command == "make") {
                    args >> m_agent_name;
                    m_agent = geopm::agent_factory().make_plugin(m_agent_name);
                    m_num_policy = geopm::Agent::num_policy(m_agent_name);
                    m_num_sample = geopm::Agent::num_sample(m_agent_name);
                    return "{}";
                }
                if (m_agent == nullptr) {
                    throw std::runtime_error("no agent: run \"make AGENT\" first");
                }
                return run_agent(command, args);
            }

        private:
            std::string run_agent(const std::string &command, std::istream &args)
            {
                if (command == "init") {
                    int level = 0;
                    std::string fan_in_text;
                    int is_root = 0;
                    args >> level >> fan_in_text >> is_root;
                    std::vector<int> fan_in;
                    if (fan_in_text != "-") {
                        for (double size : parse_list(fan_in_text)) {
                            fan_in.push_back((int)size);
                        }
                    }
                    m_agent->init(level, fan_in, is_root != 0);
                    return "{}";
                }
                if (command == "validate") {
                    std::vector<double> policy = parse_values(args);
                    m_agent->validate_policy(policy);
                    return "{\"policy\": " + json(policy) + "}";
                }
                if (command == "split") {
                    size_t num_child = 0;
                    args >> num_child;
                    std::vector<double> policy = parse_values(args);
                    std::vector<std::vector<double> > out(num_child,
                                                          std::vector<double>(m_num_policy, NAN));
                    m_agent->split_policy(policy, out);
                    std::string children = "[";
                    for (size_t idx = 0; idx < out.size(); ++idx) {
                        children += (idx ? ", " : "") + json(out[idx]);
                    }
                    return "{\"children\": " + children + "], \"send\": " +
                           (m_agent->do_send_policy() ? "true" : "false") + "}";
                }
                if (command == "aggregate") {
                    std::vector<std::vector<double> > in;
                    std::string child;
                    while (args >> child) {
                        in.push_back(parse_list(child));
                    }
                    std::vector<double> out(m_num_sample, NAN);
                    m_agent->aggregate_sample(in, out);
                    return "{\"sample\": " + json(out) + ", \"send\": " +
                           (m_agent->do_send_sample() ? "true" : "false") + "}";
                }
                if (command == "step") {
                    return step(args);
                }
                if (command == "report") {
                    return "{\"header\": " + json(m_agent->report_header()) +
                           ", \"host\": " + json(m_agent->report_host()) +
                           ", \"regions\": " + std::to_string(m_agent->report_region().size()) +
                           ", \"trace_names\": " + json(m_agent->trace_names()) +
                           ", \"trace_formats\": " + std::to_string(m_agent->trace_formats().size()) +
                           "}";
                }
                if (command == "enforce") {
                    m_agent->enforce_policy(parse_values(args));
                    return "{}";
                }
                throw std::runtime_error("unknown command: " + command);
            }

            // The leaf's share of one controller iteration, in GEOPM's order:
            // walk_down (validate, adjust, write), wait, walk_up (read, sample, trace).
            std::string step(std::istream &args)
            {
                int count = 0;
                args >> count;
                const std::vector<double> in_policy = parse_values(args);
                auto &pio = geopm::platform_io();
                std::vector<double> sample(m_num_sample, NAN);
                std::vector<double> trace(m_agent->trace_names().size(), NAN);
                std::string samples = "[";
                int num_write = 0;
                bool is_sent = false;
                for (int iter = 0; iter < count; ++iter) {
                    std::vector<double> policy = in_policy;
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
                    samples += (iter ? ", " : "") + json(sample);
                }
                return "{\"sample\": " + json(sample) + ", \"samples\": " + samples +
                       "], \"send\": " +
                       (is_sent ? "true" : "false") + ", \"trace\": " + json(trace) +
                       ", \"writes\": " + std::to_string(num_write) + "}";
            }

            std::string m_agent_name;
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
            answer = "{\"error\": " + std::to_string(ex.err_value()) +
                     ", \"what\": " + json(std::string(ex.what())) + "}";
        }
        catch (const std::exception &ex) {
            answer = "{\"error\": null, \"what\": " + json(std::string(ex.what())) + "}";
        }
        std::cout << answer << std::endl;
    }
    return 0;
}
