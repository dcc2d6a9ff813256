/*
 * The policy store: best known policies per agent and profile, and default
 * policies per agent, in a database. Declared so that GEOPM programs build
 * and link; geopm-bridge has no policy store, so each call returns
 * GEOPM_ERROR_NOT_IMPLEMENTED.
 */
#ifndef GEOPM_POLICYSTORE_H_INCLUDE
#define GEOPM_POLICYSTORE_H_INCLUDE

#include <stddef.h>

#include "geopm_public.h"

#ifdef __cplusplus
extern "C"
{
#endif

    /* Open (or make) the store at data_path. */
    int GEOPM_PUBLIC
        geopm_policystore_connect(const char *data_path);

    /* Close the store. */
    int GEOPM_PUBLIC
        geopm_policystore_disconnect();

    /* The best policy for agent_name and profile_name (else the agent's
     * default) into at most max_policy_vals values. */
    int GEOPM_PUBLIC
        geopm_policystore_get_best(const char *agent_name, const char *profile_name,
                                   size_t max_policy_vals, double *policy_vals);

    /* Record the best policy for agent_name and profile_name. */
    int GEOPM_PUBLIC
        geopm_policystore_set_best(const char *agent_name, const char *profile_name,
                                   size_t num_policy_vals, const double *policy_vals);

    /* Record the default policy for agent_name. */
    int GEOPM_PUBLIC
        geopm_policystore_set_default(const char *agent_name, size_t num_policy_vals,
                                      const double *policy_vals);

#ifdef __cplusplus
}
#endif
#endif
