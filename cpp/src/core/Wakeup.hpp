/*
 * The controller's wake-up descriptor: readable once a signal asks the
 * controller to look at its job at once (a stop signal, a child's exit).
 * SleepWaiter::wait() watches it, so a period of seconds does not delay
 * the end of a job; the controller (PosixSignalGuard) owns and drains it.
 */
#ifndef GEOPM_BRIDGE_WAKEUP_HPP_INCLUDE
#define GEOPM_BRIDGE_WAKEUP_HPP_INCLUDE

namespace geopm_bridge
{
    /// fd: the read end of the controller's self-pipe, or -1 for none.
    void set_wakeup_fd(int fd);
    /// The descriptor set, or -1.
    int wakeup_fd(void);
}

#endif
