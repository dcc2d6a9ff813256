/*
 * Test driver linked to a real libgeopm: makes an agent through
 * geopm::agent_factory() and calls its hooks in the controller's order
 * against the real geopm::platform_io(), on a thread Python does not know.
 *
 * usage: agent_driver AGENT NUM_ITERATION [POLICY_VALUE...]
 * Prints one "key: values" line per fact; an error is printed as
 * "error: <what>" and the exit status is 1.
 */
#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "geopm/Agent.hpp"
#include "geopm/Exception.hpp"
#include "geopm/PlatformIO.hpp"

namespace
{
    template <typename T>
    std::string join(const std::vector<T> &values)
    {
        std::ostringstream text;
        text.precision(17);
        for (size_t idx = 0; idx < values.size(); ++idx) {
            text << (idx ? " " : "") << values[idx];
        }
        return text.str();
    }

    void drive(const std::string &name, int num_iteration, const std::vector<double> &values)
    {
        std::cout << "policy_names: " << join(geopm::Agent::policy_names(name)) << std::endl;
        std::cout << "sample_names: " << join(geopm::Agent::sample_names(name)) << std::endl;
        std::vector<double> policy(geopm::Agent::num_policy(name), NAN);
        std::vector<double> sample(geopm::Agent::num_sample(name), NAN);
        for (size_t idx = 0; idx < values.size() && idx < policy.size(); ++idx) {
            policy[idx] = values[idx];
        }
        // The controller makes one agent per level: each is a new object.
        std::unique_ptr<geopm::Agent> spare = geopm::agent_factory().make_plugin(name);
        std::unique_ptr<geopm::Agent> agent = geopm::agent_factory().make_plugin(name);
        geopm::PlatformIO &pio = geopm::platform_io();
        agent->init(0, {}, true);
        std::vector<std::string> trace_names = agent->trace_names();
        std::vector<double> trace(trace_names.size(), NAN);
        std::cout << "trace_names: " << join(trace_names) << std::endl;
        for (int iteration = 0; iteration < num_iteration; ++iteration) {
            agent->validate_policy(policy);
            agent->adjust_platform(policy);
            if (agent->do_write_batch()) {
                pio.write_batch();
            }
            agent->wait();
            pio.read_batch();
            agent->sample_platform(sample);
            agent->trace_values(trace);
            std::cout << "policy: " << join(policy) << std::endl;
            std::cout << "sample: " << join(sample) << std::endl;
            std::cout << "trace: " << join(trace) << std::endl;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::cerr << "usage: agent_driver AGENT NUM_ITERATION [POLICY_VALUE...]" << std::endl;
        return 2;
    }
    std::string name = argv[1];
    int num_iteration = std::stoi(argv[2]);
    std::vector<double> values;
    for (int arg = 3; arg < argc; ++arg) {
        values.push_back(std::stod(argv[arg]));
    }
    // Plugins load on the main thread, as in geopmctl.
    try {
        std::cout << "agents: " << join(geopm::Agent::agent_names()) << std::endl;
    }
    catch (const std::exception &error) {
        std::cout << "error: " << error.what() << std::endl;
        return 1;
    }
    int status = 0;
    // The hooks run on a thread of its own: the controller may call agents from a thread
    // that Python has never seen.
    std::thread worker([&] {
        try {
            drive(name, num_iteration, values);
        }
        catch (const std::exception &error) {
            std::cout << "error: " << error.what() << std::endl;
            status = 1;
        }
    });
    worker.join();
    return status;
}
