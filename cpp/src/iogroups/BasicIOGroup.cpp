#include "BasicIOGroup.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "geopm_bridge/NodeContext.hpp"

#include "geopm/Agg.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm/SaveControl.hpp"
#include "geopm_topo.h"

namespace geopm_bridge
{
    std::string host_path(const std::string &path)
    {
        std::string root = current_node().option("sysfs_root", "/");
        while (!root.empty() && root.back() == '/') {
            root.pop_back();
        }
        return root + path;
    }

    double read_host_number(const std::string &path)
    {
        std::string text = geopm::read_file(path);
        const char *begin = text.c_str();
        char *end = nullptr;
        double result = std::strtod(begin, &end);
        // Accept only a number followed by blanks.
        if (end == begin || text.find_first_not_of(" \t\n", end - begin) != std::string::npos) {
            result = NAN;
        }
        return result;
    }

    BasicIOGroup::BasicIOGroup(const std::string &name)
        : m_topo(geopm::platform_topo())
        , m_is_batch_read(false)
        , m_name(name)
    {

    }

    BasicIOGroup::~BasicIOGroup() = default;

    void BasicIOGroup::add_signal(const std::string &name, const info_s &info)
    {
        m_entries[name] = {info, true, false, ""};
    }

    void BasicIOGroup::add_control(const std::string &name, const info_s &info)
    {
        m_entries[name] = {info, true, true, ""};
    }

    void BasicIOGroup::add_alias(const std::string &alias, const std::string &name)
    {
        entry_s ent = m_entries.at(name);
        ent.alias_for = name;
        m_entries[alias] = ent;
    }

    void BasicIOGroup::refresh(void)
    {

    }

    double BasicIOGroup::read_value_now(int id, int domain_idx)
    {
        return read_value(id, domain_idx);
    }

    void BasicIOGroup::write_value(int, int, double)
    {
        throw geopm::Exception(m_name + " IOGroup: write_value() is not implemented",
                               GEOPM_ERROR_LOGIC, __FILE__, __LINE__);
    }

    void BasicIOGroup::fail(const std::string &method, const std::string &what) const
    {
        throw geopm::Exception(m_name + " IOGroup " + method + "(): " + what,
                               GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }

    const BasicIOGroup::entry_s &BasicIOGroup::entry(const std::string &method,
                                                     const std::string &name,
                                                     bool want_control) const
    {
        auto it = m_entries.find(name);
        if (it == m_entries.end() ||
            (want_control ? !it->second.is_control : !it->second.is_signal)) {
            fail(method, std::string(want_control ? "control" : "signal") +
                         " \"" + name + "\" is not provided");
        }
        return it->second;
    }

    const BasicIOGroup::entry_s &BasicIOGroup::checked_entry(const std::string &method,
                                                             const std::string &name,
                                                             bool want_control,
                                                             int domain_type,
                                                             int domain_idx) const
    {
        const entry_s &ent = entry(method, name, want_control);
        if (domain_type != ent.info.domain) {
            fail(method, "\"" + name + "\" is provided at domain " +
                         geopm::PlatformTopo::domain_type_to_name(ent.info.domain) +
                         ", not at domain " + std::to_string(domain_type));
        }
        if (domain_idx < 0 || domain_idx >= m_topo.num_domain(domain_type)) {
            fail(method, "domain index " + std::to_string(domain_idx) + " of \"" + name +
                         "\" is out of range");
        }
        return ent;
    }

    std::set<std::string> BasicIOGroup::signal_names(void) const
    {
        std::set<std::string> result;
        for (const auto &it : m_entries) {
            if (it.second.is_signal) {
                result.insert(it.first);
            }
        }
        return result;
    }

    std::set<std::string> BasicIOGroup::control_names(void) const
    {
        std::set<std::string> result;
        for (const auto &it : m_entries) {
            if (it.second.is_control) {
                result.insert(it.first);
            }
        }
        return result;
    }

    bool BasicIOGroup::is_valid_signal(const std::string &signal_name) const
    {
        auto it = m_entries.find(signal_name);
        return it != m_entries.end() && it->second.is_signal;
    }

    bool BasicIOGroup::is_valid_control(const std::string &control_name) const
    {
        auto it = m_entries.find(control_name);
        return it != m_entries.end() && it->second.is_control;
    }

    int BasicIOGroup::signal_domain_type(const std::string &signal_name) const
    {
        return is_valid_signal(signal_name) ? m_entries.at(signal_name).info.domain
                                            : GEOPM_DOMAIN_INVALID;
    }

    int BasicIOGroup::control_domain_type(const std::string &control_name) const
    {
        return is_valid_control(control_name) ? m_entries.at(control_name).info.domain
                                              : GEOPM_DOMAIN_INVALID;
    }

    int BasicIOGroup::push_signal(const std::string &signal_name, int domain_type, int domain_idx)
    {
        const entry_s &ent = checked_entry("push_signal", signal_name, false,
                                           domain_type, domain_idx);
        if (m_is_batch_read) {
            fail("push_signal", "cannot push \"" + signal_name + "\" after read_batch()");
        }
        auto it = std::find_if(m_pushed_signal.begin(), m_pushed_signal.end(),
                               [&](const pushed_signal_s &pushed) {
                                   return pushed.id == ent.info.id && pushed.domain_idx == domain_idx;
                               });
        if (it != m_pushed_signal.end()) {
            return it - m_pushed_signal.begin();
        }
        m_pushed_signal.push_back({ent.info.id, domain_idx, NAN});
        return m_pushed_signal.size() - 1;
    }

    int BasicIOGroup::push_control(const std::string &control_name, int domain_type, int domain_idx)
    {
        const entry_s &ent = checked_entry("push_control", control_name, true,
                                           domain_type, domain_idx);
        auto it = std::find_if(m_pushed_control.begin(), m_pushed_control.end(),
                               [&](const pushed_control_s &pushed) {
                                   return pushed.id == ent.info.id && pushed.domain_idx == domain_idx;
                               });
        if (it != m_pushed_control.end()) {
            return it - m_pushed_control.begin();
        }
        m_pushed_control.push_back({ent.info.id, domain_idx, NAN, false});
        return m_pushed_control.size() - 1;
    }

    void BasicIOGroup::read_batch(void)
    {
        m_is_batch_read = true;
        if (m_pushed_signal.empty()) {
            return;
        }
        refresh();
        for (auto &pushed : m_pushed_signal) {
            pushed.value = read_value(pushed.id, pushed.domain_idx);
        }
    }

    void BasicIOGroup::write_batch(void)
    {
        for (auto &pushed : m_pushed_control) {
            if (pushed.is_adjusted) {
                write_value(pushed.id, pushed.domain_idx, pushed.setting);
                m_written.emplace(pushed.id, pushed.domain_idx);
                pushed.is_adjusted = false;
            }
        }
    }

    double BasicIOGroup::sample(int sample_idx)
    {
        if (sample_idx < 0 || sample_idx >= (int)m_pushed_signal.size()) {
            fail("sample", "sample index " + std::to_string(sample_idx) + " was not pushed");
        }
        if (!m_is_batch_read) {
            fail("sample", "read_batch() has not been called");
        }
        return m_pushed_signal[sample_idx].value;
    }

    void BasicIOGroup::adjust(int control_idx, double setting)
    {
        if (control_idx < 0 || control_idx >= (int)m_pushed_control.size()) {
            fail("adjust", "control index " + std::to_string(control_idx) + " was not pushed");
        }
        m_pushed_control[control_idx].setting = setting;
        m_pushed_control[control_idx].is_adjusted = true;
    }

    double BasicIOGroup::read_signal(const std::string &signal_name, int domain_type, int domain_idx)
    {
        const entry_s &ent = checked_entry("read_signal", signal_name, false,
                                           domain_type, domain_idx);
        refresh();
        return read_value_now(ent.info.id, domain_idx);
    }

    void BasicIOGroup::write_control(const std::string &control_name, int domain_type,
                                     int domain_idx, double setting)
    {
        const entry_s &ent = checked_entry("write_control", control_name, true,
                                           domain_type, domain_idx);
        write_value(ent.info.id, domain_idx, setting);
        m_written.emplace(ent.info.id, domain_idx);
    }

    void BasicIOGroup::save_control(void)
    {
        if (!control_names().empty()) {
            m_saved = geopm::SaveControl::make_unique(*this);
        }
        m_written.clear();
    }

    void BasicIOGroup::restore_control(void)
    {
        if (m_saved == nullptr) {
            return;
        }
        // A control nobody wrote is left alone: a job that only reads (a
        // monitor on a shared GPU) writes nothing, not even the same value.
        std::set<std::pair<int, int> > written;
        written.swap(m_written);
        for (const auto &setting : m_saved->settings()) {
            auto it = m_entries.find(setting.name);
            if (std::isfinite(setting.setting) && it != m_entries.end() &&
                written.count({it->second.info.id, setting.domain_idx}) != 0) {
                write_value(it->second.info.id, setting.domain_idx, setting.setting);
            }
        }
    }

    void BasicIOGroup::save_control(const std::string &save_path)
    {
        if (!control_names().empty()) {
            geopm::SaveControl::make_unique(*this)->write_json(save_path);
        }
    }

    void BasicIOGroup::restore_control(const std::string &save_path)
    {
        if (!control_names().empty()) {
            geopm::SaveControl::make_unique(geopm::read_file(save_path))->restore(*this);
        }
    }

    std::function<double(const std::vector<double> &)>
        BasicIOGroup::agg_function(const std::string &signal_name) const
    {
        return entry("agg_function", signal_name, false).info.agg;
    }

    std::function<std::string(double)>
        BasicIOGroup::format_function(const std::string &signal_name) const
    {
        return entry("format_function", signal_name, false).info.format;
    }

    std::string BasicIOGroup::describe(const entry_s &ent, bool with_agg) const
    {
        std::string result = "    description: " + ent.info.description + '\n';
        if (!ent.alias_for.empty()) {
            result += "    alias_for: " + ent.alias_for + '\n';
        }
        result += "    units: " + units_to_string(ent.info.units) + '\n';
        if (with_agg) {
            result += "    aggregation: " + geopm::Agg::function_to_name(ent.info.agg) + '\n';
        }
        result += "    domain: " + geopm::PlatformTopo::domain_type_to_name(ent.info.domain) + '\n';
        result += "    iogroup: " + m_name;
        return result;
    }

    std::string BasicIOGroup::signal_description(const std::string &signal_name) const
    {
        return describe(entry("signal_description", signal_name, false), true);
    }

    std::string BasicIOGroup::control_description(const std::string &control_name) const
    {
        return describe(entry("control_description", control_name, true), false);
    }

    int BasicIOGroup::signal_behavior(const std::string &signal_name) const
    {
        return entry("signal_behavior", signal_name, false).info.behavior;
    }

    std::string BasicIOGroup::name(void) const
    {
        return m_name;
    }
}
