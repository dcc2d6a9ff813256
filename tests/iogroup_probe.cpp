/*
 * Test program for tests/test_iogroups.py: runs PlatformIO calls read from
 * stdin, one command per line, and answers each with one JSON line
 * ({"error": code, "what": "..."} when the call throws).
 *
 *   names                         all signal and control names
 *   info NAME                     domain, behavior, aggregation, description
 *   topo                          number of packages, cores and cpus
 *   read NAME DOMAIN IDX          read_signal()
 *   write NAME DOMAIN IDX VALUE   write_control()
 *   push NAME DOMAIN IDX          push_signal()
 *   pushc NAME DOMAIN IDX         push_control()
 *   adjust IDX VALUE              adjust()
 *   batch                         read_batch(), then sample() of every pushed signal
 *   write_batch                   write_batch()
 *   save [DIR] / restore [DIR]    save_control() / restore_control()
 *   sleep SECONDS
 */
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "geopm/Agg.hpp"
#include "geopm/Exception.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_topo.h"

#include "json_line.hpp"

// The next argument as a number; "nan" and "inf" included, unlike operator>>.
static double number(std::istream &args)
{
    std::string text;
    args >> text;
    return std::stod(text);
}

static std::string run(const std::string &line, std::vector<int> &pushed)
{
    geopm::PlatformIO &pio = geopm::platform_io();
    std::istringstream args(line);
    std::string command;
    args >> command;
    if (command == "names") {
        return "{\"signals\": " + json(pio.signal_names()) +
               ", \"controls\": " + json(pio.control_names()) + "}";
    }
    if (command == "info") {
        std::string name;
        args >> name;
        return "{\"domain\": " +
               json(geopm::PlatformTopo::domain_type_to_name(pio.signal_domain_type(name))) +
               ", \"behavior\": " + std::to_string(pio.signal_behavior(name)) +
               ", \"aggregation\": " + json(geopm::Agg::function_to_name(pio.agg_function(name))) +
               ", \"description\": " + json(pio.signal_description(name)) + "}";
    }
    if (command == "topo") {
        const geopm::PlatformTopo &topo = geopm::platform_topo();
        return "{\"package\": " + std::to_string(topo.num_domain(GEOPM_DOMAIN_PACKAGE)) +
               ", \"core\": " + std::to_string(topo.num_domain(GEOPM_DOMAIN_CORE)) +
               ", \"cpu\": " + std::to_string(topo.num_domain(GEOPM_DOMAIN_CPU)) + "}";
    }
    if (command == "read" || command == "write" || command == "push" || command == "pushc") {
        std::string name;
        std::string domain;
        int idx = -1;
        args >> name >> domain >> idx;
        int domain_type = geopm::PlatformTopo::domain_name_to_type(domain);
        if (command == "read") {
            return "{\"value\": " + json(pio.read_signal(name, domain_type, idx)) + "}";
        }
        if (command == "write") {
            pio.write_control(name, domain_type, idx, number(args));
            return "{}";
        }
        if (command == "push") {
            pushed.push_back(pio.push_signal(name, domain_type, idx));
            return "{\"index\": " + std::to_string(pushed.back()) + "}";
        }
        return "{\"index\": " + std::to_string(pio.push_control(name, domain_type, idx)) + "}";
    }
    if (command == "adjust") {
        int idx = -1;
        args >> idx;
        pio.adjust(idx, number(args));
        return "{}";
    }
    if (command == "batch") {
        pio.read_batch();
        std::string values;
        for (int idx : pushed) {
            values += (values.empty() ? "" : ", ") + json(pio.sample(idx));
        }
        return "{\"values\": [" + values + "]}";
    }
    if (command == "write_batch") {
        pio.write_batch();
        return "{}";
    }
    if (command == "save" || command == "restore") {
        std::string dir;
        args >> dir;
        if (command == "save") {
            dir.empty() ? pio.save_control() : pio.save_control(dir);
        }
        else {
            dir.empty() ? pio.restore_control() : pio.restore_control(dir);
        }
        return "{}";
    }
    if (command == "sleep") {
        usleep(number(args) * 1e6);
        return "{}";
    }
    return "{\"error\": 0, \"what\": " + json("unknown command: " + command) + "}";
}

int main(void)
{
    std::vector<int> pushed;
    std::string line;
    while (std::getline(std::cin, line)) {
        std::string answer;
        try {
            answer = run(line, pushed);
        }
        catch (const geopm::Exception &ex) {
            answer = "{\"error\": " + std::to_string(ex.err_value()) +
                     ", \"what\": " + json(ex.what()) + "}";
        }
        std::cout << answer << std::endl;
    }
    return 0;
}
