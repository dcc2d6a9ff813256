/*
 * The job's application: a child process in its own process group, so
 * that it can be stopped as a whole, sharing the controller's stdio.
 */
#ifndef GEOPM_BRIDGE_APPLICATION_HPP_INCLUDE
#define GEOPM_BRIDGE_APPLICATION_HPP_INCLUDE

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace geopm_bridge
{
    class Application
    {
        public:
            /// Start argv[0] (looked up in PATH when it has no '/') in
            /// this process's environment with env's variables set.
            /// Throws geopm::Exception naming the program and the reason
            /// when it cannot be started.
            explicit Application(const std::vector<std::string> &argv,
                                 const std::map<std::string, std::string> &env = {});
            /// Kills and reaps the process group if still running.
            ~Application();
            Application(const Application &other) = delete;
            Application &operator=(const Application &other) = delete;
            /// Non-blocking; reaps the process once it has exited.
            bool is_running(void);
            /// SIGTERM to the group, up to grace_seconds for the
            /// application to exit, then SIGKILL to the group; reaps it.
            void terminate(double grace_seconds);
            /// The exit status, or 128 + signal number when a signal
            /// ended it. Valid once is_running() is false.
            int exit_code(void) const;
        private:
            void reap(int status);

            pid_t m_pid;
            bool m_is_running;
            int m_exit_code;
    };
}

#endif
