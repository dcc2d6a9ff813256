/*
 * C interface to the agents the runtime knows (built-in ones and those of
 * the plugins in GEOPM_PLUGIN_PATH): their names, their policy and sample
 * names, a policy file's JSON, and a policy enforced once without a
 * controller. Every function returns 0 or an error code;
 * geopm_error_message() gives the detail of the last failure.
 */
#ifndef GEOPM_AGENT_H_INCLUDE
#define GEOPM_AGENT_H_INCLUDE

#include <stddef.h>

#include "geopm_public.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 0 when an agent named agent_name is known, else GEOPM_ERROR_NO_AGENT. */
int GEOPM_PUBLIC
    geopm_agent_supported(const char *agent_name);

/* The number of policy values the agent takes. */
int GEOPM_PUBLIC
    geopm_agent_num_policy(const char *agent_name, int *num_policy);

/* The name of policy value policy_idx, into a buffer of policy_name_max
 * bytes (E2BIG when it does not fit; the buffer is then left alone). */
int GEOPM_PUBLIC
    geopm_agent_policy_name(const char *agent_name, int policy_idx,
                            size_t policy_name_max, char *policy_name);

/* A policy file's JSON text for all of the agent's policy values (NaN is
 * written "NAN": the agent's default), into json_string_max bytes. */
int GEOPM_PUBLIC
    geopm_agent_policy_json(const char *agent_name, const double *policy_array,
                            size_t json_string_max, char *json_string);

/* geopm_agent_policy_json() for the first policy_array_size values only. */
int GEOPM_PUBLIC
    geopm_agent_policy_json_partial(const char *agent_name, size_t policy_array_size,
                                    const double *policy_array, size_t json_string_max,
                                    char *json_string);

/* The number of sample values the agent sends up the tree. */
int GEOPM_PUBLIC
    geopm_agent_num_sample(const char *agent_name, int *num_sample);

/* The name of sample value sample_idx, into sample_name_max bytes (E2BIG
 * when it does not fit). */
int GEOPM_PUBLIC
    geopm_agent_sample_name(const char *agent_name, int sample_idx,
                            size_t sample_name_max, char *sample_name);

/* The number of agents known. */
int GEOPM_PUBLIC
    geopm_agent_num_avail(int *num_agent);

/* The name of agent agent_idx (0 to geopm_agent_num_avail() - 1), into
 * agent_name_max bytes. */
int GEOPM_PUBLIC
    geopm_agent_name(int agent_idx, size_t agent_name_max, char *agent_name);

/* Apply once, on this node, the policy of the GEOPM_POLICY file with the
 * agent GEOPM_AGENT names (the agent's enforce_policy()). */
int GEOPM_PUBLIC
    geopm_agent_enforce_policy(void);

#ifdef __cplusplus
}
#endif
#endif
