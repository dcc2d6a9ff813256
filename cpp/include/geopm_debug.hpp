/*
 * Assertions that only cost anything in GEOPM_DEBUG builds.
 */
#ifndef GEOPM_DEBUG_HPP_INCLUDE
#define GEOPM_DEBUG_HPP_INCLUDE

#include "geopm/Exception.hpp"
#include "geopm_public.h"

#ifdef GEOPM_DEBUG
#define GEOPM_DEBUG_ASSERT(condition, fail_message)                             \
    if (!(condition)) {                                                         \
        throw geopm::Exception(std::string(__func__) + ": " + (fail_message),   \
                               GEOPM_ERROR_LOGIC, __FILE__, __LINE__);          \
    }
#else
#define GEOPM_DEBUG_ASSERT(condition, fail_message)
#endif

#endif
