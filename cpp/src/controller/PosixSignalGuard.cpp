#include "PosixSignalGuard.hpp"

#include <atomic>

#include "geopm/Exception.hpp"

namespace geopm_bridge
{
    namespace
    {
        std::atomic<bool> g_is_active(false);
        volatile sig_atomic_t g_stop_signal = 0;
        volatile sig_atomic_t g_child_event = 0;

        void on_stop(int signum)
        {
            if (g_stop_signal == 0) {
                g_stop_signal = signum;
            }
        }

        void on_child(int)
        {
            g_child_event = 1;
        }

        void install(int signum, void (*handler)(int), struct sigaction &old)
        {
            struct sigaction action = {};
            action.sa_handler = handler;
            sigemptyset(&action.sa_mask);
            // Restart interrupted system calls: agents and IOGroups need
            // not know that the controller listens for signals.
            action.sa_flags = SA_RESTART | (signum == SIGCHLD ? SA_NOCLDSTOP : 0);
            sigaction(signum, &action, &old);
        }
    }

    PosixSignalGuard::PosixSignalGuard()
    {
        if (g_is_active.exchange(true)) {
            throw geopm::Exception("a job is already running in this process",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        g_stop_signal = 0;
        g_child_event = 0;
        install(SIGINT, on_stop, m_old_int);
        install(SIGTERM, on_stop, m_old_term);
        install(SIGCHLD, on_child, m_old_chld);
    }

    PosixSignalGuard::~PosixSignalGuard()
    {
        sigaction(SIGINT, &m_old_int, nullptr);
        sigaction(SIGTERM, &m_old_term, nullptr);
        sigaction(SIGCHLD, &m_old_chld, nullptr);
        g_is_active = false;
    }

    int PosixSignalGuard::stop_signal(void) const
    {
        return g_stop_signal;
    }

    bool PosixSignalGuard::take_child_event(void)
    {
        // Clear only what was seen: a SIGCHLD after the test stays pending.
        if (g_child_event == 0) {
            return false;
        }
        g_child_event = 0;
        return true;
    }
}
