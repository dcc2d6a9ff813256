// GEOPM's profiling C API (geopm_prof.h) over this process's ProfileChannel.
#include "geopm_prof.h"

#include <exception>

#include "geopm/Exception.hpp"
#include "geopm_error.h"

#include "ProfileChannel.hpp"
#include "ProfileConnection.hpp"

namespace
{
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

    // Runs func with this process's writer when it has a controller; 0,
    // or the error code of what func threw.
    template <typename func_t>
    int with_writer(func_t func)
    {
        try {
            geopm_bridge::ProfileChannelWriter *writer = geopm_bridge::profile_connection();
            if (writer != nullptr) {
                func(*writer);
            }
        }
        catch (...) {
            return error_code();
        }
        return 0;
    }
}

using geopm_bridge::ProfileChannelWriter;

extern "C"
{
    int geopm_prof_region(const char *region_name, uint64_t hint, uint64_t *region_id)
    {
        if (region_name == nullptr || region_id == nullptr) {
            return GEOPM_ERROR_INVALID;
        }
        *region_id = 0;  // no controller: id 0, as in GEOPM
        return with_writer([&](ProfileChannelWriter &writer) {
            *region_id = writer.region(region_name, hint);
        });
    }

    int geopm_prof_enter(uint64_t region_id)
    {
        return with_writer([region_id](ProfileChannelWriter &writer) {
            writer.enter(region_id, geopm_bridge::profile_now_ns());
        });
    }

    int geopm_prof_exit(uint64_t region_id)
    {
        return with_writer([region_id](ProfileChannelWriter &writer) {
            writer.exit(region_id, geopm_bridge::profile_now_ns());
        });
    }

    int geopm_prof_epoch(void)
    {
        return with_writer([](ProfileChannelWriter &writer) { writer.epoch(geopm_bridge::profile_now_ns()); });
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
        return with_writer([num_work_unit](ProfileChannelWriter &writer) {
            writer.thread_init(num_work_unit);
        });
    }

    int geopm_tprof_post(void)
    {
        return with_writer([](ProfileChannelWriter &writer) { writer.thread_post(); });
    }

    int geopm_prof_overhead(double overhead_sec)
    {
        // GEOPM reports it to its service; the embedded runtime has none.
        (void)overhead_sec;
        return 0;
    }
}
