#include "Application.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "geopm/Exception.hpp"
#include "geopm_bridge/ApplicationStartError.hpp"
#include "ProcessGroup.hpp"

extern char **environ;

namespace geopm_bridge
{
    namespace
    {
        // This process's environment with env's variables set on top.
        std::vector<std::string> environment_with(const std::map<std::string, std::string> &env)
        {
            std::vector<std::string> result;
            for (char **entry = environ; *entry != nullptr; ++entry) {
                std::string text = *entry;
                if (env.count(text.substr(0, text.find('='))) == 0) {
                    result.push_back(text);
                }
            }
            for (const auto &kv : env) {
                result.push_back(kv.first + "=" + kv.second);
            }
            return result;
        }
    }

    ApplicationStartError::ApplicationStartError(const std::string &message, int sys_errno,
                                                 const char *file_name, int line_number)
        : geopm::Exception(message, GEOPM_ERROR_INVALID, file_name, line_number)
        , m_exit_status(sys_errno == ENOENT ? 127 : 126)
    {
    }

    int ApplicationStartError::exit_status(void) const
    {
        return m_exit_status;
    }

    Application::Application(const std::vector<std::string> &argv,
                             const std::map<std::string, std::string> &env)
        : m_pid(-1)
        , m_is_running(false)
        , m_exit_code(0)
        , m_is_ended(false)
    {
        if (argv.empty()) {
            throw geopm::Exception("Application: no program given",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        std::vector<char *> args;
        for (const auto &arg : argv) {
            args.push_back(const_cast<char *>(arg.c_str()));
        }
        args.push_back(nullptr);
        std::vector<std::string> env_text = environment_with(env);
        std::vector<char *> envp;
        for (auto &entry : env_text) {
            envp.push_back(&entry[0]);
        }
        envp.push_back(nullptr);

        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        // Own process group (pgid = pid); an unblocked signal mask; and the
        // default action for the signals an embedding Python ignores, as
        // Python's own subprocess does.
        sigset_t empty_mask;
        sigset_t default_set;
        sigemptyset(&empty_mask);
        sigemptyset(&default_set);
        sigaddset(&default_set, SIGPIPE);
        sigaddset(&default_set, SIGXFSZ);
        sigaddset(&default_set, SIGCHLD);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setsigmask(&attr, &empty_mask);
        posix_spawnattr_setsigdefault(&attr, &default_set);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
        pid_t pid = -1;
        int err = posix_spawnp(&pid, args[0], nullptr, &attr, args.data(), envp.data());
        posix_spawnattr_destroy(&attr);
        if (err != 0) {
            throw ApplicationStartError("cannot start the application \"" + argv[0] + "\": " +
                                        strerror(err), err, __FILE__, __LINE__);
        }
        m_pid = pid;
        m_is_running = true;
    }

    Application::~Application()
    {
        if (!m_is_ended) {
            terminate(0.0);
        }
    }

    void Application::reap(int status)
    {
        m_is_running = false;
        if (WIFSIGNALED(status)) {
            m_exit_code = 128 + WTERMSIG(status);
        }
        else {
            m_exit_code = WEXITSTATUS(status);
        }
    }

    bool Application::is_running(void)
    {
        if (m_is_running) {
            int status = 0;
            pid_t result = waitpid(m_pid, &status, WNOHANG);
            if (result == m_pid) {
                reap(status);
            }
            else if (result == -1 && errno == ECHILD) {
                // Reaped behind our back (someone waited for all children):
                // the exit status is lost.
                m_is_running = false;
                m_exit_code = 255;
            }
        }
        return m_is_running;
    }

    void Application::terminate(double grace_seconds)
    {
        if (m_is_ended) {
            return;
        }
        m_is_ended = true;
        // The whole group, as a batch system ends a job step: also what
        // the application left behind when it exited by itself.
        if (kill(-m_pid, grace_seconds > 0.0 ? SIGTERM : SIGKILL) == 0) {
            // Poll in short slices: a grace period of seconds must not
            // delay an application that exits at once.
            const struct timespec slice = {0, 10000000};
            for (double waited = 0.0; waited < grace_seconds; waited += 0.010) {
                // Reaping the leader lets a group of one end.
                (void)is_running();
                if (!is_group_alive(m_pid)) {
                    break;
                }
                nanosleep(&slice, nullptr);
            }
            // Whatever is left of the group does not outlive the job.
            (void)kill(-m_pid, SIGKILL);
        }
        if (m_is_running) {
            int status = 0;
            pid_t result = -1;
            do {
                result = waitpid(m_pid, &status, 0);
            } while (result == -1 && errno == EINTR);
            if (result == m_pid) {
                reap(status);
            }
            else {
                m_is_running = false;
                m_exit_code = 255;
            }
        }
    }

    pid_t Application::pid(void) const
    {
        return m_pid;
    }

    int Application::exit_code(void) const
    {
        return m_exit_code;
    }
}
