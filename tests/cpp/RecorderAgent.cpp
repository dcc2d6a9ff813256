/*
 * A test agent plugin that logs every hook call the controller makes and
 * misbehaves on request, configured by environment variables:
 *
 *   RECORDER_LOG=<path>       one line per hook call: "<level> <hook> ..."
 *   RECORDER_RAISE=<hook>[@N] throw geopm::Exception from hook (at its
 *                             N-th call, default the first)
 *   RECORDER_CRASH=<hook>     dereference a null pointer in hook (a real
 *                             SIGSEGV), once RECORDER_ARM exists
 *   RECORDER_ARM=<path>       count RECORDER_RAISE calls only once this
 *                             file exists
 *   RECORDER_RESIZE=<hook>    resize the output vector of hook
 *   RECORDER_NAN=1            leave NaN in out_sample (do_send_sample true)
 *   RECORDER_CONTROL=<name>   write ALPHA to this board control each period
 *
 * Policy ALPHA, BETA; sample S0, S1 (the iteration number and its double).
 */
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "geopm/Agent.hpp"
#include "geopm/Environment.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm/Waiter.hpp"
#include "geopm_hash.h"
#include "geopm_topo.h"

namespace
{
    std::string env(const char *name)
    {
        const char *value = getenv(name);
        return value == nullptr ? "" : value;
    }

    class RecorderAgent : public geopm::Agent
    {
        public:
            RecorderAgent()
                : m_level(-1)
                , m_log(nullptr)
                , m_raise(env("RECORDER_RAISE"))
                , m_raise_at(1)
                , m_crash(env("RECORDER_CRASH"))
                , m_arm(env("RECORDER_ARM"))
                , m_resize(env("RECORDER_RESIZE"))
                , m_is_nan(env("RECORDER_NAN") == "1")
                , m_control(env("RECORDER_CONTROL"))
                , m_control_idx(-1)
                , m_iteration(0)
                , m_alpha(NAN)
                , m_waiter(geopm::Waiter::make_unique(geopm::environment().period(0.01)))
            {
                size_t at = m_raise.find('@');
                if (at != std::string::npos) {
                    m_raise_at = std::stoi(m_raise.substr(at + 1));
                    m_raise = m_raise.substr(0, at);
                }
                std::string path = env("RECORDER_LOG");
                if (!path.empty()) {
                    m_log = fopen(path.c_str(), "a");
                }
            }

            ~RecorderAgent()
            {
                if (m_log != nullptr) {
                    fclose(m_log);
                }
            }

            void init(int level, const std::vector<int> &fan_in, bool is_level_root) override
            {
                m_level = level;
                log("init", "fan_in=" + std::to_string(fan_in.size()) +
                            " is_level_root=" + std::to_string(is_level_root));
                if (!m_control.empty()) {
                    m_control_idx = geopm::platform_io().push_control(m_control, GEOPM_DOMAIN_BOARD, 0);
                }
            }

            void validate_policy(std::vector<double> &policy) const override
            {
                log("validate_policy", values(policy));
                misbehave("validate_policy", policy);
            }

            void split_policy(const std::vector<double> &,
                              std::vector<std::vector<double> > &) override
            {
                log("split_policy");
            }

            bool do_send_policy(void) const override
            {
                return true;
            }

            void aggregate_sample(const std::vector<std::vector<double> > &,
                                  std::vector<double> &) override
            {
                log("aggregate_sample");
            }

            bool do_send_sample(void) const override
            {
                return true;
            }

            void adjust_platform(const std::vector<double> &in_policy) override
            {
                log("adjust_platform", values(in_policy));
                misbehave("adjust_platform");
                m_alpha = in_policy[0];
                if (m_control_idx != -1 && !std::isnan(m_alpha)) {
                    geopm::platform_io().adjust(m_control_idx, m_alpha);
                }
            }

            bool do_write_batch(void) const override
            {
                return m_control_idx != -1 && !std::isnan(m_alpha);
            }

            void sample_platform(std::vector<double> &out_sample) override
            {
                ++m_iteration;
                log("sample_platform");
                out_sample[0] = m_is_nan ? NAN : (double)m_iteration;
                out_sample[1] = 2.0 * m_iteration;
                misbehave("sample_platform", out_sample);
            }

            void wait(void) override
            {
                log("wait");
                misbehave("wait");
                m_waiter->wait();
            }

            std::vector<std::pair<std::string, std::string> > report_header(void) const override
            {
                misbehave("report_header");
                return {{"Recorder Header", "hello"}};
            }

            std::vector<std::pair<std::string, std::string> > report_host(void) const override
            {
                misbehave("report_host");
                return {{"Recorder Iterations", std::to_string(m_iteration)}};
            }

            std::map<uint64_t, std::vector<std::pair<std::string, std::string> > >
                report_region(void) const override
            {
                return {{GEOPM_REGION_HASH_UNMARKED, {{"recorder-unmarked", "7"}}},
                        {0x1234, {{"recorder-region", "8"}}}};
            }

            std::vector<std::string> trace_names(void) const override
            {
                return {"recorder_iteration", "recorder_alpha"};
            }

            std::vector<std::function<std::string(double)> > trace_formats(void) const override
            {
                return {geopm::string_format_integer, geopm::string_format_double};
            }

            void trace_values(std::vector<double> &values) override
            {
                log("trace_values");
                values[0] = m_iteration;
                values[1] = m_alpha;
                misbehave("trace_values", values);
            }

            void enforce_policy(const std::vector<double> &) const override
            {
            }

        private:
            static std::string values(const std::vector<double> &vec)
            {
                std::string result;
                for (double value : vec) {
                    result += (result.empty() ? "" : ",") + geopm::string_format_double(value);
                }
                return result;
            }

            void log(const char *hook, const std::string &detail = "") const
            {
                if (m_log != nullptr) {
                    fprintf(m_log, "%d %s %s\n", m_level, hook, detail.c_str());
                    fflush(m_log);
                }
            }

            void misbehave(const char *hook) const
            {
                bool is_armed = m_arm.empty() || access(m_arm.c_str(), F_OK) == 0;
                if (m_crash == hook && is_armed) {
                    volatile int *nowhere = nullptr;
                    *nowhere = 1;
                }
                if (m_raise == hook && is_armed && ++m_num_call[hook] == m_raise_at) {
                    throw geopm::Exception(std::string("recorder raised in ") + hook + "\nsecond line",
                                           GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
                }
            }

            void misbehave(const char *hook, std::vector<double> &vec) const
            {
                misbehave(hook);
                if (m_resize == hook) {
                    vec.push_back(1.0);
                }
            }

            int m_level;
            FILE *m_log;
            std::string m_raise;
            int m_raise_at;
            std::string m_crash;
            std::string m_arm;
            std::string m_resize;
            bool m_is_nan;
            std::string m_control;
            int m_control_idx;
            int m_iteration;
            double m_alpha;
            std::unique_ptr<geopm::Waiter> m_waiter;
            mutable std::map<std::string, int> m_num_call;
    };
}

static void __attribute__((constructor)) recorder_agent_load(void)
{
    geopm::agent_factory().register_plugin(
        "recorder", []() { return std::unique_ptr<geopm::Agent>(new RecorderAgent); },
        geopm::Agent::make_dictionary({"ALPHA", "BETA"}, {"S0", "S1"}));
}
