// GEOPM's profiling C API (geopm_prof.h) over this process's ProfileChannel.
#include "geopm_prof.h"

#include <time.h>

#include <exception>

#include "geopm/Exception.hpp"
#include "geopm_error.h"

#include "ProfileChannel.hpp"
#include "ProfileConnection.hpp"

namespace
{
    // CLOCK_MONOTONIC through the vDSO: no system call.
    int64_t now_ns(void)
    {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    }

    // The error code of whatever a call threw; the application goes on.
    int error_code(void)
    {
        try {
            throw;
        }
        catch (const geopm::Exception &ex) {
            return ex.err_value();
        }
        catch (...) {
            return GEOPM_ERROR_RUNTIME;
        }
    }
}

using geopm_bridge::ProfileChannelWriter;
using geopm_bridge::profile_connection;

extern "C"
{
    int geopm_prof_region(const char *region_name, uint64_t hint, uint64_t *region_id)
    {
        if (region_name == nullptr || region_id == nullptr) {
            return GEOPM_ERROR_INVALID;
        }
        try {
            ProfileChannelWriter *writer = profile_connection();
            *region_id = writer == nullptr ? 0 : writer->region(region_name, hint);
        }
        catch (...) {
            return error_code();
        }
        return 0;
    }

    int geopm_prof_enter(uint64_t region_id)
    {
        try {
            ProfileChannelWriter *writer = profile_connection();
            if (writer != nullptr) {
                writer->enter(region_id, now_ns());
            }
        }
        catch (...) {
            return error_code();
        }
        return 0;
    }

    int geopm_prof_exit(uint64_t region_id)
    {
        try {
            ProfileChannelWriter *writer = profile_connection();
            if (writer != nullptr) {
                writer->exit(region_id, now_ns());
            }
        }
        catch (...) {
            return error_code();
        }
        return 0;
    }

    int geopm_prof_epoch(void)
    {
        try {
            ProfileChannelWriter *writer = profile_connection();
            if (writer != nullptr) {
                writer->epoch(now_ns());
            }
        }
        catch (...) {
            return error_code();
        }
        return 0;
    }

    int geopm_prof_shutdown(void)
    {
        try {
            geopm_bridge::profile_disconnect();
        }
        catch (...) {
            return error_code();
        }
        return 0;
    }

    int geopm_tprof_init(uint32_t num_work_unit)
    {
        try {
            ProfileChannelWriter *writer = profile_connection();
            if (writer != nullptr) {
                writer->thread_init(num_work_unit);
            }
        }
        catch (...) {
            return error_code();
        }
        return 0;
    }

    int geopm_tprof_post(void)
    {
        try {
            ProfileChannelWriter *writer = profile_connection();
            if (writer != nullptr) {
                writer->thread_post();
            }
        }
        catch (...) {
            return error_code();
        }
        return 0;
    }

    int geopm_prof_overhead(double overhead_sec)
    {
        // GEOPM reports it to its service; the embedded runtime has none.
        (void)overhead_sec;
        return 0;
    }
}
