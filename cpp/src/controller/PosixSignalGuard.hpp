/*
 * The POSIX signal handling of a job (not GEOPM's signals, which
 * SignalRequest names): for its duration SIGINT and SIGTERM ask the
 * controller to stop, and SIGCHLD tells it a child may have exited (so the
 * loop needs no waitpid() per iteration). The previous handlers are
 * restored when the guard ends. One guard at a time per process.
 */
#ifndef GEOPM_BRIDGE_POSIXSIGNALGUARD_HPP_INCLUDE
#define GEOPM_BRIDGE_POSIXSIGNALGUARD_HPP_INCLUDE

#include <signal.h>

namespace geopm_bridge
{
    class PosixSignalGuard
    {
        public:
            /// Throws geopm::Exception if another guard is active (one
            /// job at a time per process).
            PosixSignalGuard();
            ~PosixSignalGuard();
            PosixSignalGuard(const PosixSignalGuard &other) = delete;
            PosixSignalGuard &operator=(const PosixSignalGuard &other) = delete;
            /// 0, or the first of SIGINT/SIGTERM received.
            int stop_signal(void) const;
            /// True once after each SIGCHLD.
            bool take_child_event(void);
        private:
            struct sigaction m_old_int;
            struct sigaction m_old_term;
            struct sigaction m_old_chld;
    };
}

#endif
