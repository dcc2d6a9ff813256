/* endpoint_client PREFIX STOP_FILE BUDGET...: a resource manager written
 * against GEOPM 3.1's geopm_endpoint.h. It opens the endpoint PREFIX
 * (before the job starts), waits for the job's controller, describes it,
 * sends each BUDGET in turn as the power_governor's policy and waits until
 * the agent's sample shows it enforced, then creates STOP_FILE (the job's
 * application ends when it appears), waits for the job to leave and reads
 * its last sample. One line of output per fact. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geopm_agent.h"
#include "geopm_endpoint.h"
#include "geopm_error.h"

static void print_error(const char *what, int err)
{
    char message[512];
    geopm_error_message(err, message, sizeof(message));
    printf("%s %d %s\n", what, err, message);
}

static void pause_briefly(void)
{
    struct timespec delay = {0, 10000000};
    nanosleep(&delay, NULL);
}

#define CHECK(call) do { int err_ = (call); if (err_ != 0) { print_error(#call, err_); return 1; } } while (0)

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: endpoint_client PREFIX STOP_FILE BUDGET...\n");
        return 2;
    }
    struct geopm_endpoint_c *endpoint = NULL;
    CHECK(geopm_endpoint_create(argv[1], &endpoint));
    CHECK(geopm_endpoint_open(endpoint));
    char agent[GEOPM_ENDPOINT_AGENT_NAME_MAX];
    CHECK(geopm_endpoint_agent(endpoint, sizeof(agent), agent));
    printf("opened agent=\"%s\"\n", agent);
    fflush(stdout);

    CHECK(geopm_endpoint_wait_for_agent_attach(endpoint, 60.0));
    CHECK(geopm_endpoint_agent(endpoint, sizeof(agent), agent));
    printf("agent %s\n", agent);
    char profile[GEOPM_ENDPOINT_PROFILE_NAME_MAX];
    CHECK(geopm_endpoint_profile_name(endpoint, sizeof(profile), profile));
    printf("profile %s\n", profile);
    int num_node = 0;
    CHECK(geopm_endpoint_num_node(endpoint, &num_node));
    printf("nodes %d\n", num_node);
    for (int idx = 0; idx < num_node; ++idx) {
        char node[256];
        CHECK(geopm_endpoint_node_name(endpoint, idx, sizeof(node), node));
        printf("node %s\n", node);
    }
    char node[256];
    print_error("node out of range", geopm_endpoint_node_name(endpoint, num_node, sizeof(node), node));

    /* The agent's names, as a GEOPM resource manager finds them. */
    int num_policy = 0;
    int num_sample = 0;
    CHECK(geopm_agent_num_policy(agent, &num_policy));
    CHECK(geopm_agent_num_sample(agent, &num_sample));
    double policy[8];
    double sample[8];
    if (num_policy != 1 || num_sample != 3) {
        return 3;
    }
    double age = NAN;
    print_error("wrong policy size", geopm_endpoint_write_policy(endpoint, 2, policy));
    print_error("wrong sample size", geopm_endpoint_read_sample(endpoint, 2, sample, &age));
    for (int arg = 3; arg < argc; ++arg) {
        policy[0] = atof(argv[arg]);
        CHECK(geopm_endpoint_write_policy(endpoint, 1, policy));
        /* POWER_AVERAGE_ENFORCED (sample 2) once the agent applied it. */
        int tries = 0;
        do {
            pause_briefly();
            CHECK(geopm_endpoint_read_sample(endpoint, 3, sample, &age));
        } while (sample[2] != policy[0] && ++tries < 6000);
        printf("enforced %g age %s\n", sample[2], age >= 0.0 ? "ok" : "negative");
        fflush(stdout);
    }

    FILE *stop = fopen(argv[2], "w");
    if (stop == NULL || fclose(stop) != 0) {
        return 4;
    }
    int tries = 0;
    do {
        pause_briefly();
        CHECK(geopm_endpoint_agent(endpoint, sizeof(agent), agent));
    } while (agent[0] != '\0' && ++tries < 6000);
    printf("detached agent=\"%s\"\n", agent);
    CHECK(geopm_endpoint_read_sample(endpoint, 3, sample, &age));
    printf("final enforced %g\n", sample[2]);
    print_error("write after detach", geopm_endpoint_write_policy(endpoint, 1, policy));
    CHECK(geopm_endpoint_close(endpoint));
    print_error("agent after close", geopm_endpoint_agent(endpoint, sizeof(agent), agent));
    CHECK(geopm_endpoint_destroy(endpoint));
    printf("closed\n");
    return 0;
}
