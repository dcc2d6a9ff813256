/*
 * Version of the GEOPM interface this runtime implements.
 */
#ifndef GEOPM_VERSION_H_INCLUDE
#define GEOPM_VERSION_H_INCLUDE

#include "geopm_public.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The GEOPM version we are compatible with ("3.1.0"). */
const char GEOPM_PUBLIC *
    geopm_version(void);

#ifdef __cplusplus
}

#include <string>
#include <vector>

namespace geopm {
    /// Same string as geopm_version().
    std::string GEOPM_PUBLIC
        version(void);
    /// Plugin ABI version {major, minor, revision} that plugins must match.
    std::vector<int> GEOPM_PUBLIC
        shared_object_version(void);
}

#endif
#endif
