// C interface to the current node's PlatformIO (geopm_pio.h).
#include "geopm_pio.h"

#include <string.h>

#include <cmath>
#include <iterator>

#include "geopm/Agg.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm_bridge/NodeContext.hpp"

#include "CApiGuard.hpp"

namespace
{
    using geopm_bridge::guarded;

    // Copy text into a caller buffer; GEOPM_ERROR_INVALID if it does not fit.
    int copy_out(const std::string &text, size_t result_max, char *result)
    {
        if (result == nullptr || text.size() >= result_max) {
            return GEOPM_ERROR_INVALID;
        }
        memcpy(result, text.c_str(), text.size() + 1);
        return 0;
    }

    int copy_name(const std::set<std::string> &names, int name_idx, size_t result_max, char *result)
    {
        if (name_idx < 0 || name_idx >= static_cast<int>(names.size())) {
            return GEOPM_ERROR_INVALID;
        }
        return copy_out(*std::next(names.begin(), name_idx), result_max, result);
    }

    // GEOPM_ERROR_NOT_IMPLEMENTED, with a message naming the function and
    // what is missing for geopm_error_message() to give.
    int not_implemented(const char *function, const char *missing)
    {
        return guarded([&]() -> int {
            throw geopm::Exception(std::string(function) + "(): " + missing,
                                   GEOPM_ERROR_NOT_IMPLEMENTED, __FILE__, __LINE__);
        });
    }
}

extern "C"
{
    int geopm_pio_num_signal_name(void)
    {
        return guarded([]() { return static_cast<int>(geopm::platform_io().signal_names().size()); });
    }

    int geopm_pio_signal_name(int name_idx, size_t result_max, char *result)
    {
        return guarded([&]() {
            return copy_name(geopm::platform_io().signal_names(), name_idx, result_max, result);
        });
    }

    int geopm_pio_num_control_name(void)
    {
        return guarded([]() { return static_cast<int>(geopm::platform_io().control_names().size()); });
    }

    int geopm_pio_control_name(int name_index, size_t result_max, char *result)
    {
        return guarded([&]() {
            return copy_name(geopm::platform_io().control_names(), name_index, result_max, result);
        });
    }

    int geopm_pio_signal_domain_type(const char *signal_name)
    {
        return guarded([&]() { return geopm::platform_io().signal_domain_type(signal_name); });
    }

    int geopm_pio_control_domain_type(const char *control_name)
    {
        return guarded([&]() { return geopm::platform_io().control_domain_type(control_name); });
    }

    int geopm_pio_read_signal(const char *signal_name, int domain_type, int domain_idx, double *result)
    {
        return guarded([&]() {
            *result = geopm::platform_io().read_signal(signal_name, domain_type, domain_idx);
            return 0;
        });
    }

    int geopm_pio_write_control(const char *control_name, int domain_type, int domain_idx,
                                double setting)
    {
        return guarded([&]() {
            geopm::platform_io().write_control(control_name, domain_type, domain_idx, setting);
            return 0;
        });
    }

    int geopm_pio_push_signal(const char *signal_name, int domain_type, int domain_idx)
    {
        return guarded([&]() { return geopm::platform_io().push_signal(signal_name, domain_type, domain_idx); });
    }

    int geopm_pio_push_control(const char *control_name, int domain_type, int domain_idx)
    {
        return guarded([&]() { return geopm::platform_io().push_control(control_name, domain_type, domain_idx); });
    }

    int geopm_pio_sample(int signal_idx, double *result)
    {
        return guarded([&]() {
            *result = geopm::platform_io().sample(signal_idx);
            return 0;
        });
    }

    int geopm_pio_adjust(int control_idx, double setting)
    {
        return guarded([&]() {
            geopm::platform_io().adjust(control_idx, setting);
            return 0;
        });
    }

    int geopm_pio_read_batch(void)
    {
        return guarded([]() {
            geopm::platform_io().read_batch();
            return 0;
        });
    }

    int geopm_pio_write_batch(void)
    {
        return guarded([]() {
            geopm::platform_io().write_batch();
            return 0;
        });
    }

    int geopm_pio_save_control(void)
    {
        return guarded([]() {
            geopm::platform_io().save_control();
            return 0;
        });
    }

    int geopm_pio_save_control_dir(const char *save_dir)
    {
        return guarded([&]() {
            geopm::platform_io().save_control(save_dir);
            return 0;
        });
    }

    int geopm_pio_restore_control(void)
    {
        return guarded([]() {
            geopm::platform_io().restore_control();
            return 0;
        });
    }

    int geopm_pio_restore_control_dir(const char *save_dir)
    {
        return guarded([&]() {
            geopm::platform_io().restore_control(save_dir);
            return 0;
        });
    }

    int geopm_pio_signal_description(const char *signal_name, size_t description_max,
                                     char *description)
    {
        return guarded([&]() {
            return copy_out(geopm::platform_io().signal_description(signal_name),
                            description_max, description);
        });
    }

    int geopm_pio_control_description(const char *control_name, size_t description_max,
                                      char *description)
    {
        return guarded([&]() {
            return copy_out(geopm::platform_io().control_description(control_name),
                            description_max, description);
        });
    }

    int geopm_pio_signal_info(const char *signal_name, int *aggregation_type,
                              int *format_type, int *behavior_type)
    {
        return guarded([&]() {
            geopm::PlatformIO &pio = geopm::platform_io();
            *aggregation_type = geopm::Agg::function_to_type(pio.agg_function(signal_name));
            *format_type = geopm::string_format_function_to_type(pio.format_function(signal_name));
            *behavior_type = pio.signal_behavior(signal_name);
            return 0;
        });
    }

    int geopm_pio_start_batch_server(int, int, const struct geopm_request_s *, int,
                                     const struct geopm_request_s *, int *, int, char *)
    {
        return not_implemented(__func__, "the embedded runtime has no batch server");
    }

    int geopm_pio_stop_batch_server(int)
    {
        return not_implemented(__func__, "the embedded runtime has no batch server");
    }

    int geopm_pio_format_signal(double signal, int format_type, size_t result_max, char *result)
    {
        return guarded([&]() {
            return copy_out(geopm::string_format_type_to_function(format_type)(signal),
                            result_max, result);
        });
    }

    void geopm_pio_reset(void)
    {
        geopm_bridge::current_node().reset_platform_io();
    }

    int geopm_pio_check_valid_value(double value)
    {
        return geopm::PlatformIO::is_valid_value(value) ? 1 : 0;
    }

    int geopm_pio_profile_pids(const char *, int, int *, int *)
    {
        return not_implemented(__func__, "the embedded runtime has no geopm service to list "
                                         "profiled processes");
    }
}
