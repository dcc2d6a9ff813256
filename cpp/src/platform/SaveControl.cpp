#include "geopm/SaveControl.hpp"

#include <cmath>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/IOGroup.hpp"
#include "geopm/PlatformTopo.hpp"
#include "core/Json.hpp"

namespace geopm
{
    std::unique_ptr<SaveControl> SaveControl::make_unique(const std::vector<m_setting_s> &settings)
    {
        return std::make_unique<SaveControlImp>(settings);
    }

    std::unique_ptr<SaveControl> SaveControl::make_unique(const std::string &json_string)
    {
        return std::make_unique<SaveControlImp>(json_string);
    }

    std::unique_ptr<SaveControl> SaveControl::make_unique(IOGroup &io_group)
    {
        return std::make_unique<SaveControlImp>(io_group, platform_topo());
    }

    SaveControlImp::SaveControlImp(const std::vector<m_setting_s> &settings)
        : m_settings(settings)
    {
    }

    // Parsed at once so a malformed text fails here, not at restore time.
    SaveControlImp::SaveControlImp(const std::string &json_string)
        : m_settings(settings(json_string))
    {
    }

    SaveControlImp::SaveControlImp(IOGroup &io_group, const PlatformTopo &topo)
        : m_settings(settings(io_group, topo))
    {
    }

    std::string SaveControlImp::json(void) const
    {
        return json(m_settings);
    }

    std::vector<SaveControl::m_setting_s> SaveControlImp::settings(void) const
    {
        return m_settings;
    }

    void SaveControlImp::write_json(const std::string &save_path) const
    {
        write_file(save_path, json());
    }

    void SaveControlImp::restore(IOGroup &io_group) const
    {
        for (const auto &setting : m_settings) {
            if (std::isfinite(setting.setting)) {
                io_group.write_control(setting.name, setting.domain_type, setting.domain_idx,
                                       setting.setting);
            }
        }
    }

    std::set<std::string> SaveControlImp::unsaved_controls(const std::set<std::string> &all_controls) const
    {
        std::set<std::string> result = all_controls;
        for (const auto &setting : m_settings) {
            if (std::isfinite(setting.setting)) {
                result.erase(setting.name);
            }
        }
        return result;
    }

    std::string SaveControlImp::json(const std::vector<m_setting_s> &settings)
    {
        std::string result = "[";
        bool first = true;
        for (const auto &setting : settings) {
            // NaN and infinity have no JSON form; they mean "not saved".
            if (!std::isfinite(setting.setting)) {
                continue;
            }
            result += first ? "" : ", ";
            first = false;
            result += "{\"domain_idx\": " + std::to_string(setting.domain_idx) +
                      ", \"domain_type\": " + std::to_string(setting.domain_type) +
                      ", \"name\": " + geopm_bridge::json_quote(setting.name) +
                      ", \"setting\": " + string_format_double(setting.setting) + "}";
        }
        return result + "]";
    }

    std::vector<SaveControl::m_setting_s> SaveControlImp::settings(const std::string &json_string)
    {
        std::string err;
        json11::Json root = json11::Json::parse(json_string, err);
        if (!err.empty()) {
            throw Exception("SaveControl: invalid saved controls: " + err,
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        if (!root.is_array()) {
            throw Exception("SaveControl: saved controls must be a JSON array",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        std::vector<m_setting_s> result;
        for (const auto &item : root.array_items()) {
            const auto &fields = item.object_items();
            auto name = fields.find("name");
            auto domain_type = fields.find("domain_type");
            auto domain_idx = fields.find("domain_idx");
            auto setting = fields.find("setting");
            if (!item.is_object() || fields.size() != 4 ||
                name == fields.end() || !name->second.is_string() ||
                domain_type == fields.end() || !domain_type->second.is_number() ||
                domain_idx == fields.end() || !domain_idx->second.is_number() ||
                setting == fields.end() || !setting->second.is_number()) {
                throw Exception("SaveControl: each saved control must be an object with exactly "
                                "\"name\", \"domain_type\", \"domain_idx\" and \"setting\"",
                                GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            result.push_back({name->second.string_value(),
                              static_cast<int>(domain_type->second.number_value()),
                              static_cast<int>(domain_idx->second.number_value()),
                              setting->second.number_value()});
        }
        return result;
    }

    std::vector<SaveControl::m_setting_s> SaveControlImp::settings(IOGroup &io_group,
                                                                   const PlatformTopo &topo)
    {
        // Only the IOGroup's own "<NAME>::" controls: aliases would save the
        // same register twice.
        std::vector<m_setting_s> result;
        const std::string prefix = io_group.name() + "::";
        for (const auto &name : io_group.control_names()) {
            if (!string_begins_with(name, prefix)) {
                continue;
            }
            int domain_type = io_group.control_domain_type(name);
            for (int domain_idx = 0; domain_idx < topo.num_domain(domain_type); ++domain_idx) {
                result.push_back({name, domain_type, domain_idx,
                                  io_group.read_signal(name, domain_type, domain_idx)});
            }
        }
        return result;
    }
}
