/*
 * The CPUs of this machine and of a process, from Linux.
 */
#ifndef GEOPM_SCHED_H_INCLUDE
#define GEOPM_SCHED_H_INCLUDE

#include <stdio.h>

#include "geopm_public.h"

#ifdef __cplusplus
extern "C"
{
#endif

/* cpu_set_t and the CPU_*_S macros need the GNU extensions of sched.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sched.h>

/* The number of CPUs the operating system configured (online or not). */
int GEOPM_PUBLIC
    geopm_sched_num_cpu(void);

/* The CPU the calling thread runs on now, or -1. */
int GEOPM_PUBLIC
    geopm_sched_get_cpu(void);

/* The CPUs this process may run on (its Cpus_allowed in
 * /proc/<pid>/status) into proc_cpuset, a set of num_cpu CPUs
 * (CPU_ALLOC(num_cpu)); bits at or past geopm_sched_num_cpu() are left
 * clear. Returns 0, or GEOPM_ERROR_INVALID when a set of num_cpu CPUs is
 * smaller than one of geopm_sched_num_cpu() CPUs. */
int GEOPM_PUBLIC
    geopm_sched_proc_cpuset(int num_cpu, cpu_set_t *proc_cpuset);

/* The CPUs the process pid may run on into cpuset (num_cpu CPUs). Returns
 * 0, or an error (the errno of reading /proc/<pid>/status, or a negative
 * GEOPM_ERROR_* code), cpuset then holding all num_cpu CPUs. */
int GEOPM_PUBLIC
    geopm_sched_proc_cpuset_pid(int pid, int num_cpu, cpu_set_t *cpuset);

/* The CPUs of this process that its OpenMP threads leave free ("without
 * OpenMP"), for a helper thread to run on. The embedded runtime, like a
 * GEOPM built without OpenMP, does not start an OpenMP team: this is the
 * set of geopm_sched_proc_cpuset(). An empty result becomes every CPU.
 * Returns 0 or an error code (woomp then holding every CPU). */
int GEOPM_PUBLIC
    geopm_sched_woomp(int num_cpu, cpu_set_t *woomp);

#ifdef __cplusplus
}
#endif

#endif
