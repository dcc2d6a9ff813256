#include "PosixSignalGuard.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>

#include "geopm/Exception.hpp"
#include "core/Wakeup.hpp"

namespace geopm_bridge
{
    namespace
    {
        // The stop signals first, then SIGCHLD, then SIGUSR1 (attached only).
        const int M_SIGNALS[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1};
        std::atomic<bool> g_is_active(false);
        volatile sig_atomic_t g_stop_signal = 0;
        volatile sig_atomic_t g_child_event = 0;
        volatile sig_atomic_t g_app_step_ended = 0;
        volatile sig_atomic_t g_wake_fd = -1;

        void wake(void)
        {
            int saved = errno;
            // Non-blocking: a full pipe already says "look".
            (void)!write(g_wake_fd, "x", 1);
            errno = saved;
        }

        void on_stop(int signum)
        {
            if (g_stop_signal == 0) {
                g_stop_signal = signum;
            }
            wake();
        }

        void on_child(int)
        {
            g_child_event = 1;
            wake();
        }

        void on_app_step_end(int)
        {
            g_app_step_ended = 1;
            wake();
        }

        using handler_t = void (*)(int);

        handler_t handler_of(int signum)
        {
            return signum == SIGCHLD ? on_child : signum == SIGUSR1 ? on_app_step_end : on_stop;
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

    PosixSignalGuard::PosixSignalGuard(bool is_attached)
        : m_num_installed(is_attached ? M_NUM_SIGNAL : M_NUM_SIGNAL - 1)
    {
        if (g_is_active.exchange(true)) {
            throw geopm::Exception("a job is already running in this process",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        if (pipe2(m_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
            g_is_active = false;
            throw geopm::Exception("cannot make the controller's signal pipe", errno,
                                   __FILE__, __LINE__);
        }
        g_stop_signal = 0;
        g_child_event = 0;
        g_app_step_ended = 0;
        g_wake_fd = m_pipe[1];
        set_wakeup_fd(m_pipe[0]);
        for (int idx = 0; idx < m_num_installed; ++idx) {
            install(M_SIGNALS[idx], handler_of(M_SIGNALS[idx]), m_old[idx]);
        }
    }

    PosixSignalGuard::~PosixSignalGuard()
    {
        for (int idx = 0; idx < m_num_installed; ++idx) {
            sigaction(M_SIGNALS[idx], &m_old[idx], nullptr);
        }
        set_wakeup_fd(-1);
        g_wake_fd = -1;
        close(m_pipe[0]);
        close(m_pipe[1]);
        g_is_active = false;
    }

    int PosixSignalGuard::stop_signal(void) const
    {
        return g_stop_signal;
    }

    bool PosixSignalGuard::take_child_event(void)
    {
        // Drain first, then test: a SIGCHLD after the test leaves both its
        // flag and a byte behind for the next iteration.
        char buffer[64];
        while (read(m_pipe[0], buffer, sizeof(buffer)) > 0) {
        }
        if (g_child_event == 0) {
            return false;
        }
        g_child_event = 0;
        return true;
    }

    bool PosixSignalGuard::is_app_step_ended(void) const
    {
        return g_app_step_ended != 0;
    }

    std::string PosixSignalGuard::name(int signum)
    {
        switch (signum) {
            case SIGINT: return "SIGINT";
            case SIGTERM: return "SIGTERM";
            case SIGHUP: return "SIGHUP";
            case SIGQUIT: return "SIGQUIT";
            default: return "signal " + std::to_string(signum);
        }
    }
}
