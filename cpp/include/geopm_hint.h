/*
 * Region hints an application may attach to a region (values as GEOPM).
 */
#ifndef GEOPM_HINT_H_INCLUDE
#define GEOPM_HINT_H_INCLUDE

#include <stdint.h>

#include "geopm_public.h"

#ifdef __cplusplus
extern "C" {
#endif

enum geopm_region_hint_e {
    GEOPM_REGION_HINT_UNSET = 0ULL,
    GEOPM_REGION_HINT_UNKNOWN,
    GEOPM_REGION_HINT_COMPUTE,
    GEOPM_REGION_HINT_MEMORY,
    GEOPM_REGION_HINT_NETWORK,
    GEOPM_REGION_HINT_IO,
    GEOPM_REGION_HINT_SERIAL,
    GEOPM_REGION_HINT_PARALLEL,
    GEOPM_REGION_HINT_IGNORE,
    GEOPM_REGION_HINT_INACTIVE,
    GEOPM_REGION_HINT_SPIN,
    GEOPM_NUM_REGION_HINT,
};

#ifdef __cplusplus
}

namespace geopm {
    /// Throw GEOPM_ERROR_INVALID unless hint is a geopm_region_hint_e value.
    void GEOPM_PUBLIC
        check_hint(uint64_t hint);
}
#endif

#endif
