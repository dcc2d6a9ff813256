// The process-wide time origin used by TIME signals and traces.
#include "geopm_time.h"

#include <mutex>

#include "geopm/Exception.hpp"

namespace
{
    struct TimeZero
    {
        std::mutex lock;
        geopm_time_s zero;
        int err;

        TimeZero()
            : err(geopm_time(&zero))
        {
        }
    };

    TimeZero &time_zero_state(void)
    {
        static TimeZero instance;
        return instance;
    }
}

extern "C"
{
    int geopm_time_zero(struct geopm_time_s *zero_time)
    {
        TimeZero &state = time_zero_state();
        std::lock_guard<std::mutex> guard(state.lock);
        *zero_time = state.zero;
        return state.err;
    }
}

namespace geopm
{
    struct geopm_time_s time_zero(void)
    {
        geopm_time_s result;
        if (geopm_time_zero(&result) != 0) {
            throw Exception("time_zero(): cannot read the monotonic clock",
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        return result;
    }

    struct geopm_time_s time_curr(void)
    {
        geopm_time_s result;
        geopm_time(&result);
        return result;
    }

    void time_zero_reset(const geopm_time_s &zero)
    {
        TimeZero &state = time_zero_state();
        std::lock_guard<std::mutex> guard(state.lock);
        state.zero = zero;
        state.err = 0;
    }
}
