/*
 * The application's cost of the profiling calls (geopm_prof.h), in ns per
 * call, best of REPEATS rounds of CALLS calls each; one line of JSON.
 * Baseline: geopm_prof_overhead(), a call into the same library that does
 * nothing. tprof_post is timed on 1 and 2 threads posting at once.
 * Build: gcc -O2 prof_calls.c -I<include> -L<lib> -lgeopm -lgeopmd -pthread
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "geopm_hint.h"
#include "geopm_prof.h"

static long g_calls = 1000000;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void *post_many(void *unused)
{
    (void)unused;
    for (long idx = 0; idx < g_calls; ++idx) {
        geopm_tprof_post();
    }
    return NULL;
}

/* ns per call of the posts on num_thread threads at once (per thread). */
static double time_posts(int num_thread)
{
    pthread_t threads[2];
    double start = now();
    for (int idx = 0; idx < num_thread; ++idx) {
        pthread_create(&threads[idx], NULL, post_many, NULL);
    }
    for (int idx = 0; idx < num_thread; ++idx) {
        pthread_join(threads[idx], NULL);
    }
    return (now() - start) / g_calls * 1e9;
}

static double best(double a, double b)
{
    return a < b ? a : b;
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 5;
    g_calls = argc > 2 ? atol(argv[2]) : 1000000;
    uint64_t region_id = 0;
    double start = now();
    geopm_prof_region("bench_first", GEOPM_REGION_HINT_COMPUTE, &region_id);
    double first_region = (now() - start) * 1e9;
    geopm_prof_region("bench", GEOPM_REGION_HINT_COMPUTE, &region_id);
    double empty = 1e30, pair = 1e30, epoch = 1e30, post1 = 1e30, post2 = 1e30;
    for (int round = 0; round < repeats; ++round) {
        start = now();
        for (long idx = 0; idx < g_calls; ++idx) {
            geopm_prof_overhead(0.0);
        }
        empty = best(empty, (now() - start) / g_calls * 1e9);
        start = now();
        for (long idx = 0; idx < g_calls; ++idx) {
            geopm_prof_enter(region_id);
            geopm_prof_exit(region_id);
        }
        pair = best(pair, (now() - start) / g_calls * 1e9);
        start = now();
        for (long idx = 0; idx < g_calls; ++idx) {
            geopm_prof_epoch();
        }
        epoch = best(epoch, (now() - start) / g_calls * 1e9);
        geopm_prof_enter(region_id);
        geopm_tprof_init(2 * g_calls);
        post1 = best(post1, time_posts(1));
        post2 = best(post2, time_posts(2));
        geopm_prof_exit(region_id);
    }
    printf("{\"empty\": %.2f, \"enter_exit\": %.2f, \"epoch\": %.2f, \"tprof_post_1\": %.2f, "
           "\"tprof_post_2\": %.2f, \"first_region\": %.0f}\n",
           empty, pair, epoch, post1, post2, first_region);
    return 0;
}
