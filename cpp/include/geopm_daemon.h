/*
 * C interface of geopm::Daemon (geopm/Daemon.hpp): declared so that GEOPM
 * programs build and link; geopm-bridge has no policy store, so each call
 * returns GEOPM_ERROR_NOT_IMPLEMENTED.
 */
#ifndef GEOPM_DAEMON_H_INCLUDE
#define GEOPM_DAEMON_H_INCLUDE

#include <stddef.h>

#include "geopm_public.h"

#ifdef __cplusplus
extern "C" {
#endif

struct geopm_daemon_c;

/* Make a daemon between an endpoint and a policy store. */
int GEOPM_PUBLIC
    geopm_daemon_create(const char *endpoint_name, const char *policystore_path,
                        struct geopm_daemon_c **daemon);
/* Free a daemon. */
int GEOPM_PUBLIC
    geopm_daemon_destroy(struct geopm_daemon_c *daemon);
/* Wait for a job and write it the store's policy. */
int GEOPM_PUBLIC
    geopm_daemon_update_endpoint_from_policystore(struct geopm_daemon_c *daemon,
                                                  double timeout);
/* End a wait in progress. */
int GEOPM_PUBLIC
    geopm_daemon_stop_wait_loop(struct geopm_daemon_c *daemon);
/* Let waits run again. */
int GEOPM_PUBLIC
    geopm_daemon_reset_wait_loop(struct geopm_daemon_c *daemon);

#ifdef __cplusplus
}
#endif

#endif
