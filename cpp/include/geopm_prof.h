/*
 * Application profiling, as GEOPM 3.1 declares it: an application names
 * its regions, marks their entries and exits and its epochs (one iteration
 * of its outer loop), and reports the progress of its threads, so that the
 * controller and its agents see what the application is doing.
 *
 * Every function returns 0, or a GEOPM_ERROR_* code (geopm_error.h) for a
 * bad argument. With no controller (the process was not started by
 * geopm-bridge launch, or GEOPM_PROGRAM_FILTER leaves it out) every call is
 * a cheap no-op that returns 0 and gives region id 0.
 */
#ifndef GEOPM_PROF_H_INCLUDE
#define GEOPM_PROF_H_INCLUDE

#include <stddef.h>
#include <stdint.h>

#include "geopm_public.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The id of the region named region_name with a geopm_region_hint_e hint:
   the CRC-32 of the name (geopm_crc32_str()) in the low 32 bits, the hint
   above. */
int GEOPM_PUBLIC
    geopm_prof_region(const char *region_name, uint64_t hint, uint64_t *region_id);

/* The application enters a region (nested entries change only the hint). */
int GEOPM_PUBLIC
    geopm_prof_enter(uint64_t region_id);

/* The application leaves the region it entered last. */
int GEOPM_PUBLIC
    geopm_prof_exit(uint64_t region_id);

/* One iteration of the application's outer loop begins. */
int GEOPM_PUBLIC
    geopm_prof_epoch(void);

/* The application is done profiling (also done at its exit). */
int GEOPM_PUBLIC
    geopm_prof_shutdown(void);

/* The current region holds num_work_unit units of work... */
int GEOPM_PUBLIC
    geopm_tprof_init(uint32_t num_work_unit);

/* ...of which the calling thread finished one. */
int GEOPM_PUBLIC
    geopm_tprof_post(void);

/* Time the application spent in profiling itself, in seconds. */
int GEOPM_PUBLIC
    geopm_prof_overhead(double overhead_sec);

#ifdef __cplusplus
}
#endif

#endif
