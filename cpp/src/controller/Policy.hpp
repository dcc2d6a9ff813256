/*
 * Policies given as JSON: the static policy file (GEOPM_POLICY) and the
 * documents of the dynamic endpoint share GEOPM's rules:
 * {"NAME": number | "NAN", ...}; names the agent does not have are an
 * error, missing names are NaN (the agent's validate_policy() fills
 * defaults).
 */
#ifndef GEOPM_BRIDGE_POLICY_HPP_INCLUDE
#define GEOPM_BRIDGE_POLICY_HPP_INCLUDE

#include <string>
#include <vector>

namespace json11
{
    class Json;
}

namespace geopm_bridge
{
    /// The policy vector (in the order of names) given by a JSON object.
    /// Throws geopm::Exception naming source, the agent and the offending
    /// names or values.
    std::vector<double> policy_from_json(const json11::Json &object,
                                         const std::vector<std::string> &names,
                                         const std::string &agent_name,
                                         const std::string &source);

    /// The static policy of a job, read once.
    class FilePolicy
    {
        public:
            /// An empty path gives the all-NaN policy.
            FilePolicy(const std::string &path,
                       const std::string &agent_name,
                       const std::vector<std::string> &names);
            const std::vector<double> &policy(void) const;
            /// One-line JSON of the values the file gave, for the report.
            std::string json(void) const;
        private:
            std::vector<std::string> m_names;
            std::vector<double> m_policy;
            std::vector<bool> m_given;
    };
}

#endif
