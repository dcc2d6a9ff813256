/*
 * A C program on GEOPM 3.1's C interfaces of libgeopmd (geopm_sched.h,
 * geopm_topo.h, geopm_pio.h, geopm_error.h, geopm_shmem.h), built as C and
 * as C++ by tests/test_api_libgeopmd.py, which checks what it prints
 * ("key value ..." lines) against the machine.
 *
 * Usage: libgeopmd_c_program OTHER_PID [create]
 *   OTHER_PID: a process whose CPUs to read with geopm_sched_proc_cpuset_pid
 *   create:    also call geopm_shmem_create_prof (expected to fail without
 *              a writable /run/geopm)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geopm_error.h"
#include "geopm_pio.h"
#include "geopm_sched.h"
#include "geopm_shmem.h"
#include "geopm_topo.h"

static void print_set(const char *key, int err, int num_cpu, cpu_set_t *set)
{
    size_t set_size = CPU_ALLOC_SIZE(num_cpu);
    printf("%s %d", key, err);
    for (int cpu = 0; cpu < num_cpu; ++cpu) {
        if (CPU_ISSET_S(cpu, set_size, set)) {
            printf(" %d", cpu);
        }
    }
    printf("\n");
}

/* The code and geopm_error_message() of a call that is to fail. */
static void print_error(const char *key, int err)
{
    char message[512];
    geopm_error_message(err, message, sizeof(message));
    printf("%s %d %s\n", key, err, message);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s OTHER_PID [create]\n", argv[0]);
        return 2;
    }
    int other_pid = atoi(argv[1]);

    /* geopm_sched.h */
    int num_cpu = geopm_sched_num_cpu();
    printf("num_cpu %d\n", num_cpu);
    printf("get_cpu %d\n", geopm_sched_get_cpu());
    cpu_set_t *set = CPU_ALLOC(num_cpu);
    print_set("proc_cpuset", geopm_sched_proc_cpuset(num_cpu, set), num_cpu, set);
    print_set("woomp", geopm_sched_woomp(num_cpu, set), num_cpu, set);
    print_set("other_cpuset", geopm_sched_proc_cpuset_pid(other_pid, num_cpu, set), num_cpu, set);
    /* pid 0 has no /proc entry: an error, and every CPU. */
    print_set("no_such_pid", geopm_sched_proc_cpuset_pid(0, num_cpu, set), num_cpu, set);
    CPU_FREE(set);

    /* geopm_topo.h */
    printf("topo_board %d\n", geopm_topo_num_domain(GEOPM_DOMAIN_BOARD));
    printf("topo_package %d\n", geopm_topo_num_domain(GEOPM_DOMAIN_PACKAGE));
    printf("topo_core %d\n", geopm_topo_num_domain(GEOPM_DOMAIN_CORE));
    printf("topo_cpu %d\n", geopm_topo_num_domain(GEOPM_DOMAIN_CPU));
    int num_nested = geopm_topo_num_domain_nested(GEOPM_DOMAIN_CPU, GEOPM_DOMAIN_BOARD);
    int *nested = (int *)calloc(num_nested > 0 ? num_nested : 1, sizeof(int));
    int err = geopm_topo_domain_nested(GEOPM_DOMAIN_CPU, GEOPM_DOMAIN_BOARD, 0, num_nested, nested);
    printf("board_cpus %d", err);
    for (int idx = 0; idx < num_nested; ++idx) {
        printf(" %d", nested[idx]);
    }
    printf("\n");
    free(nested);
    char name[256];
    err = geopm_topo_domain_name(GEOPM_DOMAIN_PACKAGE, sizeof(name), name);
    printf("domain_name %d %s\n", err, name);
    print_error("bad_domain", geopm_topo_num_domain(GEOPM_NUM_DOMAIN + 5));

    /* geopm_pio.h */
    printf("num_signal %d\n", geopm_pio_num_signal_name());
    double time = -1.0;
    err = geopm_pio_read_signal("TIME", GEOPM_DOMAIN_BOARD, 0, &time);
    printf("read_time %d %.9f\n", err, time);
    print_error("unknown_signal", geopm_pio_read_signal("NO_SUCH_SIGNAL", GEOPM_DOMAIN_BOARD, 0, &time));
    int server_pid = 0;
    char server_key[256];
    print_error("batch_server", geopm_pio_start_batch_server(other_pid, 0, NULL, 0, NULL, &server_pid,
                                                             sizeof(server_key), server_key));
    int num_pid = 0;
    int pids[4];
    print_error("profile_pids", geopm_pio_profile_pids("profile", 4, &num_pid, pids));

    /* geopm_shmem.h */
    char path[256];
    err = geopm_shmem_path_prof("status", 1234, 5678, sizeof(path), path);
    printf("path_status %d %s\n", err, path);
    err = geopm_shmem_path_prof("record-log", 1234, 5678, sizeof(path), path);
    printf("path_record_log %d %s\n", err, path);
    print_error("path_too_long", geopm_shmem_path_prof("status", 1234, 5678, 8, path));
    if (argc > 2 && strcmp(argv[2], "create") == 0) {
        print_error("create_prof", geopm_shmem_create_prof("status", 64, 1234, 5678, 5678));
    }
    return 0;
}
