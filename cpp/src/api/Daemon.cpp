// geopm::Daemon and geopm_daemon.h: declared only (no policy store).
#include "geopm/Daemon.hpp"
#include "geopm_daemon.h"

#include "NotProvided.hpp"
#include "platform/CApiGuard.hpp"

namespace
{
    const char *const M_WHY =
        "a daemon copies the best policy of a policy store (geopm_policystore.h, a SQLite "
        "database) into a job's endpoint, and geopm-bridge has no policy store; write the "
        "policy with geopm_endpoint_write_policy() (geopm/Endpoint.hpp) instead";

    int daemon_call(const char *func)
    {
        return geopm_bridge::guarded([&]() -> int {
            geopm_bridge::not_provided(func, M_WHY);
        });
    }
}

namespace geopm
{
    std::unique_ptr<Daemon> Daemon::make_unique(const std::string &, const std::string &)
    {
        geopm_bridge::not_provided("geopm::Daemon::make_unique", M_WHY);
    }
}

extern "C"
{
    int geopm_daemon_create(const char *, const char *, struct geopm_daemon_c **daemon)
    {
        if (daemon != nullptr) {
            *daemon = nullptr;
        }
        return daemon_call(__func__);
    }

    int geopm_daemon_destroy(struct geopm_daemon_c *)
    {
        return daemon_call(__func__);
    }

    int geopm_daemon_update_endpoint_from_policystore(struct geopm_daemon_c *, double)
    {
        return daemon_call(__func__);
    }

    int geopm_daemon_stop_wait_loop(struct geopm_daemon_c *)
    {
        return daemon_call(__func__);
    }

    int geopm_daemon_reset_wait_loop(struct geopm_daemon_c *)
    {
        return daemon_call(__func__);
    }
}
