#include "geopm/Waiter.hpp"

#include <errno.h>
#include <poll.h>
#include <time.h>

#include <algorithm>
#include <cmath>

#include "geopm/Exception.hpp"
#include "Wakeup.hpp"

namespace geopm
{
    namespace
    {
        // CLOCK_MONOTONIC: unlike GEOPM's realtime clock, immune to clock
        // changes; clock_nanosleep() supports it with absolute targets.
        geopm_time_s now(void)
        {
            geopm_time_s result;
            clock_gettime(CLOCK_MONOTONIC, &result.t);
            return result;
        }

        double checked_period(double period)
        {
            if (!(period >= 0.0) || std::isinf(period)) {
                throw Exception("Waiter: period must be a non-negative number of seconds, not " +
                                std::to_string(period), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            return period;
        }

        /// Sleep until target, or until the controller's wake-up
        /// descriptor is readable (it is never drained here): then
        /// is_woken is set. Returns 0 or an errno value.
        int sleep_until(const geopm_time_s &target, bool &is_woken)
        {
            is_woken = false;
            int fd = geopm_bridge::wakeup_fd();
            if (fd < 0) {
                int err = 0;
                do {
                    err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target.t, nullptr);
                } while (err == EINTR);
                return err;
            }
            while (true) {
                geopm_time_s current = now();
                double left = geopm_time_diff(&current, &target);
                if (left <= 0.0) {
                    return 0;
                }
                struct timespec timeout = {(time_t)left, (long)((left - (time_t)left) * 1e9)};
                struct pollfd watched = {fd, POLLIN, 0};
                int count = ppoll(&watched, 1, &timeout, nullptr);
                if (count > 0) {
                    is_woken = true;
                    return 0;
                }
                if (count < 0 && errno != EINTR) {
                    return errno;
                }
            }
        }
    }

    std::unique_ptr<Waiter> Waiter::make_unique(double period)
    {
        return make_unique(period, "sleep");
    }

    std::unique_ptr<Waiter> Waiter::make_unique(double period, std::string strategy)
    {
        if (strategy != "sleep") {
            throw Exception("Waiter::make_unique(): unknown strategy \"" + strategy +
                            "\" (only \"sleep\" is provided)",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return std::make_unique<SleepWaiter>(period);
    }

    SleepWaiter::SleepWaiter(double period)
        : m_period(checked_period(period))
        , m_time_target{}
        , m_is_first_time(true)
    {
    }

    void SleepWaiter::reset(void)
    {
        geopm_time_s start = now();
        geopm_time_add(&start, m_period, &m_time_target);
        m_is_first_time = false;
    }

    void SleepWaiter::reset(double period)
    {
        m_period = checked_period(period);
        reset();
    }

    void SleepWaiter::wait(void)
    {
        // Without an explicit reset() the schedule starts at the first wait().
        if (m_is_first_time) {
            reset();
        }
        bool is_woken = false;
        int err = sleep_until(m_time_target, is_woken);
        if (err != 0) {
            throw Exception("SleepWaiter::wait(): sleeping failed", err,
                            __FILE__, __LINE__);
        }
        if (is_woken) {
            // Early, for the controller: the next wait keeps this target,
            // so the schedule stays on its grid.
            return;
        }
        // Next boundary on the same grid; boundaries already in the past
        // are skipped so a slow iteration does not cause a burst of
        // zero-length waits.
        geopm_time_s current = now();
        double late = geopm_time_diff(&m_time_target, &current);
        double steps = m_period > 0.0 ? std::max(1.0, std::floor(late / m_period) + 1.0) : 1.0;
        geopm_time_add(&m_time_target, steps * m_period, &m_time_target);
    }

    double SleepWaiter::period(void) const
    {
        return m_period;
    }
}
