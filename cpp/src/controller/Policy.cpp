#include "Policy.hpp"

#include <cmath>

#include "geopm/Exception.hpp"

#include "core/Json.hpp"
#include "Format.hpp"

namespace geopm_bridge
{
    static std::string join(const std::vector<std::string> &words)
    {
        std::string result;
        for (const auto &word : words) {
            result += (result.empty() ? "" : ", ") + word;
        }
        return result;
    }

    std::vector<double> policy_from_json(const json11::Json &object,
                                         const std::vector<std::string> &names,
                                         const std::string &agent_name,
                                         const std::string &source)
    {
        if (!object.is_object()) {
            throw geopm::Exception(source + ": a policy is a JSON object {\"NAME\": value, ...}",
                                   GEOPM_ERROR_FILE_PARSE, __FILE__, __LINE__);
        }
        std::vector<std::string> unknown;
        for (const auto &member : object.object_items()) {
            bool known = false;
            for (const auto &name : names) {
                known = known || name == member.first;
            }
            if (!known) {
                unknown.push_back(json_quote(member.first));
            }
        }
        if (!unknown.empty()) {
            std::string known = names.empty() ? "it takes no policy" :
                                "its policy names: " + join(names);
            throw geopm::Exception(source + ": unknown policy name" + (unknown.size() > 1 ? "s " : " ") +
                                   join(unknown) + " for agent \"" + agent_name + "\" (" + known + ")",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        std::vector<double> result(names.size(), NAN);
        for (size_t idx = 0; idx < names.size(); ++idx) {
            auto it = object.object_items().find(names[idx]);
            if (it == object.object_items().end()) {
                continue;
            }
            const json11::Json &value = it->second;
            if (value.is_number()) {
                result[idx] = value.number_value();
            }
            else if (value.string_value() != "NAN" && value.string_value() != "NaN" &&
                     value.string_value() != "nan") {
                throw geopm::Exception(source + ": the value of policy " + names[idx] +
                                       " must be a number or \"NAN\"" +
                                       (value.is_string() ? ", not " + json_quote(value.string_value()) : ""),
                                       GEOPM_ERROR_FILE_PARSE, __FILE__, __LINE__);
            }
        }
        return result;
    }

    FilePolicy::FilePolicy(const std::string &path,
                           const std::string &agent_name,
                           const std::vector<std::string> &names)
        : m_names(names)
        , m_policy(names.size(), NAN)
        , m_given(names.size(), false)
    {
        if (path.empty()) {
            return;
        }
        std::string source = "policy file \"" + path + "\"";
        json11::Json object = read_json_file(path, "policy file");
        m_policy = policy_from_json(object, names, agent_name, source);
        for (size_t idx = 0; idx < names.size(); ++idx) {
            m_given[idx] = object.object_items().count(names[idx]) != 0;
        }
    }

    const std::vector<double> &FilePolicy::policy(void) const
    {
        return m_policy;
    }

    std::string FilePolicy::json(void) const
    {
        std::string result = "{";
        for (size_t idx = 0; idx < m_names.size(); ++idx) {
            if (m_given[idx]) {
                result += (result.size() > 1 ? ", " : "") + json_quote(m_names[idx]) + ": " +
                          (std::isnan(m_policy[idx]) ? "\"NAN\"" : format_number(m_policy[idx]));
            }
        }
        return result + "}";
    }
}
