#include "Endpoint.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "geopm/Exception.hpp"

#include "core/ErrorText.hpp"
#include "core/Json.hpp"
#include "Format.hpp"
#include "Policy.hpp"

namespace geopm_bridge
{
    // The sample file is rewritten at most this often.
    static constexpr double M_PUBLISH_PERIOD = 0.050;

    std::string endpoint_directory_refusal(const std::string &prefix, bool is_owner_required)
    {
        size_t slash = prefix.rfind('/');
        std::string dir = slash == std::string::npos ? "." :
                          slash == 0 ? "/" : prefix.substr(0, slash);
        std::string named = "the directory \"" + dir + "\" of the endpoint \"" + prefix + "\"";
        struct stat info;
        if (stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
            return named + " does not exist";
        }
        if (is_owner_required && info.st_uid != geteuid()) {
            return named + " belongs to uid " + std::to_string(info.st_uid) +
                   ", not to this process's user (uid " + std::to_string(geteuid()) + ")";
        }
        if ((info.st_mode & S_IWOTH) != 0) {
            char mode[8];
            snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(info.st_mode & 07777));
            return named + " is writable by others (mode " + mode + ")";
        }
        return "";
    }

    bool read_endpoint_file(const std::string &path, const std::string &what, std::string &text)
    {
        std::string named = what + " \"" + path + "\"";
        // O_NOFOLLOW: never read a file elsewhere through a planted link;
        // O_NONBLOCK: a planted FIFO cannot stall the caller's loop.
        int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd == -1) {
            int err = errno;
            if (err == ENOENT) {
                return false;
            }
            throw geopm::Exception(err == ELOOP ? named + " is a symbolic link, which is not followed" :
                                   "cannot open " + named + ": " + strerror(err),
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        struct stat info;
        std::string error;
        if (fstat(fd, &info) != 0) {
            error = "cannot examine " + named + ": " + strerror(errno);
        }
        else if (!S_ISREG(info.st_mode)) {
            error = named + " is not a regular file";
        }
        else if (info.st_size > M_ENDPOINT_FILE_MAX_BYTES) {
            error = named + " is larger than " + std::to_string(M_ENDPOINT_FILE_MAX_BYTES) + " bytes";
        }
        text.clear();
        char buffer[4096];
        while (error.empty()) {
            ssize_t count = read(fd, buffer, sizeof(buffer));
            if (count < 0 && errno == EINTR) {
                continue;
            }
            if (count < 0) {
                error = "cannot read " + named + ": " + strerror(errno);
            }
            else if (count == 0) {
                break;
            }
            else if (text.size() + count > static_cast<size_t>(M_ENDPOINT_FILE_MAX_BYTES)) {
                // It grew since fstat().
                error = named + " is larger than " + std::to_string(M_ENDPOINT_FILE_MAX_BYTES) + " bytes";
            }
            else {
                text.append(buffer, count);
            }
        }
        (void)close(fd);
        if (!error.empty()) {
            throw geopm::Exception(error, GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return true;
    }

    int replace_endpoint_file(const std::string &path, const std::string &text)
    {
        std::string tmp_path = path + ".XXXXXX";
        // mkostemp() creates with O_CREAT | O_EXCL (plus the flags given):
        // a link planted at the name is never followed, nor an existing
        // file written.
        int fd = mkostemp(&tmp_path[0], O_CLOEXEC | O_NOFOLLOW);
        if (fd == -1) {
            return errno;
        }
        int err = fchmod(fd, 0644) == 0 ? 0 : errno;
        size_t done = 0;
        while (err == 0 && done < text.size()) {
            ssize_t count = write(fd, text.data() + done, text.size() - done);
            if (count < 0 && errno != EINTR) {
                err = errno;
            }
            else if (count > 0) {
                done += count;
            }
        }
        if (close(fd) != 0 && err == 0) {
            err = errno;
        }
        // rename() replaces whatever is at path (a link, a FIFO) without
        // following it.
        if (err == 0 && rename(tmp_path.c_str(), path.c_str()) != 0) {
            err = errno;
        }
        if (err != 0) {
            (void)unlink(tmp_path.c_str());
        }
        return err;
    }

    Endpoint::Endpoint(const std::string &prefix,
                       const std::string &agent_name,
                       const std::string &profile_name,
                       const std::vector<std::string> &policy_names,
                       const std::vector<std::string> &sample_names,
                       const std::vector<std::string> &hosts,
                       double now)
        : m_policy_path(endpoint_policy_path(prefix))
        , m_sample_path(endpoint_sample_path(prefix))
        , m_agent_name(agent_name)
        , m_profile_name(profile_name)
        , m_policy_names(policy_names)
        , m_sample_names(sample_names)
        , m_hosts(hosts)
        , m_policy(policy_names.size(), NAN)
        , m_sample(sample_names.size(), NAN)
        , m_policy_seq(-1)
        , m_num_update(0)
        , m_last_stat{}
        , m_is_stat_valid(false)
        , m_last_publish(now)
        , m_is_write_warned(false)
    {
        std::string refusal = endpoint_directory_refusal(prefix, true);
        if (!refusal.empty()) {
            throw geopm::Exception("the endpoint cannot be used: " + refusal,
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        int err = write_sample_file(false);
        if (err != 0) {
            throw geopm::Exception("cannot write the endpoint sample file \"" + m_sample_path +
                                   "\": " + strerror(err), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }

    bool Endpoint::is_policy_file_changed(void)
    {
        struct stat current;
        // lstat(): the identity of what is at the name, a link included
        // (reading it is refused, once).
        if (lstat(m_policy_path.c_str(), &current) != 0) {
            // No file yet (or removed): keep what we have.
            return false;
        }
        bool is_same = m_is_stat_valid &&
                       current.st_dev == m_last_stat.st_dev &&
                       current.st_ino == m_last_stat.st_ino &&
                       current.st_size == m_last_stat.st_size &&
                       current.st_mtim.tv_sec == m_last_stat.st_mtim.tv_sec &&
                       current.st_mtim.tv_nsec == m_last_stat.st_mtim.tv_nsec &&
                       current.st_ctim.tv_sec == m_last_stat.st_ctim.tv_sec &&
                       current.st_ctim.tv_nsec == m_last_stat.st_ctim.tv_nsec;
        m_last_stat = current;
        m_is_stat_valid = true;
        return !is_same;
    }

    void Endpoint::load_policy(void)
    {
        std::string source = "endpoint policy \"" + m_policy_path + "\"";
        try {
            std::string text;
            if (!read_endpoint_file(m_policy_path, "endpoint policy", text)) {
                return;  // removed since the lstat()
            }
            json11::Json doc = parse_json(text, source);
            // Either {"seq": n, "policy": {...}} or the bare policy object.
            const json11::Json *policy = &doc;
            const json11::Json *seq = nullptr;
            if (doc.is_object()) {
                auto policy_it = doc.object_items().find("policy");
                if (policy_it != doc.object_items().end() && policy_it->second.is_object()) {
                    policy = &policy_it->second;
                    auto seq_it = doc.object_items().find("seq");
                    seq = seq_it == doc.object_items().end() ? nullptr : &seq_it->second;
                }
            }
            if (seq != nullptr &&
                (!seq->is_number() || seq->number_value() < 0 || seq->number_value() > 9.0e15 ||
                 seq->number_value() != std::floor(seq->number_value()))) {
                throw geopm::Exception(source + ": \"seq\" must be a non-negative integer",
                                       GEOPM_ERROR_FILE_PARSE, __FILE__, __LINE__);
            }
            std::vector<double> values = policy_from_json(*policy, m_policy_names,
                                                          m_agent_name, source);
            ++m_num_update;
            m_policy_seq = seq != nullptr ? static_cast<int64_t>(seq->number_value()) : m_num_update;
            m_policy = values;
        }
        catch (const geopm::Exception &) {
            // A writer's mistake must not end the job: keep the last good
            // policy. The file identity is remembered, so this is said once.
            std::cerr << "geopm-bridge: warning: ignoring an endpoint policy update: "
                      << warning_text(std::current_exception()) << std::endl;
        }
    }

    void Endpoint::read_policy(std::vector<double> &policy)
    {
        if (is_policy_file_changed()) {
            load_policy();
        }
        policy = m_policy;
    }

    void Endpoint::write_sample(const std::vector<double> &sample)
    {
        m_sample = sample;
    }

    static std::string json_map(const std::vector<std::string> &names,
                                const std::vector<double> &values)
    {
        std::string result = "{";
        for (size_t idx = 0; idx < names.size(); ++idx) {
            result += (idx ? ", " : "") + json_quote(names[idx]) + ": " + format_json_number(values[idx]);
        }
        return result + "}";
    }

    static std::string json_names(const std::vector<std::string> &names)
    {
        std::string result = "[";
        for (size_t idx = 0; idx < names.size(); ++idx) {
            result += (idx ? ", " : "") + json_quote(names[idx]);
        }
        return result + "]";
    }

    std::string Endpoint::sample_json(bool is_final) const
    {
        double wall = std::chrono::duration<double>(
            std::chrono::system_clock::now().time_since_epoch()).count();
        return "{\"agent\": " + json_quote(m_agent_name) +
               ", \"profile\": " + json_quote(m_profile_name) +
               ", \"timestamp\": " + format_json_number(wall) +
               ", \"running\": " + (is_final ? "false" : "true") +
               ", \"sample\": " + json_map(m_sample_names, m_sample) +
               ", \"policy\": " + json_map(m_policy_names, m_policy) +
               ", \"policy_seq\": " + (m_policy_seq < 0 ? "null" : std::to_string(m_policy_seq)) +
               ", \"hosts\": " + json_names(m_hosts) +
               ", \"policy_names\": " + json_names(m_policy_names) +
               ", \"sample_names\": " + json_names(m_sample_names) + "}\n";
    }

    int Endpoint::write_sample_file(bool is_final)
    {
        return replace_endpoint_file(m_sample_path, sample_json(is_final));
    }

    void Endpoint::publish(double now, bool is_final)
    {
        if (!is_final && now - m_last_publish < M_PUBLISH_PERIOD) {
            return;
        }
        m_last_publish = now;
        int err = write_sample_file(is_final);
        if (err != 0 && !m_is_write_warned) {
            m_is_write_warned = true;
            std::cerr << "geopm-bridge: warning: cannot write the endpoint sample file \""
                      << m_sample_path << "\": " << strerror(err) << std::endl;
        }
    }
}
