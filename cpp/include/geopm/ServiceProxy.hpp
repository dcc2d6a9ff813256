/*
 * The client side of the geopm service (geopmd's D-Bus interface
 * io.github.geopm). The geopm service is not part of the embedded runtime:
 * the interface is declared so that code written against it builds, and
 * make_unique() throws GEOPM_ERROR_NOT_IMPLEMENTED. GEOPM's D-Bus client,
 * ServiceProxyImp, is not provided.
 */
#ifndef SERVICEPROXY_HPP_INCLUDE
#define SERVICEPROXY_HPP_INCLUDE

#include <memory>
#include <string>
#include <vector>

#include "geopm_public.h"

struct geopm_request_s;

namespace geopm
{
    /// What the service tells about a signal.
    struct GEOPM_PUBLIC signal_info_s {
        std::string name;
        std::string description;
        int domain;
        int aggregation;
        int string_format;
        int behavior;
    };

    /// What the service tells about a control.
    struct GEOPM_PUBLIC control_info_s {
        std::string name;
        std::string description;
        int domain;
    };

    class GEOPM_PUBLIC ServiceProxy
    {
        public:
            ServiceProxy() = default;
            virtual ~ServiceProxy() = default;
            /// A connection to the geopm service: always throws
            /// GEOPM_ERROR_NOT_IMPLEMENTED in the embedded runtime.
            static std::unique_ptr<ServiceProxy> make_unique(void);
            /// The signals and controls this user may use.
            virtual void platform_get_user_access(
                std::vector<std::string> &signal_names,
                std::vector<std::string> &control_names) = 0;
            virtual std::vector<signal_info_s> platform_get_signal_info(
                const std::vector<std::string> &signal_names) = 0;
            virtual std::vector<control_info_s> platform_get_control_info(
                const std::vector<std::string> &control_names) = 0;
            virtual void platform_open_session(void) = 0;
            virtual void platform_close_session(void) = 0;
            /// Start a batch server for the requests; it answers its pid
            /// and the key of its shared memory.
            virtual void platform_start_batch(
                const std::vector<struct geopm_request_s> &signal_config,
                const std::vector<struct geopm_request_s> &control_config,
                int &server_pid,
                std::string &server_key) = 0;
            virtual void platform_stop_batch(int server_pid) = 0;
            virtual double platform_read_signal(const std::string &signal_name,
                                                int domain,
                                                int domain_idx) = 0;
            virtual void platform_write_control(const std::string &control_name,
                                                int domain,
                                                int domain_idx,
                                                double setting) = 0;
            virtual void platform_restore_control() = 0;
            /// The service's topology cache file's contents.
            virtual std::string topo_get_cache(void) = 0;
            virtual void platform_start_profile(const std::string &profile_name) = 0;
            virtual void platform_stop_profile(const std::vector<std::string> &region_names) = 0;
            virtual std::vector<int> platform_get_profile_pids(const std::string &profile_name) = 0;
            virtual std::vector<std::string> platform_pop_profile_region_names(const std::string &profile_name) = 0;
    };
}

#endif
