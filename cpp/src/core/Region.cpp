// Region hashes and hints.
#include "geopm_hash.h"
#include "geopm_hint.h"

#include <string.h>

#include "geopm/Exception.hpp"

namespace
{
    // Bitwise CRC-32 (reflected polynomial 0xEDB88320), bit-compatible with
    // zlib's crc32(); region names are short, so no table is needed.
    uint32_t crc32_update(uint32_t crc, const unsigned char *data, size_t size)
    {
        crc = ~crc;
        for (size_t idx = 0; idx < size; ++idx) {
            crc ^= data[idx];
            for (int bit = 0; bit < 8; ++bit) {
                crc = (crc >> 1) ^ (0xEDB88320U & (0U - (crc & 1U)));
            }
        }
        return ~crc;
    }
}

extern "C"
{
    uint64_t geopm_crc32_u64(uint64_t begin, uint64_t key)
    {
        uint32_t key32 = static_cast<uint32_t>(key);
        return crc32_update(static_cast<uint32_t>(begin),
                            reinterpret_cast<const unsigned char *>(&key32), sizeof(key32));
    }

    uint64_t geopm_crc32_str(const char *key)
    {
        return crc32_update(0, reinterpret_cast<const unsigned char *>(key), strlen(key));
    }
}

namespace geopm
{
    uint64_t hash(const std::string &key)
    {
        return crc32_update(0, reinterpret_cast<const unsigned char *>(key.data()), key.size());
    }

    void check_hint(uint64_t hint)
    {
        if (hint >= GEOPM_NUM_REGION_HINT) {
            throw Exception("check_hint(): invalid region hint: " + std::to_string(hint),
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }
}
