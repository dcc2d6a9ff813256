// declared_only: calls the GEOPM 3.1 interfaces geopm-bridge declares but
// does not provide, and its ModelRegion kinds that need GEOPM's kernels.
// Each prints "<name> <error code> <message>".
#include <cstdio>
#include <memory>
#include <string>

#include "geopm/Daemon.hpp"
#include "geopm/Exception.hpp"
#include "geopm/ModelRegion.hpp"
#include "geopm_daemon.h"
#include "geopm_error.h"
#include "geopm_policystore.h"

static void print_code(const char *name, int err)
{
    char message[1024];
    geopm_error_message(err, message, sizeof(message));
    std::printf("%s %d %s\n", name, err, message);
}

template <typename func_t>
static void print_throw(const char *name, func_t func)
{
    try {
        func();
        std::printf("%s 0 (no exception)\n", name);
    }
    catch (const geopm::Exception &ex) {
        std::printf("%s %d %s\n", name, ex.err_value(), ex.what());
    }
}

int main(void)
{
    struct geopm_daemon_c *daemon = nullptr;
    print_code("geopm_daemon_create", geopm_daemon_create("/tmp/endpoint", "/tmp/store.db", &daemon));
    print_code("geopm_daemon_destroy", geopm_daemon_destroy(daemon));
    print_code("geopm_daemon_update_endpoint_from_policystore",
               geopm_daemon_update_endpoint_from_policystore(daemon, 1.0));
    print_code("geopm_daemon_stop_wait_loop", geopm_daemon_stop_wait_loop(daemon));
    print_code("geopm_daemon_reset_wait_loop", geopm_daemon_reset_wait_loop(daemon));
    double policy[2] = {1.0, 2.0};
    print_code("geopm_policystore_connect", geopm_policystore_connect("/tmp/store.db"));
    print_code("geopm_policystore_disconnect", geopm_policystore_disconnect());
    print_code("geopm_policystore_get_best",
               geopm_policystore_get_best("power_governor", "profile", 2, policy));
    print_code("geopm_policystore_set_best",
               geopm_policystore_set_best("power_governor", "profile", 2, policy));
    print_code("geopm_policystore_set_default",
               geopm_policystore_set_default("power_governor", 2, policy));
    print_throw("geopm::Daemon::make_unique", []() {
        geopm::Daemon::make_unique("/tmp/endpoint", "/tmp/store.db");
    });
    for (const char *kind : {"dgemm", "stream-progress", "all2all", "barrier", "reduce",
                             "scaling", "timed_scaling"}) {
        std::string name = std::string("geopm::ModelRegion::model_region ") + kind;
        print_throw(name.c_str(), [kind]() { geopm::ModelRegion::model_region(kind, 1.0, 0); });
    }
    print_throw("geopm::ModelRegion::model_region unknown", []() {
        geopm::ModelRegion::model_region("unknown", 1.0, 0);
    });
    return 0;
}
