/*
 * An IOGroup plugin for tests/test_runtime_core.py with signals and controls
 * at several native domains. Built with -DIOGROUP_NAME='"NAME"' and
 * -DWHO_VALUE=N; every build also offers the shared board signal RTCORE_WHO
 * (= WHO_VALUE), to see which IOGroup wins a name. The constructor throws
 * when RTCORE_FAIL_CONSTRUCTOR names the IOGroup.
 *
 *   <NAME>::CPU_INDEX      cpu      value = CPU index, agg sum
 *   <NAME>::PACKAGE_VALUE  package  value = 10 + package index, agg average
 *   <NAME>::SEVEN          cpu      value = 7, agg logical_and (1 at any coarser domain)
 *   <NAME>::FIRST          cpu      value = 100 + CPU index, agg select_first
 *   <NAME>::SETTING        cpu      control and signal, agg average
 *   <NAME>::BUDGET         cpu      control and signal, agg sum
 *   <NAME>::READ_COUNT     board    number of read_batch() calls
 */
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "geopm/Agg.hpp"
#include "geopm/Exception.hpp"
#include "geopm/IOGroup.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_topo.h"

#ifndef IOGROUP_NAME
#define IOGROUP_NAME "RTCORE"
#endif
#ifndef WHO_VALUE
#define WHO_VALUE 1
#endif

namespace
{
    const std::string PREFIX = std::string(IOGROUP_NAME) + "::";

    struct Info
    {
        int domain;
        bool is_control;
        std::function<double(const std::vector<double> &)> agg;
    };

    class TestIOGroup : public geopm::IOGroup
    {
        public:
            TestIOGroup()
                : m_num_cpu(geopm::platform_topo().num_domain(GEOPM_DOMAIN_CPU))
                , m_info{{PREFIX + "CPU_INDEX", {GEOPM_DOMAIN_CPU, false, geopm::Agg::sum}},
                         {PREFIX + "PACKAGE_VALUE", {GEOPM_DOMAIN_PACKAGE, false, geopm::Agg::average}},
                         {PREFIX + "SEVEN", {GEOPM_DOMAIN_CPU, false, geopm::Agg::logical_and}},
                         {PREFIX + "FIRST", {GEOPM_DOMAIN_CPU, false, geopm::Agg::select_first}},
                         {PREFIX + "SETTING", {GEOPM_DOMAIN_CPU, true, geopm::Agg::average}},
                         {PREFIX + "BUDGET", {GEOPM_DOMAIN_CPU, true, geopm::Agg::sum}},
                         {PREFIX + "READ_COUNT", {GEOPM_DOMAIN_BOARD, false, geopm::Agg::sum}},
                         {"RTCORE_WHO", {GEOPM_DOMAIN_BOARD, false, geopm::Agg::expect_same}}}
                , m_read_count(0)
            {
                const char *fail = getenv("RTCORE_FAIL_CONSTRUCTOR");
                if (fail != nullptr && name() == fail) {
                    throw geopm::Exception("TestIOGroup: asked to fail", GEOPM_ERROR_RUNTIME,
                                           __FILE__, __LINE__);
                }
                m_control[PREFIX + "SETTING"] = std::vector<double>(m_num_cpu, 0.0);
                m_control[PREFIX + "BUDGET"] = std::vector<double>(m_num_cpu, 0.0);
            }

            std::set<std::string> signal_names(void) const override
            {
                std::set<std::string> result;
                for (const auto &item : m_info) {
                    result.insert(item.first);
                }
                return result;
            }

            std::set<std::string> control_names(void) const override
            {
                return {PREFIX + "SETTING", PREFIX + "BUDGET"};
            }

            bool is_valid_signal(const std::string &name) const override
            {
                return m_info.count(name) != 0;
            }

            bool is_valid_control(const std::string &name) const override
            {
                return control_names().count(name) != 0;
            }

            int signal_domain_type(const std::string &name) const override
            {
                return info(name).domain;
            }

            int control_domain_type(const std::string &name) const override
            {
                return info(name).domain;
            }

            int push_signal(const std::string &name, int domain_type, int domain_idx) override
            {
                check(name, domain_type);
                m_pushed_signal.emplace_back(name, domain_idx);
                m_sample.push_back(NAN);
                return static_cast<int>(m_pushed_signal.size()) - 1;
            }

            int push_control(const std::string &name, int domain_type, int domain_idx) override
            {
                check(name, domain_type);
                m_pushed_control.emplace_back(name, domain_idx);
                m_pending.push_back(NAN);
                return static_cast<int>(m_pushed_control.size()) - 1;
            }

            void read_batch(void) override
            {
                ++m_read_count;
                for (size_t idx = 0; idx < m_pushed_signal.size(); ++idx) {
                    m_sample[idx] = value(m_pushed_signal[idx].first, m_pushed_signal[idx].second);
                }
            }

            void write_batch(void) override
            {
                for (size_t idx = 0; idx < m_pushed_control.size(); ++idx) {
                    if (!std::isnan(m_pending[idx])) {
                        m_control[m_pushed_control[idx].first][m_pushed_control[idx].second] = m_pending[idx];
                    }
                }
            }

            double sample(int idx) override
            {
                return m_sample.at(idx);
            }

            void adjust(int idx, double setting) override
            {
                m_pending.at(idx) = setting;
            }

            double read_signal(const std::string &name, int domain_type, int domain_idx) override
            {
                check(name, domain_type);
                return value(name, domain_idx);
            }

            void write_control(const std::string &name, int domain_type, int domain_idx,
                               double setting) override
            {
                check(name, domain_type);
                m_control.at(name).at(domain_idx) = setting;
            }

            void save_control(void) override
            {
                m_saved = m_control;
            }

            void restore_control(void) override
            {
                m_control = m_saved;
            }

            std::function<double(const std::vector<double> &)> agg_function(const std::string &name) const override
            {
                return info(name).agg;
            }

            std::string signal_description(const std::string &name) const override
            {
                return "test signal " + name;
            }

            std::string control_description(const std::string &name) const override
            {
                return "test control " + name;
            }

            int signal_behavior(const std::string &) const override
            {
                return M_SIGNAL_BEHAVIOR_VARIABLE;
            }

            void save_control(const std::string &) override {}
            void restore_control(const std::string &) override {}

            std::string name(void) const override
            {
                return IOGROUP_NAME;
            }

        private:
            const Info &info(const std::string &name) const
            {
                auto it = m_info.find(name);
                if (it == m_info.end()) {
                    throw geopm::Exception("TestIOGroup: unknown name " + name,
                                           GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                }
                return it->second;
            }

            void check(const std::string &name, int domain_type) const
            {
                if (info(name).domain != domain_type) {
                    throw geopm::Exception("TestIOGroup: " + name + " called at a non-native domain",
                                           GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                }
            }

            double value(const std::string &name, int domain_idx) const
            {
                if (name == PREFIX + "CPU_INDEX") {
                    return domain_idx;
                }
                if (name == PREFIX + "PACKAGE_VALUE") {
                    return 10 + domain_idx;
                }
                if (name == PREFIX + "SEVEN") {
                    return 7;
                }
                if (name == PREFIX + "FIRST") {
                    return 100 + domain_idx;
                }
                if (name == PREFIX + "READ_COUNT") {
                    return m_read_count;
                }
                if (name == "RTCORE_WHO") {
                    return WHO_VALUE;
                }
                return m_control.at(name).at(domain_idx);
            }

            int m_num_cpu;
            std::map<std::string, Info> m_info;
            std::map<std::string, std::vector<double> > m_control;
            std::map<std::string, std::vector<double> > m_saved;
            std::vector<std::pair<std::string, int> > m_pushed_signal;
            std::vector<std::pair<std::string, int> > m_pushed_control;
            std::vector<double> m_sample;
            std::vector<double> m_pending;
            int m_read_count;
    };
}

static void __attribute__((constructor)) test_iogroup_load(void)
{
    geopm::iogroup_factory().register_plugin(IOGROUP_NAME, []() {
        return std::unique_ptr<geopm::IOGroup>(new TestIOGroup);
    });
}
