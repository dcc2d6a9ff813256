/*
 * Test program for tests/test_runtime_core.py: reads one command per line on
 * stdin and answers each with one JSON line (an error answers
 * {"error": err_value, "what": what()}). Built against the public headers
 * and the runtime library only.
 *
 * Commands:
 *   agents | iogroups                 factory plugin names
 *   dictionary AGENT                  Agent statics by agent name
 *   make_dictionary P,.. S,..         Agent::make_dictionary() and its readers ("-" = none)
 *   aggregate_sample                  Agent::aggregate_sample() on a fixed input
 *   agg NAME [V...]                   Agg::name_to_function(NAME)(values)
 *   agg_type NAME                     name/type conversions of an Agg function
 *   push_signal|push_control N D I    PlatformIO push (D is a domain name)
 *   read_batch | write_batch
 *   sample IDX | adjust IDX VALUE
 *   read N D I | write N D I VALUE    read_signal() / write_control()
 *   info NAME                         signal domain, agg, behavior, description
 *   topo                              num_domain per type and each CPU's package/core
 *   nested INNER OUTER IDX            domain_nested()
 *   env [DEFAULT_PERIOD]              Environment getters
 *   setenv NAME VALUE                 setenv(3), to change the environment between queries
 *   waiter PERIOD COUNT               wake-up times of COUNT waits (seconds from start)
 *   exception                         Exception construction and messages
 *   error_message CODE                geopm_error_message()
 *   savecontrol                       SaveControl JSON round trip
 *   node ROOT                         a second NodeContext with sysfs_root=ROOT
 *   c_api                             the geopm_pio_* / geopm_topo_* C functions
 *   hash TEXT                         geopm_crc32_str() and geopm::hash() of TEXT
 */
#include <time.h>

#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
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
#include "geopm_bridge/NodeContext.hpp"
#include "geopm_error.h"
#include "geopm_hash.h"
#include "geopm_pio.h"
#include "geopm_topo.h"

#include "../json_line.hpp"

namespace
{
    std::vector<std::string> words(const std::string &text)
    {
        return text == "-" ? std::vector<std::string>{} : geopm::string_split(text, ",");
    }

    int domain(std::istream &args)
    {
        std::string name;
        args >> name;
        return geopm::PlatformTopo::domain_name_to_type(name);
    }

    double now(void)
    {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec * 1e-9;
    }

    std::string run(const std::string &command, std::istream &args)
    {
        if (command == "agents") {
            return "{\"agents\": " + json(geopm::Agent::agent_names()) + "}";
        }
        if (command == "iogroups") {
            return "{\"iogroups\": " + json(geopm::IOGroup::iogroup_names()) + "}";
        }
        if (command == "dictionary") {
            std::string agent;
            args >> agent;
            return "{\"num_policy\": " + json(geopm::Agent::num_policy(agent)) +
                   ", \"num_sample\": " + json(geopm::Agent::num_sample(agent)) +
                   ", \"policy\": " + json(geopm::Agent::policy_names(agent)) +
                   ", \"sample\": " + json(geopm::Agent::sample_names(agent)) + "}";
        }
        if (command == "make_dictionary") {
            std::string policy;
            std::string sample;
            args >> policy >> sample;
            auto dictionary = geopm::Agent::make_dictionary(words(policy), words(sample));
            return "{\"dictionary\": " + json(dictionary) +
                   ", \"num_policy\": " + json(geopm::Agent::num_policy(dictionary)) +
                   ", \"policy\": " + json(geopm::Agent::policy_names(dictionary)) +
                   ", \"num_sample\": " + json(geopm::Agent::num_sample(dictionary)) +
                   ", \"sample\": " + json(geopm::Agent::sample_names(dictionary)) + "}";
        }
        if (command == "aggregate_sample") {
            std::vector<std::vector<double> > in {{1.0, 5.0, NAN}, {3.0, 2.0, 4.0}};
            std::vector<double> out(3, -1.0);
            geopm::Agent::aggregate_sample(in, {geopm::Agg::sum, geopm::Agg::max,
                                                geopm::Agg::average}, out);
            return "{\"out\": " + json(out) + "}";
        }
        if (command == "agg") {
            std::string name;
            args >> name;
            std::vector<double> values;
            std::string token;
            while (args >> token) {
                values.push_back(std::stod(token));
            }
            return "{\"value\": " + json(geopm::Agg::name_to_function(name)(values)) + "}";
        }
        if (command == "agg_type") {
            std::string name;
            args >> name;
            auto func = geopm::Agg::name_to_function(name);
            int type = geopm::Agg::function_to_type(func);
            return "{\"name\": " + json(geopm::Agg::function_to_name(func)) +
                   ", \"type\": " + json(type) +
                   ", \"type_name\": " + json(geopm::Agg::type_to_name(type)) +
                   ", \"round_trip\": " +
                   json(geopm::Agg::function_to_name(geopm::Agg::type_to_function(type))) + "}";
        }
        if (command == "push_signal" || command == "push_control" ||
            command == "read" || command == "write") {
            std::string name;
            int domain_idx = 0;
            args >> name;
            int domain_type = domain(args);
            args >> domain_idx;
            geopm::PlatformIO &pio = geopm::platform_io();
            if (command == "push_signal") {
                return "{\"index\": " + json(pio.push_signal(name, domain_type, domain_idx)) + "}";
            }
            if (command == "push_control") {
                return "{\"index\": " + json(pio.push_control(name, domain_type, domain_idx)) + "}";
            }
            if (command == "read") {
                return "{\"value\": " + json(pio.read_signal(name, domain_type, domain_idx)) + "}";
            }
            double value = 0.0;
            args >> value;
            pio.write_control(name, domain_type, domain_idx, value);
            return "{}";
        }
        if (command == "read_batch") {
            geopm::platform_io().read_batch();
            return "{}";
        }
        if (command == "write_batch") {
            geopm::platform_io().write_batch();
            return "{}";
        }
        if (command == "sample") {
            int idx = 0;
            args >> idx;
            return "{\"value\": " + json(geopm::platform_io().sample(idx)) + "}";
        }
        if (command == "adjust") {
            int idx = 0;
            std::string value;
            args >> idx >> value;
            geopm::platform_io().adjust(idx, std::stod(value));
            return "{}";
        }
        if (command == "info") {
            std::string name;
            args >> name;
            geopm::PlatformIO &pio = geopm::platform_io();
            return "{\"domain\": " + json(pio.signal_domain_type(name)) +
                   ", \"agg\": " + json(geopm::Agg::function_to_name(pio.agg_function(name))) +
                   ", \"behavior\": " + json(pio.signal_behavior(name)) +
                   ", \"format\": " + json(pio.format_function(name)(1.5)) +
                   ", \"description\": " + json(pio.signal_description(name)) +
                   ", \"signals\": " + json(pio.signal_names()) +
                   ", \"controls\": " + json(pio.control_names()) + "}";
        }
        if (command == "topo") {
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
        if (command == "nested") {
            int inner = domain(args);
            int outer = domain(args);
            int idx = 0;
            args >> idx;
            return "{\"nested\": " + json(geopm::platform_topo().domain_nested(inner, outer, idx)) + "}";
        }
        if (command == "env") {
            double default_period = 0.25;
            args >> default_period;
            const geopm::Environment &env = geopm::environment();
            return "{\"agent\": " + json(env.agent()) +
                   ", \"max_fan_out\": " + json(env.max_fan_out()) +
                   ", \"period\": " + json(env.period(default_period)) +
                   ", \"policy\": " + json(env.policy()) +
                   ", \"do_policy\": " + json(static_cast<int>(env.do_policy())) +
                   ", \"profile\": " + json(env.profile()) +
                   ", \"timeout\": " + json(env.timeout()) + "}";
        }
        if (command == "setenv") {
            std::string name;
            std::string value;
            args >> name >> value;
            setenv(name.c_str(), value.c_str(), 1);
            return "{}";
        }
        if (command == "waiter") {
            double period = 0.0;
            int count = 0;
            args >> period >> count;
            auto waiter = geopm::Waiter::make_unique(period);
            double start = now();
            waiter->reset();
            std::vector<double> wakes;
            for (int idx = 0; idx < count; ++idx) {
                waiter->wait();
                wakes.push_back(now() - start);
            }
            return "{\"period\": " + json(waiter->period()) + ", \"wakes\": " + json(wakes) + "}";
        }
        if (command == "exception") {
            geopm::Exception located("disk on fire", GEOPM_ERROR_INVALID, "where.cpp", 42);
            geopm::Exception zero("zero code", 0, nullptr, 0);
            geopm::Exception copy(located);
            return "{\"what\": " + json(std::string(located.what())) +
                   ", \"err\": " + json(located.err_value()) +
                   ", \"zero_err\": " + json(zero.err_value()) +
                   ", \"zero_what\": " + json(std::string(zero.what())) +
                   ", \"copy_err\": " + json(copy.err_value()) +
                   ", \"copy_what\": " + json(std::string(copy.what())) + "}";
        }
        if (command == "error_message") {
            int code = 0;
            args >> code;
            char text[256];
            geopm_error_message(code, text, sizeof(text));
            return "{\"text\": " + json(std::string(text)) + "}";
        }
        if (command == "savecontrol") {
            auto saved = geopm::SaveControl::make_unique(
                std::vector<geopm::SaveControl::m_setting_s>{{"A::X", GEOPM_DOMAIN_CPU, 3, 1.5},
                                                             {"B \"q\"", GEOPM_DOMAIN_BOARD, 0, NAN}});
            auto parsed = geopm::SaveControl::make_unique(saved->json());
            auto settings = parsed->settings();
            std::vector<std::string> names;
            std::vector<double> values;
            for (const auto &setting : settings) {
                names.push_back(setting.name + "@" + std::to_string(setting.domain_type) + "/" +
                                std::to_string(setting.domain_idx));
                values.push_back(setting.setting);
            }
            return "{\"json\": " + json(saved->json()) + ", \"names\": " + json(names) +
                   ", \"values\": " + json(values) +
                   ", \"unsaved\": " + json(parsed->unsaved_controls({"A::X", "C::Y"})) + "}";
        }
        if (command == "node") {
            std::string root;
            args >> root;
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
        if (command == "c_api") {
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
        if (command == "hash") {
            std::string text;
            args >> text;
            return "{\"c\": " + json(static_cast<double>(geopm_crc32_str(text.c_str()))) +
                   ", \"cxx\": " + json(static_cast<double>(geopm::hash(text))) + "}";
        }
        throw geopm::Exception("probe: unknown command \"" + command + "\"",
                               GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
}

int main(void)
{
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream args(line);
        std::string command;
        args >> command;
        std::string answer;
        try {
            answer = run(command, args);
        }
        catch (const geopm::Exception &ex) {
            answer = "{\"error\": " + json(ex.err_value()) + ", \"what\": " + json(std::string(ex.what())) + "}";
        }
        catch (const std::exception &ex) {
            answer = "{\"error\": 0, \"what\": " + json(std::string(ex.what())) + "}";
        }
        std::cout << answer << std::endl;
    }
    return 0;
}
