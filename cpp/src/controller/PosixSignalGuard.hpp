/*
 * The POSIX signal handling of a job (not GEOPM's signals, which
 * SignalRequest names): for its duration SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT ask the controller to stop, and SIGCHLD tells it a child may have
 * exited (so the loop needs no waitpid() per iteration). Each of them also
 * writes to a self-pipe, the wake-up descriptor (core/Wakeup.hpp) that
 * ends the agent's wait() early, so the controller answers within
 * milliseconds whatever the period. The previous handlers are restored
 * when the guard ends. One guard at a time per process. An attached
 * controller (docs/controller.md, "Attached") also takes SIGUSR1: the
 * launcher's notice that the application step ended.
 */
#ifndef GEOPM_BRIDGE_POSIXSIGNALGUARD_HPP_INCLUDE
#define GEOPM_BRIDGE_POSIXSIGNALGUARD_HPP_INCLUDE

#include <signal.h>

#include <string>

namespace geopm_bridge
{
    class PosixSignalGuard
    {
        public:
            /// Throws geopm::Exception if another guard is active (one
            /// job at a time per process). is_attached: SIGUSR1 too.
            explicit PosixSignalGuard(bool is_attached = false);
            ~PosixSignalGuard();
            PosixSignalGuard(const PosixSignalGuard &other) = delete;
            PosixSignalGuard &operator=(const PosixSignalGuard &other) = delete;
            /// 0, or the first stop signal received.
            int stop_signal(void) const;
            /// True once after each SIGCHLD; empties the wake-up pipe,
            /// so call it once per iteration.
            bool take_child_event(void);
            /// Whether SIGUSR1 came (only with is_attached).
            bool is_app_step_ended(void) const;
            /// "SIGINT", "SIGTERM", "SIGHUP" or "SIGQUIT".
            static std::string name(int signum);
        private:
            static constexpr int M_NUM_SIGNAL = 6;
            int m_num_installed;
            struct sigaction m_old[M_NUM_SIGNAL];
            int m_pipe[2];
    };
}

#endif
