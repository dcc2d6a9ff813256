/*
 * Region hashes: the CRC-32 (zlib's polynomial) of the region name, as GEOPM
 * computes them.
 */
#ifndef GEOPM_HASH_H_INCLUDE
#define GEOPM_HASH_H_INCLUDE

#include <stdint.h>
#include <string.h>

#include "geopm_public.h"

#ifdef __cplusplus
#include <string>

extern "C"
{
#endif

enum geopm_region_hash_e {
    GEOPM_REGION_HASH_INVALID = 0x0ULL,
    GEOPM_REGION_HASH_UNMARKED = 0x725e8066ULL,
    /* Makes the enum 64 bits wide. */
    GEOPM_U64_SENTINEL_REGION_HASH = UINT64_MAX,
};

enum geopm_region_hash_epoch_e {
    GEOPM_REGION_HASH_EPOCH = 0x66c91423ULL,
    GEOPM_REGION_HASH_APP = 0x9d540c53ULL,
};

/* CRC-32 of the low 4 bytes of key continuing from the CRC begin
 * (zlib's crc32(begin, &key32, 4)). */
uint64_t GEOPM_PUBLIC
    geopm_crc32_u64(uint64_t begin, uint64_t key);

/* CRC-32 of a NUL-terminated string, as a 64-bit region hash. */
uint64_t GEOPM_PUBLIC
    geopm_crc32_str(const char *key);

#ifdef __cplusplus
}

namespace geopm
{
    /// Region hash of a name (geopm_crc32_str).
    uint64_t GEOPM_PUBLIC
        hash(const std::string &key);
}

#endif

#endif
