/*
 * A minimal agent plugin for tests/test_runtime_core.py. It registers under
 * the name in its own file name (libgeopmagent_<name>.so.M.m.r), so one
 * build copied under several names gives several agents.
 */
#include <dlfcn.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "geopm/Agent.hpp"

namespace
{
    class TestAgent : public geopm::Agent
    {
        public:
            void init(int, const std::vector<int> &, bool) override {}
            void validate_policy(std::vector<double> &) const override {}
            void split_policy(const std::vector<double> &in_policy,
                              std::vector<std::vector<double> > &out_policy) override
            {
                for (auto &child : out_policy) {
                    child = in_policy;
                }
            }
            bool do_send_policy(void) const override { return true; }
            void aggregate_sample(const std::vector<std::vector<double> > &,
                                  std::vector<double> &) override {}
            bool do_send_sample(void) const override { return false; }
            void adjust_platform(const std::vector<double> &) override {}
            bool do_write_batch(void) const override { return false; }
            void sample_platform(std::vector<double> &) override {}
            void wait(void) override {}
            std::vector<std::pair<std::string, std::string> > report_header(void) const override { return {}; }
            std::vector<std::pair<std::string, std::string> > report_host(void) const override { return {}; }
            std::map<uint64_t, std::vector<std::pair<std::string, std::string> > > report_region(void) const override { return {}; }
            std::vector<std::string> trace_names(void) const override { return {}; }
            void trace_values(std::vector<double> &) override {}
            void enforce_policy(const std::vector<double> &) const override {}
    };

    std::unique_ptr<geopm::Agent> make_agent(void)
    {
        return std::make_unique<TestAgent>();
    }

    std::string name_from_file(void)
    {
        Dl_info info;
        dladdr(reinterpret_cast<void *>(&make_agent), &info);
        std::string file(info.dli_fname);
        // The runtime, as GEOPM, loads the file it checked through
        // /proc/self/fd/N: the link, open while loading, names the file.
        char target[4096] = {};
        if (file.rfind("/proc/self/fd/", 0) == 0 &&
            readlink(file.c_str(), target, sizeof(target) - 1) > 0) {
            file = target;
        }
        file = file.substr(file.rfind('/') + 1);
        size_t begin = file.find('_') + 1;
        return file.substr(begin, file.find(".so") - begin);
    }
}

// As GEOPM's tutorial agent: register when the plugin is loaded, without
// catching errors (the loader must report them).
static void __attribute__((constructor)) test_agent_load(void)
{
    geopm::agent_factory().register_plugin(
        name_from_file(), make_agent,
        geopm::Agent::make_dictionary({"POWER_CAP", "STEP"}, {"ENERGY"}));
}
