/*
 * C interface of the resource manager's side of a job's dynamic policy
 * endpoint (geopm/Endpoint.hpp). Every function returns 0 or a GEOPM error
 * code; geopm_error_message() gives the detail of the last failure.
 */
#ifndef GEOPM_ENDPOINT_H_INCLUDE
#define GEOPM_ENDPOINT_H_INCLUDE

#include <stddef.h>

#include "geopm_public.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Buffer sizes that always hold an agent name, a profile name, a path. */
static const size_t GEOPM_ENDPOINT_AGENT_NAME_MAX = 256;
static const size_t GEOPM_ENDPOINT_PROFILE_NAME_MAX = 256;
static const size_t GEOPM_ENDPOINT_HOSTLIST_PATH_MAX = 512;

struct geopm_endpoint_c;

/* Make an endpoint object for endpoint_name (the job's GEOPM_ENDPOINT);
 * *endpoint is set to it. */
int GEOPM_PUBLIC
    geopm_endpoint_create(const char *endpoint_name, struct geopm_endpoint_c **endpoint);

/* Free an endpoint made by geopm_endpoint_create(). */
int GEOPM_PUBLIC
    geopm_endpoint_destroy(struct geopm_endpoint_c *endpoint);

/* Start using the endpoint (see geopm::Endpoint::open()). */
int GEOPM_PUBLIC
    geopm_endpoint_open(struct geopm_endpoint_c *endpoint);

/* Stop using the endpoint (see geopm::Endpoint::close()). */
int GEOPM_PUBLIC
    geopm_endpoint_close(struct geopm_endpoint_c *endpoint);

/* Copy the attached job's agent name into agent_name ("" when no job is
 * attached); GEOPM_ERROR_INVALID when it does not fit in agent_name_max
 * bytes. */
int GEOPM_PUBLIC
    geopm_endpoint_agent(struct geopm_endpoint_c *endpoint, size_t agent_name_max,
                         char *agent_name);

/* Wait until a job attaches; an error after timeout seconds. */
int GEOPM_PUBLIC
    geopm_endpoint_wait_for_agent_attach(struct geopm_endpoint_c *endpoint, double timeout);

/* End the endpoint's waits (from another thread). */
int GEOPM_PUBLIC
    geopm_endpoint_stop_wait_loop(struct geopm_endpoint_c *endpoint);

/* Let the endpoint's waits run again. */
int GEOPM_PUBLIC
    geopm_endpoint_reset_wait_loop(struct geopm_endpoint_c *endpoint);

/* Copy the attached job's profile name into profile_name ("" when no job
 * is attached); GEOPM_ERROR_INVALID when it does not fit. */
int GEOPM_PUBLIC
    geopm_endpoint_profile_name(struct geopm_endpoint_c *endpoint, size_t profile_name_max,
                                char *profile_name);

/* The number of hosts of the attached job (0 when none is attached). */
int GEOPM_PUBLIC
    geopm_endpoint_num_node(struct geopm_endpoint_c *endpoint, int *num_node);

/* The name of host node_idx (sorted order) of the attached job. */
int GEOPM_PUBLIC
    geopm_endpoint_node_name(struct geopm_endpoint_c *endpoint, int node_idx,
                             size_t node_name_max, char *node_name);

/* Send num_policy values, one per policy name of the attached agent. */
int GEOPM_PUBLIC
    geopm_endpoint_write_policy(struct geopm_endpoint_c *endpoint,
                                size_t num_policy, const double *policy_array);

/* Copy the attached agent's last sample (num_sample values) into
 * sample_array and its age in seconds into *sample_age_sec. */
int GEOPM_PUBLIC
    geopm_endpoint_read_sample(struct geopm_endpoint_c *endpoint, size_t num_sample,
                               double *sample_array, double *sample_age_sec);

#ifdef __cplusplus
}
#endif
#endif
