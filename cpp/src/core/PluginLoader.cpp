#include "PluginLoader.hpp"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cxxabi.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <set>
#include <vector>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm_plugin.hpp"
#include "geopm_version.h"

namespace geopm_bridge
{
    namespace
    {
        // Set while this thread dlopen()s a plugin: where a failed
        // registration is parked until dlopen() returns.
        thread_local std::exception_ptr *t_pending_error = nullptr;

        bool all_digits(const std::string &text)
        {
            return !text.empty() &&
                   std::all_of(text.begin(), text.end(), [](char cc) { return cc >= '0' && cc <= '9'; });
        }

        bool is_readable_directory(const std::string &path)
        {
            struct stat info;
            return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode) &&
                   access(path.c_str(), R_OK | X_OK) == 0;
        }

        // Rethrow an error raised while loading path, naming the file and
        // keeping the error code.
        void rethrow_for_plugin(const std::string &path, std::exception_ptr error)
        {
            try {
                std::rethrow_exception(error);
            }
            catch (const geopm::Exception &ex) {
                throw geopm::Exception("plugin \"" + path + "\" failed to register: " + ex.what(),
                                       ex.err_value(), __FILE__, __LINE__);
            }
            catch (const std::exception &ex) {
                throw geopm::Exception("plugin \"" + path + "\" failed to register: " + ex.what(),
                                       GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
            }
            catch (...) {
                throw geopm::Exception("plugin \"" + path + "\" failed to register: unknown exception",
                                       GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
            }
        }

        // dlerror()'s text on one line, without the plugin's own path in
        // front and with a missing C++ symbol demangled.
        std::string load_failure(const std::string &path, std::string reason)
        {
            std::replace(reason.begin(), reason.end(), '\n', ' ');
            if (geopm::string_begins_with(reason, path + ": ")) {
                reason.erase(0, path.size() + 2);
            }
            const std::string marker = "undefined symbol: ";
            size_t begin = reason.find(marker);
            if (begin != std::string::npos) {
                begin += marker.size();
                size_t end = reason.find_first_of(", ", begin);
                if (end == std::string::npos) {
                    end = reason.size();
                }
                int status = 0;
                std::unique_ptr<char, void (*)(void *)> plain(
                    abi::__cxa_demangle(reason.substr(begin, end - begin).c_str(), nullptr,
                                        nullptr, &status),
                    free);
                if (status == 0 && plain) {
                    reason.replace(begin, end - begin, plain.get());
                }
            }
            return reason;
        }

        void load_one(const std::string &path)
        {
            std::exception_ptr pending;
            t_pending_error = &pending;
            void *handle = nullptr;
            try {
                handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
            }
            catch (...) {
                // Something other than register_plugin() threw from a
                // plugin's load-time code, through dlopen(): best effort.
                pending = std::current_exception();
            }
            t_pending_error = nullptr;
            if (pending) {
                rethrow_for_plugin(path, pending);
            }
            if (handle == nullptr) {
                // As in GEOPM, a plugin that cannot be loaded is left out
                // with a warning and the others load.
                const char *reason = dlerror();
                std::cerr << "Warning: <geopm> plugin \"" << path << "\" not loaded: "
                          << load_failure(path, reason ? reason : "unknown dlopen() error")
                          << std::endl;
                return;
            }
            // The handle is kept open for the life of the process: the
            // factories hold functions that live in the plugin.
        }
    }

    void FactoryFill::run_once(const std::function<void()> &fill)
    {
        std::lock_guard<std::recursive_mutex> guard(m_lock);
        if (m_state == M_STATE_RUNNING) {
            return;
        }
        if (m_state == M_STATE_NEW) {
            m_state = M_STATE_RUNNING;
            try {
                fill();
            }
            catch (...) {
                m_error = std::current_exception();
            }
            m_state = M_STATE_DONE;
        }
        if (m_error) {
            std::rethrow_exception(m_error);
        }
    }

    bool defer_registration_error(std::exception_ptr error)
    {
        if (t_pending_error == nullptr) {
            return false;
        }
        // Keep the first failure: it is the one to report.
        if (!*t_pending_error) {
            *t_pending_error = error;
        }
        return true;
    }

    bool is_plugin_file_name(const std::string &prefix, const std::string &name)
    {
        if (!geopm::string_begins_with(name, prefix)) {
            return false;
        }
        size_t suffix_pos = name.rfind(".so.");
        if (suffix_pos == std::string::npos || suffix_pos < prefix.size()) {
            return false;
        }
        std::vector<std::string> version = geopm::string_split(name.substr(suffix_pos + 4), ".");
        if (version.size() != 3 || !std::all_of(version.begin(), version.end(), all_digits)) {
            return false;
        }
        std::vector<int> supported = geopm::shared_object_version();
        try {
            return std::stoi(version[0]) == supported[0] && std::stoi(version[1]) <= supported[1];
        }
        catch (const std::out_of_range &) {
            return false;
        }
    }
}

namespace geopm
{
    void plugin_load(const std::string &plugin_prefix)
    {
        std::vector<std::string> directories;
        for (const auto &dir : string_split(get_env("GEOPM_PLUGIN_PATH"), ":")) {
            // Empty entries come from "a::b" or "$X:" in scripts: ignore them.
            if (!dir.empty()) {
                directories.push_back(dir);
            }
        }
        // As GEOPM: the last directory listed loads first.
        std::reverse(directories.begin(), directories.end());
        // Check the whole path before loading anything, so that a bad entry
        // does not leave a half-loaded set of plugins behind.
        for (const auto &dir : directories) {
            if (!geopm_bridge::is_readable_directory(dir)) {
                throw Exception("GEOPM_PLUGIN_PATH entry \"" + dir + "\" is not a readable directory",
                                GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
        }
        std::set<std::string> loaded;
        for (const auto &dir : directories) {
            std::vector<std::string> names = list_directory_files(dir);
            // Sorted so that registration order (which decides which
            // IOGroup wins a shared name) does not depend on readdir().
            std::sort(names.begin(), names.end());
            for (const auto &name : names) {
                if (!geopm_bridge::is_plugin_file_name(plugin_prefix, name)) {
                    continue;
                }
                std::string path = dir + "/" + name;
                char real[PATH_MAX];
                if (realpath(path.c_str(), real) == nullptr) {
                    throw Exception("plugin \"" + path + "\" cannot be resolved",
                                    errno ? errno : GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                }
                // The same file reached twice (a directory listed twice or a
                // symlink) is one plugin.
                if (loaded.insert(real).second) {
                    geopm_bridge::load_one(real);
                }
            }
        }
    }

    void plugin_reset(void)
    {
    }
}
