#include "PluginLoader.hpp"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/capability.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cxxabi.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm_plugin.hpp"
#include "geopm_version.h"
#include "ErrorText.hpp"

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

        /// An open file descriptor, closed when it goes out of scope.
        class FileDescriptor
        {
            public:
                explicit FileDescriptor(int fd) : m_fd(fd) {}
                FileDescriptor(FileDescriptor &&other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
                FileDescriptor(const FileDescriptor &) = delete;
                FileDescriptor &operator=(const FileDescriptor &) = delete;
                ~FileDescriptor() { if (m_fd >= 0) (void)close(m_fd); }
                int get(void) const { return m_fd; }
                int release(void) { int fd = m_fd; m_fd = -1; return fd; }
            private:
                int m_fd;
        };

        /// Root, or any effective capability: such a process must not run
        /// code that a less privileged user could have placed or changed.
        bool is_privileged(void)
        {
            if (geteuid() == 0) {
                return true;
            }
            struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
            struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
            if (syscall(SYS_capget, &header, data) != 0) {
                return true;  // unknown: take the careful side
            }
            for (const auto &word : data) {
                if (word.effective != 0) {
                    return true;
                }
            }
            return false;
        }

        std::string octal_mode(mode_t mode)
        {
            std::ostringstream text;
            text << "0" << std::oct << (mode & 07777);
            return text.str();
        }

        /// Why a privileged process may not trust what info describes (a
        /// plugin file or its directory), or "" when it may.
        std::string ownership_refusal(const struct stat &info, mode_t forbidden, const std::string &who)
        {
            uid_t euid = geteuid();
            if (info.st_uid != euid && info.st_uid != 0) {
                return who + " is owned by uid " + std::to_string(info.st_uid) +
                       ", not by this privileged process's user (uid " + std::to_string(euid) +
                       ") or root";
            }
            if ((info.st_mode & forbidden) != 0) {
                return who + " is writable by " +
                       ((forbidden & S_IWGRP) ? "group or others" : "others") +
                       " (mode " + octal_mode(info.st_mode) + ") and this process is privileged";
            }
            return "";
        }

        /// The ELF header this process's own code was loaded from: plugins
        /// must match its class, byte order and machine.
        const ElfW(Ehdr) *own_elf_header(void)
        {
            Dl_info info = {};
            if (dladdr(reinterpret_cast<void *>(&is_privileged), &info) == 0 ||
                info.dli_fbase == nullptr) {
                return nullptr;
            }
            return static_cast<const ElfW(Ehdr) *>(info.dli_fbase);
        }

        bool read_exactly(int fd, void *buffer, size_t size, off_t offset)
        {
            return pread(fd, buffer, size, offset) == static_cast<ssize_t>(size);
        }

        /// Why the file open at fd (size bytes) cannot be a shared object
        /// for this process, or "": dlopen() maps what the headers claim,
        /// and a table or segment past the end of the file faults (SIGBUS)
        /// inside the loader instead of failing.
        std::string elf_refusal(int fd, off_t size)
        {
            ElfW(Ehdr) header;
            if (size < static_cast<off_t>(sizeof(header)) || !read_exactly(fd, &header, sizeof(header), 0)) {
                return "it is not an ELF shared object (" + std::to_string(size) +
                       " bytes, shorter than an ELF header)";
            }
            if (memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
                return "it is not an ELF shared object (no ELF magic number)";
            }
            const ElfW(Ehdr) *own = own_elf_header();
            if (own != nullptr && header.e_ident[EI_CLASS] != own->e_ident[EI_CLASS]) {
                return std::string("it is a ") + (header.e_ident[EI_CLASS] == ELFCLASS32 ? "32" : "64") +
                       "-bit ELF file, this process is " + (own->e_ident[EI_CLASS] == ELFCLASS32 ? "32" : "64") +
                       "-bit";
            }
            if (own != nullptr && header.e_ident[EI_DATA] != own->e_ident[EI_DATA]) {
                return "its ELF byte order does not match this process's";
            }
            if (own != nullptr && header.e_machine != own->e_machine) {
                return "it is built for ELF machine " + std::to_string(header.e_machine) +
                       ", this process runs on machine " + std::to_string(own->e_machine);
            }
            if (header.e_type != ET_DYN) {
                return "it is an ELF file but not a shared object (type " + std::to_string(header.e_type) + ")";
            }
            uint64_t file_size = static_cast<uint64_t>(size);
            auto past_end = [file_size](uint64_t offset, uint64_t count, uint64_t entry) {
                return offset > file_size || count * entry > file_size - offset;
            };
            if (header.e_phentsize != sizeof(ElfW(Phdr)) ||
                past_end(header.e_phoff, header.e_phnum, header.e_phentsize)) {
                return "it is truncated or damaged: its program header table lies past the end of the file (" +
                       std::to_string(size) + " bytes)";
            }
            if (header.e_shnum != 0 && past_end(header.e_shoff, header.e_shnum, header.e_shentsize)) {
                return "it is truncated or damaged: its section header table lies past the end of the file (" +
                       std::to_string(size) + " bytes)";
            }
            for (ElfW(Half) idx = 0; idx < header.e_phnum; ++idx) {
                ElfW(Phdr) segment;
                if (!read_exactly(fd, &segment, sizeof(segment), header.e_phoff + idx * sizeof(segment))) {
                    return "its program headers cannot be read";
                }
                if (segment.p_type == PT_LOAD && past_end(segment.p_offset, 1, segment.p_filesz)) {
                    return "it is truncated or damaged: a loadable segment lies past the end of the file (" +
                           std::to_string(size) + " bytes)";
                }
            }
            return "";
        }

        void warn_not_loaded(const std::string &path, const std::string &reason)
        {
            std::cerr << "geopm-bridge: warning: plugin \"" << path << "\" not loaded: " << reason << std::endl;
        }

        /// The names in the directory open at dir_fd.
        std::vector<std::string> directory_names(int dir_fd)
        {
            std::vector<std::string> names;
            int fd = dup(dir_fd);
            DIR *stream = fd < 0 ? nullptr : fdopendir(fd);
            if (stream == nullptr) {
                if (fd >= 0) {
                    (void)close(fd);
                }
                return names;
            }
            rewinddir(stream);
            while (struct dirent *entry = readdir(stream)) {
                names.emplace_back(entry->d_name);
            }
            (void)closedir(stream);
            return names;
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

        // What a plugin's load-time code can do that no caller can catch:
        // an exception escaping a static constructor ends in
        // std::terminate() (glibc's loader does not pass it on), and a
        // fault kills the process. While this thread is in dlopen(), both
        // end the process with one line naming the plugin instead.
        std::recursive_mutex g_load_lock;
        std::atomic<long> g_loading_tid(0);
        std::string g_loading_path;
        char g_crash_line[PATH_MAX + 128];
        const int M_CRASH_SIGNALS[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        struct sigaction g_crash_previous[sizeof(M_CRASH_SIGNALS) / sizeof(M_CRASH_SIGNALS[0])];

        void write_stderr(const char *text)
        {
            (void)!write(STDERR_FILENO, text, strlen(text));
        }

        void on_load_crash(int signo)
        {
            if (syscall(SYS_gettid) == g_loading_tid.load()) {
                write_stderr(g_crash_line);
                write_stderr(strsignal(signo));
                write_stderr(")\n");
                _exit(1);
            }
            // Another thread's fault: its usual handling.
            for (size_t idx = 0; idx < sizeof(M_CRASH_SIGNALS) / sizeof(M_CRASH_SIGNALS[0]); ++idx) {
                if (M_CRASH_SIGNALS[idx] == signo) {
                    (void)sigaction(signo, &g_crash_previous[idx], nullptr);
                }
            }
        }

        std::terminate_handler g_outer_terminate = nullptr;

        void on_load_terminate(void)
        {
            if (syscall(SYS_gettid) != g_loading_tid.load()) {
                // Another thread's end: its usual handling.
                if (g_outer_terminate != nullptr) {
                    g_outer_terminate();
                }
                abort();
            }
            std::string what = " of unknown type";
            try {
                std::exception_ptr error = std::current_exception();
                if (error) {
                    std::rethrow_exception(error);
                }
            }
            catch (const std::exception &ex) {
                what = std::string(": ") + ex.what();
            }
            catch (...) {
            }
            std::replace(what.begin(), what.end(), '\n', ' ');
            std::string line = "geopm-bridge: error: plugin \"" + g_loading_path +
                               "\" failed while loading: its load-time code threw an exception" + what + "\n";
            write_stderr(line.c_str());
            _exit(1);
        }

        /// Guards one dlopen() of the plugin named path (see above).
        class LoadGuard
        {
            public:
                explicit LoadGuard(const std::string &path)
                    : m_lock(g_load_lock)
                    , m_outer_path(g_loading_path)
                    , m_outer_tid(g_loading_tid.load())
                {
                    g_loading_path = path;
                    snprintf(g_crash_line, sizeof(g_crash_line),
                             "geopm-bridge: error: plugin \"%s\" crashed while loading (", path.c_str());
                    if (m_outer_tid == 0) {
                        struct sigaction action = {};
                        action.sa_handler = on_load_crash;
                        action.sa_flags = SA_ONSTACK;
                        sigemptyset(&action.sa_mask);
                        for (size_t idx = 0; idx < sizeof(M_CRASH_SIGNALS) / sizeof(M_CRASH_SIGNALS[0]); ++idx) {
                            (void)sigaction(M_CRASH_SIGNALS[idx], &action, &g_crash_previous[idx]);
                        }
                        g_outer_terminate = std::set_terminate(on_load_terminate);
                    }
                    g_loading_tid = syscall(SYS_gettid);
                }
                ~LoadGuard()
                {
                    g_loading_tid = m_outer_tid;
                    g_loading_path = m_outer_path;
                    snprintf(g_crash_line, sizeof(g_crash_line),
                             "geopm-bridge: error: plugin \"%s\" crashed while loading (", m_outer_path.c_str());
                    if (m_outer_tid == 0) {
                        (void)std::set_terminate(g_outer_terminate);
                        for (size_t idx = 0; idx < sizeof(M_CRASH_SIGNALS) / sizeof(M_CRASH_SIGNALS[0]); ++idx) {
                            (void)sigaction(M_CRASH_SIGNALS[idx], &g_crash_previous[idx], nullptr);
                        }
                    }
                }
                LoadGuard(const LoadGuard &) = delete;
                LoadGuard &operator=(const LoadGuard &) = delete;
            private:
                std::lock_guard<std::recursive_mutex> m_lock;
                std::string m_outer_path;
                long m_outer_tid;
        };

        /// Load the plugin file name in the directory open at dir_fd (path
        /// names it in messages). loaded holds the files loaded so far, so
        /// that one reached twice (a directory listed twice, a hard link)
        /// is one plugin.
        void load_one(int dir_fd, const std::string &name, const std::string &path,
                      bool privileged, std::set<std::pair<dev_t, ino_t> > &loaded)
        {
            // O_NOFOLLOW: a link is not followed to a file elsewhere;
            // O_NONBLOCK: a FIFO named like a plugin cannot block the open.
            FileDescriptor fd(openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
            if (fd.get() < 0) {
                warn_not_loaded(path, errno == ELOOP ?
                                "it is a symbolic link (plugins are opened without following links)" :
                                std::string("it cannot be opened: ") + strerror(errno));
                return;
            }
            struct stat info;
            if (fstat(fd.get(), &info) != 0) {
                warn_not_loaded(path, std::string("it cannot be examined: ") + strerror(errno));
                return;
            }
            if (!S_ISREG(info.st_mode)) {
                warn_not_loaded(path, "it is not a regular file");
                return;
            }
            if (!loaded.insert({info.st_dev, info.st_ino}).second) {
                return;
            }
            std::string refusal = privileged ? ownership_refusal(info, S_IWGRP | S_IWOTH, "it") : "";
            if (refusal.empty()) {
                refusal = elf_refusal(fd.get(), info.st_size);
            }
            if (!refusal.empty()) {
                warn_not_loaded(path, refusal);
                return;
            }
            // The very file checked is loaded, through its descriptor: a
            // file swapped in under the name since then is not.
            std::string fd_path = "/proc/self/fd/" + std::to_string(fd.get());
            std::exception_ptr pending;
            t_pending_error = &pending;
            void *handle = nullptr;
            try {
                LoadGuard guard(path);
                handle = dlopen(fd_path.c_str(), RTLD_NOW | RTLD_GLOBAL);
            }
            catch (...) {
                // Something other than register_plugin() threw from a
                // plugin's load-time code, through dlopen().
                pending = std::current_exception();
            }
            t_pending_error = nullptr;
            if (pending) {
                // Left out with a warning like a plugin that cannot be
                // loaded, so that the others still serve (and list); what
                // it registered before the failure stays, and its code
                // with it.
                std::cerr << "geopm-bridge: warning: plugin \"" << path << "\" failed to register: "
                          << warning_text(pending) << std::endl;
                if (handle != nullptr) {
                    (void)fd.release();
                }
                return;
            }
            if (handle == nullptr) {
                // As in GEOPM, a plugin that cannot be loaded is left out
                // with a warning and the others load.
                const char *reason = dlerror();
                warn_not_loaded(path, load_failure(fd_path, reason ? reason : "unknown dlopen() error"));
                return;
            }
            // The handle is kept open for the life of the process: the
            // factories hold functions that live in the plugin. So is the
            // descriptor: the loader knows the plugin by the name
            // /proc/self/fd/N, and would take the next plugin opened under
            // a reused N for this one; the name also stays readable for
            // the plugin (dladdr(), readlink()).
            (void)fd.release();
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
        // Open the whole path before loading anything, so that a bad entry
        // does not leave a half-loaded set of plugins behind.
        std::vector<std::pair<std::string, geopm_bridge::FileDescriptor> > opened;
        for (const auto &dir : directories) {
            geopm_bridge::FileDescriptor fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (fd.get() < 0) {
                throw Exception("GEOPM_PLUGIN_PATH entry \"" + dir + "\" is not a readable directory",
                                GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            opened.emplace_back(dir, std::move(fd));
        }
        // GEOPM checks the files only; a file in a directory others may
        // write could be replaced between two runs, so the directory too.
        bool privileged = geopm_bridge::is_privileged();
        std::set<std::pair<dev_t, ino_t> > loaded;
        for (const auto &entry : opened) {
            const std::string &dir = entry.first;
            int dir_fd = entry.second.get();
            struct stat info;
            std::string refusal;
            if (fstat(dir_fd, &info) != 0) {
                refusal = std::string("it cannot be examined: ") + strerror(errno);
            }
            else if (privileged) {
                refusal = geopm_bridge::ownership_refusal(info, S_IWOTH, "it");
            }
            if (!refusal.empty()) {
                std::cerr << "geopm-bridge: warning: plugin directory \"" << dir << "\" left out: "
                          << refusal << std::endl;
                continue;
            }
            std::vector<std::string> names = geopm_bridge::directory_names(dir_fd);
            // Sorted so that registration order (which decides which
            // IOGroup wins a shared name) does not depend on readdir().
            std::sort(names.begin(), names.end());
            for (const auto &name : names) {
                if (geopm_bridge::is_plugin_file_name(plugin_prefix, name)) {
                    geopm_bridge::load_one(dir_fd, name, dir + "/" + name, privileged, loaded);
                }
            }
        }
    }

    void plugin_reset(void)
    {
    }
}
