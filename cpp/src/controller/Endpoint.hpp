/*
 * The dynamic policy endpoint (GEOPM_ENDPOINT=<prefix>): our own
 * file protocol, described in docs/endpoint.md. GEOPM uses shared memory;
 * plain files work across processes and languages with no library.
 *
 *   <prefix>.policy  written by a policy writer (atomic replace); the
 *                    controller checks it every iteration with one stat()
 *                    and re-reads it only when it changed.
 *   <prefix>.sample  written by the controller (atomic replace) at most
 *                    every 50 ms, and at the start and the end of the run.
 *
 * Both sides handle the files so that whoever else can write in the
 * directory cannot turn them against the process: files are read without
 * following links, without blocking, regular and small only, and written
 * only as new files of unique names, renamed into place.
 */
#ifndef GEOPM_BRIDGE_ENDPOINT_HPP_INCLUDE
#define GEOPM_BRIDGE_ENDPOINT_HPP_INCLUDE

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/Json.hpp"

namespace geopm_bridge
{
    /// The endpoint's two files for a prefix (also read and written by
    /// the resource manager's side, geopm::Endpoint).
    inline std::string endpoint_policy_path(const std::string &prefix)
    {
        return prefix + ".policy";
    }

    inline std::string endpoint_sample_path(const std::string &prefix)
    {
        return prefix + ".sample";
    }

    /// The largest endpoint document read (a policy or a sample file is
    /// a few hundred bytes): a bigger file is refused unread. The JSON
    /// reader's own bound, which any endpoint document must pass anyway.
    constexpr off_t M_ENDPOINT_FILE_MAX_BYTES = M_JSON_MAX_SIZE;

    /// Why the directory of the endpoint prefix may not hold this
    /// process's endpoint files, or "": it must exist and be writable by no
    /// other user (sticky or not: a file there could be swapped under the
    /// reader); if is_owner_required, it must belong to this process's user.
    std::string endpoint_directory_refusal(const std::string &prefix, bool is_owner_required);

    /// Read the endpoint file path into text; false when it does not
    /// exist. Throws geopm::Exception naming what and path when it is a
    /// symbolic link, not a regular file, larger than
    /// M_ENDPOINT_FILE_MAX_BYTES, or cannot be read.
    bool read_endpoint_file(const std::string &path, const std::string &what, std::string &text);

    /// Replace path with text (mode 0644): written to a new file of a
    /// unique name in the same directory (created exclusively, never
    /// through a link), then renamed over path, so a reader never sees a
    /// part of it and nothing planted at either name is written through.
    /// 0 or the errno of the failure.
    int replace_endpoint_file(const std::string &path, const std::string &text);

    class Endpoint
    {
        public:
            /// Publishes the first sample file (so a writer can see the
            /// agent and its names); throws if that cannot be written.
            Endpoint(const std::string &prefix,
                     const std::string &agent_name,
                     const std::string &profile_name,
                     const std::vector<std::string> &policy_names,
                     const std::vector<std::string> &sample_names,
                     const std::vector<std::string> &hosts,
                     double now);
            /// Copy the newest accepted policy into policy (all NaN until a
            /// writer provides one). A bad update is reported once on
            /// stderr and ignored.
            void read_policy(std::vector<double> &policy);
            /// Keep the root's sample for the next publication.
            void write_sample(const std::vector<double> &sample);
            /// Publish when at least 50 ms passed since the last time, or
            /// always when is_final (then "running" is false).
            void publish(double now, bool is_final = false);
        private:
            bool is_policy_file_changed(void);
            void load_policy(void);
            std::string sample_json(bool is_final) const;
            /// 0 or the errno of the failure.
            int write_sample_file(bool is_final);

            const std::string m_policy_path;
            const std::string m_sample_path;
            const std::string m_agent_name;
            const std::string m_profile_name;
            const std::vector<std::string> m_policy_names;
            const std::vector<std::string> m_sample_names;
            const std::vector<std::string> m_hosts;
            std::vector<double> m_policy;
            std::vector<double> m_sample;
            int64_t m_policy_seq;    // -1: no policy accepted yet
            int64_t m_num_update;    // accepted updates, the seq of writers that give none
            struct stat m_last_stat;
            bool m_is_stat_valid;
            double m_last_publish;
            bool m_is_write_warned;
    };
}

#endif
