/*
 * Signals are doubles; some carry 64-bit integer fields bit for bit.
 * These convert between the two without changing the bits.
 */
#ifndef GEOPM_FIELD_H_INCLUDE
#define GEOPM_FIELD_H_INCLUDE

#include <stdint.h>
#include <string.h>

#include "geopm_public.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline uint64_t geopm_signal_to_field(double signal)
{
    uint64_t field;
    memcpy(&field, &signal, sizeof(field));
    return field;
}

static inline double geopm_field_to_signal(uint64_t field)
{
    double signal;
    memcpy(&signal, &field, sizeof(signal));
    return signal;
}

#ifdef __cplusplus
}
#endif
#endif
