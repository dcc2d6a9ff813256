/* agent_api POLICY_PATH: a C program written against GEOPM 3.1's
 * geopm_agent.h. It lists the agents, describes power_governor, writes a
 * policy file for it to POLICY_PATH, and enforces the policy that
 * GEOPM_AGENT and GEOPM_POLICY name, reading the control back. One line of
 * output per fact. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "geopm_agent.h"
#include "geopm_error.h"
#include "geopm_pio.h"
#include "geopm_topo.h"

static void print_error(const char *what, int err)
{
    char message[512];
    geopm_error_message(err, message, sizeof(message));
    printf("%s %d %s\n", what, err, message);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: agent_api POLICY_PATH\n");
        return 2;
    }
    char name[256];
    int num_agent = 0;
    if (geopm_agent_num_avail(&num_agent) != 0) {
        return 3;
    }
    for (int idx = 0; idx < num_agent; ++idx) {
        if (geopm_agent_name(idx, sizeof(name), name) != 0) {
            return 4;
        }
        printf("agent %s\n", name);
    }
    print_error("unknown", geopm_agent_supported("no_such_agent"));
    print_error("out of range", geopm_agent_name(num_agent, sizeof(name), name));
    const char *agent = "power_governor";
    printf("supported %d\n", geopm_agent_supported(agent));
    int num_policy = 0;
    int num_sample = 0;
    if (geopm_agent_num_policy(agent, &num_policy) != 0 ||
        geopm_agent_num_sample(agent, &num_sample) != 0) {
        return 5;
    }
    for (int idx = 0; idx < num_policy; ++idx) {
        if (geopm_agent_policy_name(agent, idx, sizeof(name), name) != 0) {
            return 6;
        }
        printf("policy %s\n", name);
    }
    for (int idx = 0; idx < num_sample; ++idx) {
        if (geopm_agent_sample_name(agent, idx, sizeof(name), name) != 0) {
            return 7;
        }
        printf("sample %s\n", name);
    }
    print_error("small buffer", geopm_agent_policy_name(agent, 0, 4, name));

    char json[1024];
    double defaults[] = {NAN};
    if (geopm_agent_policy_json(agent, defaults, sizeof(json), json) != 0) {
        return 8;
    }
    printf("default json %s\n", json);
    double too_many[] = {1.0, 2.0};
    print_error("too many", geopm_agent_policy_json_partial(agent, 2, too_many, sizeof(json), json));
    double policy[] = {123.5};
    if (geopm_agent_policy_json(agent, policy, sizeof(json), json) != 0) {
        return 9;
    }
    printf("json %s\n", json);
    FILE *file = fopen(argv[1], "w");
    if (file == NULL || fputs(json, file) < 0 || fclose(file) != 0) {
        return 10;
    }

    int err = geopm_agent_enforce_policy();
    if (err != 0) {
        print_error("enforce", err);
        return 11;
    }
    double limit = NAN;
    if (geopm_pio_read_signal("CPU_POWER_LIMIT_CONTROL", GEOPM_DOMAIN_BOARD, 0, &limit) != 0) {
        return 12;
    }
    printf("enforced %g\n", limit);
    return 0;
}
