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
    /// How long an application's process group may take to go after
    /// SIGTERM before SIGKILL (the controller's and the guardian's).
    constexpr double M_TERMINATE_GRACE = 2.0;

    class Application
    {
        public:
            /// Start argv[0] (looked up in PATH when it has no '/') in
            /// this process's environment with env's variables set.
            /// Throws ApplicationStartError naming the program and the
            /// reason when it cannot be started.
            explicit Application(const std::vector<std::string> &argv,
                                 const std::map<std::string, std::string> &env = {});
            /// Kills what is left of the process group and reaps the
            /// application.
            ~Application();
            Application(const Application &other) = delete;
            Application &operator=(const Application &other) = delete;
            /// Non-blocking; reaps the process once it has exited.
            bool is_running(void);
            /// SIGTERM to the group (whether or not the application itself
            /// has exited: what it left behind ends with it), up to
            /// grace_seconds for the group to go, then SIGKILL to what is
            /// left; reaps the application.
            void terminate(double grace_seconds);
            /// The application's pid, also its process group's id.
            pid_t pid(void) const;
            /// The exit status, or 128 + signal number when a signal
            /// ended it. Valid once is_running() is false.
            int exit_code(void) const;
        private:
            void reap(int status);

            pid_t m_pid;
            bool m_is_running;
            int m_exit_code;
            // The group was ended: its id may belong to someone else now.
            bool m_is_ended;
    };
}

#endif
