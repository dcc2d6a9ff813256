#include "Guardian.hpp"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <vector>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "core/ErrorText.hpp"
#include "SaveDirectory.hpp"

extern char **environ;

namespace geopm_bridge
{
    namespace
    {
        constexpr const char *M_PROGRAM = "geopm-bridge-guardian";
        constexpr const char *M_SAVE_PREFIX = "geopm-bridge-save-";
        // A save being written: never restored, removed once its writer is gone.
        constexpr const char *M_PARTIAL_SUFFIX = ".partial";
        // Beside the IOGroups' files: the platform the save belongs to.
        constexpr const char *M_PLATFORM_FILE = "platform";

        bool is_own_directory(const std::string &path, bool is_private)
        {
            struct stat info = {};
            return lstat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode) &&
                   info.st_uid == getuid() && (!is_private || (info.st_mode & 077) == 0);
        }

        /// $XDG_RUNTIME_DIR, /run/user/<uid>, or /tmp/geopm-bridge-<uid>
        /// (made 0700): the first that is a directory of this user's.
        std::string user_runtime_dir(void)
        {
            const char *xdg = getenv("XDG_RUNTIME_DIR");
            if (xdg != nullptr && xdg[0] == '/' && is_own_directory(xdg, true)) {
                return xdg;
            }
            std::string run_user = "/run/user/" + std::to_string(getuid());
            if (is_own_directory(run_user, true)) {
                return run_user;
            }
            std::string tmp = "/tmp/geopm-bridge-" + std::to_string(getuid());
            if (mkdir(tmp.c_str(), 0700) == 0) {
                (void)chmod(tmp.c_str(), 0700);
            }
            else if (errno != EEXIST) {
                throw geopm::Exception("cannot make " + tmp + " for the saved controls: " +
                                       strerror(errno), GEOPM_ERROR_RUNTIME, nullptr, 0);
            }
            // Someone else's directory, a link, or one others may enter:
            // saved controls are not left there.
            if (!is_own_directory(tmp, true)) {
                throw geopm::Exception(tmp + " is not a directory of this user's that only it "
                                       "may enter: the controls cannot be saved there",
                                       GEOPM_ERROR_RUNTIME, nullptr, 0);
            }
            return tmp;
        }

        std::string program_path(void)
        {
            Dl_info info = {};
            if (dladdr((void *)&user_runtime_dir, &info) == 0 || info.dli_fname == nullptr) {
                return M_PROGRAM;
            }
            std::string path = info.dli_fname;
            size_t slash = path.rfind('/');
            return (slash == std::string::npos ? "." : path.substr(0, slash)) + "/" + M_PROGRAM;
        }

        bool is_alive(pid_t pid)
        {
            return kill(pid, 0) == 0 || errno != ESRCH;
        }

        /// Save the controls through save into the runtime directory;
        /// returns the save's directory.
        std::string write_save(const Guardian::dir_func_t &save, const std::string &platform)
        {
            std::string dir = user_runtime_dir() + "/" + M_SAVE_PREFIX + std::to_string(getpid());
            std::string partial = dir + M_PARTIAL_SUFFIX;
            remove_save_directory(partial);
            // chmod: the mode whatever the umask.
            if (mkdir(partial.c_str(), 0700) != 0 || chmod(partial.c_str(), 0700) != 0) {
                throw geopm::Exception("cannot make " + partial + ": " + strerror(errno),
                                       GEOPM_ERROR_RUNTIME, nullptr, 0);
            }
            try {
                save(partial);
                geopm::write_file(partial + "/" + M_PLATFORM_FILE, platform);
                DIR *listing = opendir(partial.c_str());
                for (struct dirent *entry = listing ? readdir(listing) : nullptr; entry != nullptr;
                     entry = readdir(listing)) {
                    if (entry->d_type == DT_REG) {
                        (void)chmod((partial + "/" + entry->d_name).c_str(), 0600);
                    }
                }
                if (listing != nullptr) {
                    closedir(listing);
                }
                remove_save_directory(dir);
                if (rename(partial.c_str(), dir.c_str()) != 0) {
                    throw geopm::Exception("cannot rename " + partial + ": " + strerror(errno),
                                           GEOPM_ERROR_RUNTIME, nullptr, 0);
                }
            }
            catch (...) {
                remove_save_directory(partial);
                throw;
            }
            return dir;
        }
    }

    Guardian::Guardian(const dir_func_t &save, const std::string &platform)
        : m_pid(-1)
        , m_socket(-1)
    {
        if (save) {
            try {
                m_save_dir = write_save(save, platform);
            }
            catch (...) {
                // The job runs as it did before guardians: restored by the
                // controller, unless it dies.
                std::string text = error_text(std::current_exception());
                std::cerr << "geopm-bridge: warning: the controls are not saved for the guardian ("
                          << text.substr(0, text.find('\n'))
                          << "): if this controller dies, they stay as it left them\n";
            }
        }
        int ends[2] = {-1, -1};
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
            int err = errno;
            remove_save_directory(m_save_dir);
            throw geopm::Exception(std::string("cannot make the guardian's socket: ") + strerror(err),
                                   GEOPM_ERROR_RUNTIME, nullptr, 0);
        }
        std::string program = program_path();
        std::string controller = std::to_string(getpid());
        std::vector<char *> argv = {const_cast<char *>(program.c_str()),
                                    const_cast<char *>(m_save_dir.c_str()),
                                    const_cast<char *>(controller.c_str()), nullptr};
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        // stdin: the socket; stdout: nothing; stderr: the controller's, for
        // its one line when it acts. It holds no other descriptor.
        posix_spawn_file_actions_adddup2(&actions, ends[1], 0);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        // Its own process group: a terminal's ^C or a kill of the
        // controller's group does not reach it.
        sigset_t empty_mask;
        sigemptyset(&empty_mask);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setsigmask(&attr, &empty_mask);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
        int err = posix_spawn(&m_pid, program.c_str(), &actions, &attr, argv.data(), environ);
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&actions);
        close(ends[1]);
        if (err != 0) {
            close(ends[0]);
            remove_save_directory(m_save_dir);
            throw geopm::Exception("cannot start " + program + ", the controls' guardian: " +
                                   strerror(err), GEOPM_ERROR_RUNTIME, nullptr, 0);
        }
        m_socket = ends[0];
    }

    Guardian::~Guardian()
    {
        release();
    }

    void Guardian::watch_group(pid_t pgid)
    {
        std::string line = "group " + std::to_string(pgid) + "\n";
        // MSG_NOSIGNAL: a guardian that is gone costs no SIGPIPE.
        (void)!send(m_socket, line.data(), line.size(), MSG_NOSIGNAL);
    }

    void Guardian::forget_group(pid_t pgid)
    {
        std::string line = "ended " + std::to_string(pgid) + "\n";
        (void)!send(m_socket, line.data(), line.size(), MSG_NOSIGNAL);
    }

    void Guardian::release(void)
    {
        if (m_socket == -1) {
            return;
        }
        (void)!send(m_socket, "done\n", 5, MSG_NOSIGNAL);
        close(m_socket);
        m_socket = -1;
        int status = 0;
        while (waitpid(m_pid, &status, 0) == -1 && errno == EINTR) {
        }
        if (!m_save_dir.empty()) {
            remove_save_directory(m_save_dir);
        }
    }

    void Guardian::restore_abandoned(const dir_func_t &restore, const std::string &platform)
    {
        std::string runtime;
        try {
            runtime = user_runtime_dir();
        }
        catch (const geopm::Exception &) {
            // Nothing can have been saved there: this job's save says why.
            return;
        }
        DIR *listing = opendir(runtime.c_str());
        if (listing == nullptr) {
            return;
        }
        std::vector<std::string> names;
        for (struct dirent *entry = readdir(listing); entry != nullptr; entry = readdir(listing)) {
            names.push_back(entry->d_name);
        }
        closedir(listing);
        const std::string prefix = M_SAVE_PREFIX;
        const std::string suffix = M_PARTIAL_SUFFIX;
        for (const auto &name : names) {
            if (name.compare(0, prefix.size(), prefix) != 0) {
                continue;
            }
            std::string rest = name.substr(prefix.size());
            bool is_partial = rest.size() > suffix.size() &&
                              rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) == 0;
            if (is_partial) {
                rest.resize(rest.size() - suffix.size());
            }
            char *end = nullptr;
            long pid = strtol(rest.c_str(), &end, 10);
            // Others (".failed", being restored) are no one's to take.
            if (rest.empty() || *end != '\0' || pid <= 0 || pid == getpid() || is_alive(pid)) {
                continue;
            }
            std::string path = runtime + "/" + name;
            if (is_partial) {
                // Its controller died before writing any control.
                remove_save_directory(path);
                continue;
            }
            std::string saved_platform;
            try {
                saved_platform = geopm::read_file(path + "/" + M_PLATFORM_FILE);
            }
            catch (const geopm::Exception &) {
                continue;
            }
            if (saved_platform != platform) {
                continue;
            }
            // Claimed by renaming: of the jobs starting together (the
            // ranks of a node), one restores it.
            std::string claimed = path + ".restoring-" + std::to_string(getpid());
            if (rename(path.c_str(), claimed.c_str()) != 0) {
                continue;
            }
            try {
                restore(claimed);
                remove_save_directory(claimed);
                std::cerr << "geopm-bridge: restored the controls that controller " << pid
                          << " saved in " << path << ": it died without restoring them\n";
            }
            catch (...) {
                std::string text = error_text(std::current_exception());
                std::string failed = path + ".failed";
                (void)rename(claimed.c_str(), failed.c_str());
                std::cerr << "geopm-bridge: warning: cannot restore the controls that controller "
                          << pid << " saved (kept in " << failed << "): "
                          << text.substr(0, text.find('\n')) << "\n";
            }
        }
    }
}
