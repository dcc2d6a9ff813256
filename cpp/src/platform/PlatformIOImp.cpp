#include "PlatformIOImp.hpp"

#include <cmath>

#include "geopm/Agg.hpp"
#include "geopm/Exception.hpp"
#include "geopm/IOGroup.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_bridge/NodeContext.hpp"
#include "geopm_bridge/BatchOnPush.hpp"

namespace geopm
{
    namespace
    {
        std::string domain_text(int domain_type)
        {
            try {
                return PlatformTopo::domain_type_to_name(domain_type);
            }
            catch (const Exception &) {
                return "domain type " + std::to_string(domain_type);
            }
        }

        // Whether a coarse signal over num_operand native ones is just its
        // first operand: select_first always, and with a single operand
        // every aggregation that gives a lone value back. Such a signal is
        // read directly (a board signal on a one-package node, TIME), which
        // spares sample() the combination in the hot loop.
        bool is_first_operand_enough(const std::function<double(const std::vector<double> &)> &agg,
                                     size_t num_operand)
        {
            int type = -1;
            try {
                type = Agg::function_to_type(agg);
            }
            catch (const Exception &) {
                // Not one of Agg's functions: it may do anything.
                return false;
            }
            switch (type) {
                case Agg::M_SELECT_FIRST:
                    return true;
                case Agg::M_SUM:
                case Agg::M_AVERAGE:
                case Agg::M_MEDIAN:
                case Agg::M_MIN:
                case Agg::M_MAX:
                case Agg::M_EXPECT_SAME:
                    return num_operand == 1;
                default:
                    return false;
            }
        }
    }

    PlatformIOImp::PlatformIOImp(const PlatformTopo &topo)
        : m_is_signal_active(false)
        , m_is_control_active(false)
        , m_is_saved(false)
        , m_topo(topo)
    {
        IOGroupFactory &factory = iogroup_factory();
        for (const auto &name : factory.plugin_names()) {
            std::unique_ptr<IOGroup> iogroup;
            try {
                iogroup = factory.make_plugin(name);
            }
            catch (const std::exception &) {
                // As GEOPM: an IOGroup that cannot start here (missing
                // hardware, driver or permission) is simply not offered.
                continue;
            }
            add_iogroup(std::move(iogroup));
        }
    }

    void PlatformIOImp::add_iogroup(std::shared_ptr<IOGroup> iogroup)
    {
        bool is_batch_on_push =
            dynamic_cast<const geopm_bridge::BatchOnPush *>(iogroup.get()) != nullptr;
        m_iogroups.push_back(std::move(iogroup));
        m_is_read_needed.push_back(!is_batch_on_push);
        m_is_write_needed.push_back(!is_batch_on_push);
        update_batch_lists();
    }

    void PlatformIOImp::note_pushed(const IOGroup &iogroup, bool is_control)
    {
        std::vector<bool> &is_needed = is_control ? m_is_write_needed : m_is_read_needed;
        for (size_t pos = 0; pos < m_iogroups.size(); ++pos) {
            if (m_iogroups[pos].get() == &iogroup) {
                is_needed[pos] = true;
            }
        }
        update_batch_lists();
    }

    void PlatformIOImp::update_batch_lists(void)
    {
        // Registration order, the order GEOPM calls IOGroups in.
        m_read_iogroups.clear();
        m_write_iogroups.clear();
        for (size_t pos = 0; pos < m_iogroups.size(); ++pos) {
            if (m_is_read_needed[pos]) {
                m_read_iogroups.push_back(m_iogroups[pos].get());
            }
            if (m_is_write_needed[pos]) {
                m_write_iogroups.push_back(m_iogroups[pos].get());
            }
        }
    }

    void PlatformIOImp::register_iogroup(std::shared_ptr<IOGroup> iogroup)
    {
        if (m_is_signal_active || m_is_control_active) {
            throw Exception("PlatformIO::register_iogroup(): cannot add an IOGroup after "
                            "read_batch() or adjust()", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        if (iogroup == nullptr) {
            throw Exception("PlatformIO::register_iogroup(): null IOGroup",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        add_iogroup(std::move(iogroup));
    }

    IOGroup &PlatformIOImp::signal_iogroup(const std::string &signal_name, const char *caller) const
    {
        for (auto it = m_iogroups.rbegin(); it != m_iogroups.rend(); ++it) {
            if ((*it)->is_valid_signal(signal_name)) {
                return **it;
            }
        }
        throw Exception(std::string("PlatformIO::") + caller + "(): unknown signal \"" +
                        signal_name + "\"", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }

    IOGroup &PlatformIOImp::control_iogroup(const std::string &control_name, const char *caller) const
    {
        for (auto it = m_iogroups.rbegin(); it != m_iogroups.rend(); ++it) {
            if ((*it)->is_valid_control(control_name)) {
                return **it;
            }
        }
        throw Exception(std::string("PlatformIO::") + caller + "(): unknown control \"" +
                        control_name + "\"", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }

    void PlatformIOImp::check_domain(const char *caller, int domain_type, int domain_idx) const
    {
        if (domain_type < 0 || domain_type >= GEOPM_NUM_DOMAIN) {
            throw Exception(std::string("PlatformIO::") + caller + "(): invalid domain type " +
                            std::to_string(domain_type), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        int num_domain = m_topo.num_domain(domain_type);
        if (domain_idx < 0 || domain_idx >= num_domain) {
            throw Exception(std::string("PlatformIO::") + caller + "(): " + domain_text(domain_type) +
                            " index " + std::to_string(domain_idx) + " is out of range (this node has " +
                            std::to_string(num_domain) + ")", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }

    std::set<int> PlatformIOImp::native_indices(const char *caller, const std::string &name,
                                                int native_domain, int domain_type, int domain_idx) const
    {
        if (!m_topo.is_nested_domain(native_domain, domain_type)) {
            throw Exception(std::string("PlatformIO::") + caller + "(): \"" + name +
                            "\" is provided per " + domain_text(native_domain) +
                            " and cannot be used at the " + domain_text(domain_type) + " domain",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return m_topo.domain_nested(native_domain, domain_type, domain_idx);
    }

    double PlatformIOImp::control_share(IOGroup &iogroup, const std::string &control_name,
                                        size_t num_native) const
    {
        if (num_native == 0) {
            return 1.0;
        }
        try {
            if (Agg::function_to_type(iogroup.agg_function(control_name)) == Agg::M_SUM) {
                return 1.0 / num_native;
            }
        }
        catch (const Exception &) {
            // No signal of that name, or not an Agg function: same setting.
        }
        return 1.0;
    }

    std::set<std::string> PlatformIOImp::signal_names(void) const
    {
        std::set<std::string> result;
        for (const auto &iogroup : m_iogroups) {
            auto names = iogroup->signal_names();
            result.insert(names.begin(), names.end());
        }
        return result;
    }

    std::set<std::string> PlatformIOImp::control_names(void) const
    {
        std::set<std::string> result;
        for (const auto &iogroup : m_iogroups) {
            auto names = iogroup->control_names();
            result.insert(names.begin(), names.end());
        }
        return result;
    }

    int PlatformIOImp::signal_domain_type(const std::string &signal_name) const
    {
        return signal_iogroup(signal_name, __func__).signal_domain_type(signal_name);
    }

    int PlatformIOImp::control_domain_type(const std::string &control_name) const
    {
        return control_iogroup(control_name, __func__).control_domain_type(control_name);
    }

    std::vector<std::string> PlatformIOImp::pushed_signals(void) const
    {
        std::vector<std::string> result(m_signals.size());
        for (const auto &entry : m_signal_index) {
            result[entry.second] = std::get<0>(entry.first) + "@" +
                                   geopm::PlatformTopo::domain_type_to_name(std::get<1>(entry.first)) +
                                   " " + std::to_string(std::get<2>(entry.first));
        }
        return result;
    }

    std::vector<std::string> PlatformIOImp::iogroup_names(void) const
    {
        std::vector<std::string> result;
        for (const auto &iogroup : m_iogroups) {
            result.push_back(iogroup->name());
        }
        return result;
    }

    int PlatformIOImp::push_signal(const std::string &signal_name, int domain_type, int domain_idx)
    {
        check_domain(__func__, domain_type, domain_idx);
        key_t key(signal_name, domain_type, domain_idx);
        auto found = m_signal_index.find(key);
        if (found != m_signal_index.end()) {
            return found->second;
        }
        if (m_is_signal_active || m_is_control_active) {
            throw Exception("PlatformIO::push_signal(): cannot push \"" + signal_name +
                            "\" after read_batch() or adjust(); push everything in Agent::init()",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        IOGroup &iogroup = signal_iogroup(signal_name, __func__);
        int native_domain = iogroup.signal_domain_type(signal_name);
        Request request{nullptr, -1, {}, nullptr, {}, 1.0};
        if (native_domain == domain_type) {
            request.iogroup = &iogroup;
            request.iogroup_idx = iogroup.push_signal(signal_name, domain_type, domain_idx);
            note_pushed(iogroup, false);
        }
        else {
            auto indices = native_indices(__func__, signal_name, native_domain,
                                          domain_type, domain_idx);
            request.agg = iogroup.agg_function(signal_name);
            if (!indices.empty() && is_first_operand_enough(request.agg, indices.size())) {
                // Read the first native signal directly; the others are
                // not even pushed.
                int first = push_signal(signal_name, native_domain, *indices.begin());
                std::tie(request.iogroup, request.iogroup_idx) = m_signal_direct[first];
            }
            else {
                for (int native_idx : indices) {
                    request.operands.push_back(push_signal(signal_name, native_domain, native_idx));
                }
                request.operand_values.resize(request.operands.size());
            }
        }
        int result = static_cast<int>(m_signals.size());
        m_signal_direct.emplace_back(request.iogroup, request.iogroup_idx);
        m_signals.push_back(std::move(request));
        m_signal_index[key] = result;
        return result;
    }

    int PlatformIOImp::push_control(const std::string &control_name, int domain_type, int domain_idx)
    {
        int result = push_control_request(control_name, domain_type, domain_idx);
        ++m_control_num_push[result];
        return result;
    }

    int PlatformIOImp::push_control_request(const std::string &control_name, int domain_type,
                                            int domain_idx)
    {
        check_domain(__func__, domain_type, domain_idx);
        key_t key(control_name, domain_type, domain_idx);
        auto found = m_control_index.find(key);
        if (found != m_control_index.end()) {
            return found->second;
        }
        if (m_is_signal_active || m_is_control_active) {
            throw Exception("PlatformIO::push_control(): cannot push \"" + control_name +
                            "\" after read_batch() or adjust(); push everything in Agent::init()",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        IOGroup &iogroup = control_iogroup(control_name, __func__);
        int native_domain = iogroup.control_domain_type(control_name);
        Request request{nullptr, -1, {}, nullptr, {}, 1.0};
        if (native_domain == domain_type) {
            request.iogroup = &iogroup;
            request.iogroup_idx = iogroup.push_control(control_name, domain_type, domain_idx);
            note_pushed(iogroup, true);
        }
        else {
            for (int native_idx : native_indices(__func__, control_name, native_domain,
                                                 domain_type, domain_idx)) {
                request.operands.push_back(push_control_request(control_name, native_domain, native_idx));
            }
            request.factor = control_share(iogroup, control_name, request.operands.size());
            if (request.operands.size() == 1) {
                // The whole setting goes to the one native control.
                std::tie(request.iogroup, request.iogroup_idx) = m_control_direct[request.operands[0]];
            }
        }
        int result = static_cast<int>(m_controls.size());
        m_control_direct.emplace_back(request.iogroup, request.iogroup_idx);
        m_controls.push_back(std::move(request));
        m_control_num_push.push_back(0);
        m_control_num_adjust.push_back(0);
        m_control_setting.push_back(NAN);
        m_control_index[key] = result;
        return result;
    }

    double PlatformIOImp::sample(int signal_idx)
    {
        if (signal_idx < 0 || signal_idx >= static_cast<int>(m_signal_direct.size())) {
            throw Exception("PlatformIO::sample(): signal index " + std::to_string(signal_idx) +
                            " was not returned by push_signal()", GEOPM_ERROR_INVALID,
                            __FILE__, __LINE__);
        }
        if (!m_is_signal_active) {
            throw Exception("PlatformIO::sample(): read_batch() has not been called yet",
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        const auto &direct = m_signal_direct[signal_idx];
        if (direct.first != nullptr) {
            return direct.first->sample(direct.second);
        }
        return sample_request(signal_idx);
    }

    double PlatformIOImp::sample_request(int signal_idx)
    {
        // Only combined signals get here; their operands are read through
        // the dense table when direct.
        Request &request = m_signals[signal_idx];
        for (size_t pos = 0; pos < request.operands.size(); ++pos) {
            const auto &direct = m_signal_direct[request.operands[pos]];
            request.operand_values[pos] = direct.first != nullptr ?
                                          direct.first->sample(direct.second) :
                                          sample_request(request.operands[pos]);
        }
        return request.agg(request.operand_values);
    }

    void PlatformIOImp::adjust(int control_idx, double setting)
    {
        if (control_idx < 0 || control_idx >= static_cast<int>(m_controls.size())) {
            throw Exception("PlatformIO::adjust(): control index " + std::to_string(control_idx) +
                            " was not returned by push_control()", GEOPM_ERROR_INVALID,
                            __FILE__, __LINE__);
        }
        if (std::isnan(setting)) {
            throw Exception("PlatformIO::adjust(): the setting is NaN",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        adjust_request(control_idx, setting);
        ++m_control_num_adjust[control_idx];
        m_control_setting[control_idx] = setting;
        m_is_control_active = true;
    }

    int PlatformIOImp::num_control(void) const
    {
        return static_cast<int>(m_controls.size());
    }

    uint64_t PlatformIOImp::num_push(int control_idx) const
    {
        return m_control_num_push.at(control_idx);
    }

    std::vector<int> PlatformIOImp::control_operands(int control_idx) const
    {
        const auto &operands = m_controls.at(control_idx).operands;
        return operands.empty() ? std::vector<int>{control_idx} : operands;
    }

    std::tuple<std::string, int, int> PlatformIOImp::control_request(int control_idx) const
    {
        for (const auto &entry : m_control_index) {
            if (entry.second == control_idx) {
                return entry.first;
            }
        }
        throw Exception("PlatformIO: control index " + std::to_string(control_idx) +
                        " was not returned by push_control()", GEOPM_ERROR_INVALID,
                        __FILE__, __LINE__);
    }

    uint64_t PlatformIOImp::num_adjust(int control_idx) const
    {
        return m_control_num_adjust.at(control_idx);
    }

    double PlatformIOImp::adjusted_setting(int control_idx) const
    {
        return m_control_setting.at(control_idx);
    }

    void PlatformIOImp::adjust_request(int control_idx, double setting)
    {
        const auto &direct = m_control_direct[control_idx];
        if (direct.first != nullptr) {
            direct.first->adjust(direct.second, setting);
            return;
        }
        const Request &request = m_controls[control_idx];
        for (int operand : request.operands) {
            adjust_request(operand, setting * request.factor);
        }
    }

    void PlatformIOImp::read_batch(void)
    {
        for (IOGroup *iogroup : m_read_iogroups) {
            iogroup->read_batch();
        }
        m_is_signal_active = true;
    }

    void PlatformIOImp::write_batch(void)
    {
        for (IOGroup *iogroup : m_write_iogroups) {
            iogroup->write_batch();
        }
    }

    double PlatformIOImp::read_signal(const std::string &signal_name, int domain_type, int domain_idx)
    {
        check_domain(__func__, domain_type, domain_idx);
        IOGroup &iogroup = signal_iogroup(signal_name, __func__);
        int native_domain = iogroup.signal_domain_type(signal_name);
        if (native_domain == domain_type) {
            return iogroup.read_signal(signal_name, domain_type, domain_idx);
        }
        std::vector<double> values;
        for (int native_idx : native_indices(__func__, signal_name, native_domain,
                                             domain_type, domain_idx)) {
            values.push_back(iogroup.read_signal(signal_name, native_domain, native_idx));
        }
        return iogroup.agg_function(signal_name)(values);
    }

    void PlatformIOImp::write_control(const std::string &control_name, int domain_type,
                                      int domain_idx, double setting)
    {
        check_domain(__func__, domain_type, domain_idx);
        if (std::isnan(setting)) {
            throw Exception("PlatformIO::write_control(): the setting for \"" + control_name +
                            "\" is NaN", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        IOGroup &iogroup = control_iogroup(control_name, __func__);
        int native_domain = iogroup.control_domain_type(control_name);
        if (native_domain == domain_type) {
            iogroup.write_control(control_name, domain_type, domain_idx, setting);
            return;
        }
        std::set<int> natives = native_indices(__func__, control_name, native_domain,
                                               domain_type, domain_idx);
        double share = setting * control_share(iogroup, control_name, natives.size());
        for (int native_idx : natives) {
            iogroup.write_control(control_name, native_domain, native_idx, share);
        }
    }

    void PlatformIOImp::save_control(void)
    {
        for (auto &iogroup : m_iogroups) {
            iogroup->save_control();
        }
        m_is_saved = true;
    }

    void PlatformIOImp::restore_control(void)
    {
        if (!m_is_saved) {
            throw Exception("PlatformIO::restore_control(): save_control() was not called",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        // Newest first, undoing the saves in reverse order.
        for (auto it = m_iogroups.rbegin(); it != m_iogroups.rend(); ++it) {
            (*it)->restore_control();
        }
    }

    void PlatformIOImp::save_control(const std::string &save_dir)
    {
        for (auto &iogroup : m_iogroups) {
            iogroup->save_control(save_dir + "/" + iogroup->name() + "-save-control.json");
        }
    }

    void PlatformIOImp::restore_control(const std::string &save_dir)
    {
        for (auto &iogroup : m_iogroups) {
            iogroup->restore_control(save_dir + "/" + iogroup->name() + "-save-control.json");
        }
    }

    std::function<double(const std::vector<double> &)> PlatformIOImp::agg_function(const std::string &signal_name) const
    {
        return signal_iogroup(signal_name, __func__).agg_function(signal_name);
    }

    std::function<std::string(double)> PlatformIOImp::format_function(const std::string &signal_name) const
    {
        return signal_iogroup(signal_name, __func__).format_function(signal_name);
    }

    std::string PlatformIOImp::signal_description(const std::string &signal_name) const
    {
        return signal_iogroup(signal_name, __func__).signal_description(signal_name);
    }

    std::string PlatformIOImp::control_description(const std::string &control_name) const
    {
        return control_iogroup(control_name, __func__).control_description(control_name);
    }

    int PlatformIOImp::signal_behavior(const std::string &signal_name) const
    {
        return signal_iogroup(signal_name, __func__).signal_behavior(signal_name);
    }

    void PlatformIOImp::start_batch_server(int, const std::vector<geopm_request_s> &,
                                           const std::vector<geopm_request_s> &, int &,
                                           std::string &)
    {
        throw Exception("PlatformIO::start_batch_server(): the embedded runtime has no batch server",
                        GEOPM_ERROR_NOT_IMPLEMENTED, __FILE__, __LINE__);
    }

    void PlatformIOImp::stop_batch_server(int)
    {
        throw Exception("PlatformIO::stop_batch_server(): the embedded runtime has no batch server",
                        GEOPM_ERROR_NOT_IMPLEMENTED, __FILE__, __LINE__);
    }

    bool PlatformIO::is_valid_value(double value)
    {
        return !std::isnan(value);
    }

    PlatformIO &platform_io(void)
    {
        return geopm_bridge::current_node().platform_io();
    }
}
