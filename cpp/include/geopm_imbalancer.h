/*
 * An artificial load imbalance for tests: a region bracketed by
 * geopm_imbalancer_enter() and geopm_imbalancer_exit() is made longer by a
 * fraction of its own duration (exit spins). The fraction is set with
 * geopm_imbalancer_frac(), or per host by the file IMBALANCER_CONFIG names
 * (lines "hostname fraction"); it is 0 (no delay) by default.
 */
#ifndef GEOPM_IMBALANCER_H_INCLUDE
#define GEOPM_IMBALANCER_H_INCLUDE

#include "geopm_public.h"

#ifdef __cplusplus
extern "C"
{
#endif

    /* Delay each region by frac times its duration; frac >= 0. */
    int GEOPM_PUBLIC
        geopm_imbalancer_frac(double frac);
    /* Mark the start of the region. */
    int GEOPM_PUBLIC
        geopm_imbalancer_enter(void);
    /* Spin until the region, since geopm_imbalancer_enter(), has lasted
     * (1 + frac) times what it lasted up to this call. */
    int GEOPM_PUBLIC
        geopm_imbalancer_exit(void);

#ifdef __cplusplus
}
#endif
#endif
