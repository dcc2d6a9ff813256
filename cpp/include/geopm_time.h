/*
 * Monotonic time stamps used by the control loop and the IOGroups.
 * The helpers are inline so that a plugin gets them without linking.
 */
#ifndef GEOPM_TIME_H_INCLUDE
#define GEOPM_TIME_H_INCLUDE

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "geopm_public.h"

#ifndef __cplusplus
#include <stdbool.h>
#else
extern "C"
{
#endif

struct geopm_time_s {
    struct timespec t;
};

/* The process-wide time origin (first use), as reported in TIME signals. */
int GEOPM_PUBLIC
    geopm_time_zero(struct geopm_time_s *zero_time);

/* Current monotonic time (immune to NTP slewing, like GEOPM). */
static inline int geopm_time(struct geopm_time_s *time)
{
    return clock_gettime(CLOCK_MONOTONIC_RAW, &(time->t));
}

/* Current wall-clock time. */
static inline int geopm_time_real(struct geopm_time_s *time)
{
    return clock_gettime(CLOCK_REALTIME, &(time->t));
}

/* Seconds from begin to end (negative when end is earlier). */
static inline double geopm_time_diff(const struct geopm_time_s *begin,
                                     const struct geopm_time_s *end)
{
    return (double)(end->t.tv_sec - begin->t.tv_sec) +
           (double)(end->t.tv_nsec - begin->t.tv_nsec) * 1E-9;
}

/* True when aa is strictly earlier than bb. */
static inline bool geopm_time_comp(const struct geopm_time_s *aa,
                                   const struct geopm_time_s *bb)
{
    if (aa->t.tv_sec != bb->t.tv_sec) {
        return aa->t.tv_sec < bb->t.tv_sec;
    }
    return aa->t.tv_nsec < bb->t.tv_nsec;
}

/* end = begin + elapsed seconds (elapsed >= 0). */
static inline void geopm_time_add(const struct geopm_time_s *begin, double elapsed,
                                  struct geopm_time_s *end)
{
    double whole = floor(elapsed);
    *end = *begin;
    end->t.tv_sec += (time_t)whole;
    end->t.tv_nsec += (long)((elapsed - whole) * 1E9);
    if (end->t.tv_nsec >= 1000000000L) {
        end->t.tv_nsec -= 1000000000L;
        end->t.tv_sec += 1;
    }
}

/* Seconds elapsed since begin. */
static inline double geopm_time_since(const struct geopm_time_s *begin)
{
    struct geopm_time_s now;
    geopm_time(&now);
    return geopm_time_diff(begin, &now);
}

/* Format a monotonic time stamp as local wall-clock text
 * ("Mon Jan 01 00:00:00 2024"); returns 0 or EINVAL. */
static inline int geopm_time_to_string(const struct geopm_time_s *time, int buf_size,
                                       char *buf)
{
    struct geopm_time_s real_now;
    struct geopm_time_s mono_now;
    struct tm local;
    geopm_time_real(&real_now);
    geopm_time(&mono_now);
    /* Shift the monotonic stamp by the current monotonic-to-real offset. */
    time_t seconds = (time_t)(geopm_time_diff(&mono_now, &real_now) + (double)time->t.tv_sec);
    localtime_r(&seconds, &local);
    if (buf_size <= 0 ||
        strftime(buf, (size_t)buf_size, "%a %b %d %H:%M:%S %Y", &local) == 0) {
        return EINVAL;
    }
    return 0;
}

/* Current time as text, see geopm_time_to_string(). */
static inline int geopm_time_string(int buf_size, char *buf)
{
    struct geopm_time_s now;
    int err = geopm_time(&now);
    if (!err) {
        err = geopm_time_to_string(&now, buf_size, buf);
    }
    return err;
}

#ifdef __cplusplus
}

namespace geopm
{
    /// The process-wide time origin; throws if the clock cannot be read.
    struct geopm_time_s GEOPM_PUBLIC
        time_zero(void);
    /// The current monotonic time.
    struct geopm_time_s GEOPM_PUBLIC
        time_curr(void);
    /// Move the time origin (used by tests and by the controller at start).
    void GEOPM_PUBLIC
        time_zero_reset(const geopm_time_s &zero);
}
#endif
#endif
