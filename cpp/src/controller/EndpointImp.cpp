#include "EndpointImp.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"

#include "core/Json.hpp"
#include "Endpoint.hpp"
#include "Format.hpp"

namespace
{
    using geopm::Exception;

    // How often the waits look at the sample file.
    constexpr std::chrono::milliseconds M_POLL_PERIOD(20);

    std::string quoted(const std::string &text)
    {
        return "\"" + text + "\"";
    }

    /// Replace the policy file with text (Endpoint.hpp says how).
    void replace_file(const std::string &path, const std::string &text)
    {
        int err = geopm_bridge::replace_endpoint_file(path, text);
        if (err != 0) {
            throw Exception("cannot write the endpoint policy file " + quoted(path) + ": " +
                            strerror(err), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }

    void remove_file(const std::string &path)
    {
        if (unlink(path.c_str()) != 0 && errno != ENOENT) {
            throw Exception("cannot remove the endpoint file " + quoted(path) + ": " +
                            strerror(errno), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }

    double wall_time(void)
    {
        return std::chrono::duration<double>(
            std::chrono::system_clock::now().time_since_epoch()).count();
    }

    // Readers of the sample document's members; bad ones name the file.
    class SampleDocument
    {
        public:
            SampleDocument(const std::string &path, const std::string &text)
                : m_source("endpoint sample file " + quoted(path))
                , m_doc(geopm_bridge::parse_json(text, m_source))
            {
                if (!m_doc.is_object()) {
                    bad("it is not a JSON object");
                }
            }

            const json11::Json *member(const std::string &key, bool is_required = true) const
            {
                auto it = m_doc.object_items().find(key);
                if (it == m_doc.object_items().end()) {
                    if (is_required) {
                        bad("\"" + key + "\" is missing");
                    }
                    return nullptr;
                }
                return &it->second;
            }

            std::string string(const std::string &key, bool is_required = true) const
            {
                const json11::Json *value = member(key, is_required);
                if (value == nullptr) {
                    return "";
                }
                if (!value->is_string()) {
                    bad("\"" + key + "\" is not a string");
                }
                return value->string_value();
            }

            bool boolean(const std::string &key) const
            {
                const json11::Json *value = member(key);
                if (!value->is_bool()) {
                    bad("\"" + key + "\" is not true or false");
                }
                return value->bool_value();
            }

            double number(const std::string &key) const
            {
                const json11::Json *value = member(key);
                if (!value->is_number()) {
                    bad("\"" + key + "\" is not a number");
                }
                return value->number_value();
            }

            std::vector<std::string> strings(const std::string &key) const
            {
                const json11::Json *value = member(key);
                if (!value->is_array()) {
                    bad("\"" + key + "\" is not an array of strings");
                }
                std::vector<std::string> result;
                for (const auto &item : value->array_items()) {
                    if (!item.is_string()) {
                        bad("\"" + key + "\" is not an array of strings");
                    }
                    result.push_back(item.string_value());
                }
                return result;
            }

            /// The values of the object at key, in the order of names
            /// (null or absent: NaN).
            std::vector<double> values(const std::string &key,
                                       const std::vector<std::string> &names) const
            {
                const json11::Json *value = member(key);
                if (!value->is_object()) {
                    bad("\"" + key + "\" is not an object");
                }
                std::vector<double> result(names.size(), NAN);
                for (size_t idx = 0; idx < names.size(); ++idx) {
                    auto it = value->object_items().find(names[idx]);
                    if (it == value->object_items().end() || it->second.is_null()) {
                        continue;
                    }
                    if (!it->second.is_number()) {
                        bad("\"" + key + "\": the value of " + names[idx] + " is not a number");
                    }
                    result[idx] = it->second.number_value();
                }
                return result;
            }

            [[noreturn]] void bad(const std::string &what) const
            {
                throw Exception(m_source + ": " + what, GEOPM_ERROR_FILE_PARSE, __FILE__, __LINE__);
            }
        private:
            const std::string m_source;
            const json11::Json m_doc;
    };
}

namespace geopm
{
    std::unique_ptr<Endpoint> Endpoint::make_unique(const std::string &data_path)
    {
        return geopm::make_unique<EndpointImp>(data_path);
    }

    EndpointImp::EndpointImp(const std::string &data_path)
        : m_data_path(data_path)
        , m_policy_path(geopm_bridge::endpoint_policy_path(data_path))
        , m_sample_path(geopm_bridge::endpoint_sample_path(data_path))
        , m_is_open(false)
        , m_continue_loop(true)
        , m_last_seq(-1)
    {
        if (data_path.empty()) {
            throw Exception("EndpointImp: the endpoint's name is empty (give the job's GEOPM_ENDPOINT)",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }

    EndpointImp::Published EndpointImp::read_published(void) const
    {
        Published result;
        std::string text;
        if (!geopm_bridge::read_endpoint_file(m_sample_path, "endpoint sample file", text)) {
            return result;
        }
        SampleDocument doc(m_sample_path, text);
        result.is_present = true;
        result.is_running = doc.boolean("running");
        result.agent = doc.string("agent");
        result.profile = doc.string("profile", false);
        result.timestamp = doc.number("timestamp");
        result.policy_names = doc.strings("policy_names");
        result.sample_names = doc.strings("sample_names");
        result.sample = doc.values("sample", result.sample_names);
        result.hosts = doc.strings("hosts");
        const json11::Json *seq = doc.member("policy_seq");
        if (seq->is_number()) {
            result.policy_seq = static_cast<int64_t>(seq->number_value());
        }
        return result;
    }

    void EndpointImp::check_open(const std::string &func) const
    {
        if (!m_is_open) {
            throw Exception("EndpointImp::" + func + "(): the endpoint " + quoted(m_data_path) +
                            " is not open: call open() first",
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
    }

    EndpointImp::Published EndpointImp::attached(const std::string &func) const
    {
        check_open(func);
        Published result = read_published();
        if (!result.is_running) {
            throw Exception("EndpointImp::" + func + "(): no job is attached to the endpoint " +
                            quoted(m_data_path) + " (no running controller publishes " +
                            quoted(m_sample_path) + "); wait_for_agent_attach() first",
                            GEOPM_ERROR_NO_AGENT, __FILE__, __LINE__);
        }
        return result;
    }

    void EndpointImp::open(void)
    {
        // The manager may be another user than the job's (the directory
        // is the job's): it requires only that no third user can write there.
        std::string refusal = geopm_bridge::endpoint_directory_refusal(m_data_path, false);
        if (!refusal.empty()) {
            throw Exception("EndpointImp::open(): " + refusal, GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        size_t slash = m_data_path.rfind('/');
        std::string dir = slash == std::string::npos ? "." :
                          slash == 0 ? "/" : m_data_path.substr(0, slash);
        if (access(dir.c_str(), W_OK | X_OK) != 0) {
            throw Exception("EndpointImp::open(): cannot write in the directory " + quoted(dir) +
                            " of the endpoint " + quoted(m_data_path) + ": " + strerror(errno),
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        Published published;
        try {
            published = read_published();
        }
        catch (const Exception &) {
            // Not a document a running controller wrote: a stale one.
        }
        if (published.is_running) {
            m_last_seq = published.policy_seq;
        }
        else {
            // A finished job's files: its policy must not become the next
            // job's initial policy, nor its last sample be taken for the
            // next job's.
            remove_file(m_policy_path);
            remove_file(m_sample_path);
            m_last_seq = -1;
        }
        m_is_open = true;
    }

    void EndpointImp::close(void)
    {
        if (!m_is_open) {
            return;
        }
        m_is_open = false;
        remove_file(m_policy_path);
        Published published = read_published();
        if (published.is_present && !published.is_running) {
            remove_file(m_sample_path);
        }
    }

    void EndpointImp::write_policy(const std::vector<double> &policy)
    {
        Published published = attached(__func__);
        const auto &names = published.policy_names;
        if (policy.size() != names.size()) {
            throw Exception("EndpointImp::write_policy(): agent " + quoted(published.agent) + " takes " +
                            std::to_string(names.size()) + " policy values, not " +
                            std::to_string(policy.size()),
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        std::string values;
        for (size_t idx = 0; idx < names.size(); ++idx) {
            if (std::isinf(policy[idx])) {
                throw Exception("EndpointImp::write_policy(): the value of policy " + names[idx] +
                                " is infinite", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            values += (idx ? ", " : "") + geopm_bridge::json_quote(names[idx]) + ": " +
                      (std::isnan(policy[idx]) ? "\"NAN\"" : geopm_bridge::format_json_number(policy[idx]));
        }
        int64_t seq = std::max(m_last_seq, published.policy_seq) + 1;
        replace_file(m_policy_path,
                     "{\"seq\": " + std::to_string(seq) + ", \"policy\": {" + values + "}}\n");
        m_last_seq = seq;
    }

    double EndpointImp::read_sample(std::vector<double> &sample)
    {
        check_open(__func__);
        Published published = read_published();
        if (!published.is_present) {
            throw Exception("EndpointImp::read_sample(): no job has published a sample on the endpoint " +
                            quoted(m_data_path) + " yet; wait_for_agent_attach() first",
                            GEOPM_ERROR_NO_AGENT, __FILE__, __LINE__);
        }
        if (sample.size() != published.sample.size()) {
            throw Exception("EndpointImp::read_sample(): agent " + quoted(published.agent) + " sends " +
                            std::to_string(published.sample.size()) + " sample values, not " +
                            std::to_string(sample.size()),
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        sample = published.sample;
        return std::max(0.0, wall_time() - published.timestamp);
    }

    std::string EndpointImp::get_agent(void)
    {
        check_open(__func__);
        Published published = read_published();
        return published.is_running ? published.agent : "";
    }

    void EndpointImp::wait_for(bool want_attached, double timeout, const std::string &func)
    {
        check_open(func);
        auto start = std::chrono::steady_clock::now();
        while (m_continue_loop && (read_published().is_running != want_attached)) {
            double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (timeout >= 0.0 && waited >= timeout) {
                throw Exception("EndpointImp::" + func + "(): " +
                                (want_attached ? "no job attached to" : "the job did not leave") +
                                " the endpoint " + quoted(m_data_path) + " within " +
                                geopm_bridge::format_number(timeout) + " s",
                                GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
            }
            std::this_thread::sleep_for(M_POLL_PERIOD);
        }
    }

    void EndpointImp::wait_for_agent_attach(double timeout)
    {
        wait_for(true, timeout, __func__);
    }

    void EndpointImp::wait_for_agent_detach(double timeout)
    {
        wait_for(false, timeout, __func__);
    }

    void EndpointImp::stop_wait_loop(void)
    {
        m_continue_loop = false;
    }

    void EndpointImp::reset_wait_loop(void)
    {
        m_continue_loop = true;
    }

    std::string EndpointImp::get_profile_name(void)
    {
        check_open(__func__);
        Published published = read_published();
        return published.is_running ? published.profile : "";
    }

    std::set<std::string> EndpointImp::get_hostnames(void)
    {
        check_open(__func__);
        Published published = read_published();
        std::set<std::string> result;
        if (published.is_running) {
            result.insert(published.hosts.begin(), published.hosts.end());
        }
        return result;
    }
}
