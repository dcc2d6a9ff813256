/*
 * A property an IOGroup may declare: its read_batch() and write_batch() do
 * nothing until a signal or control of it is pushed. PlatformIO then calls
 * them only for such IOGroups once they have a push, and never otherwise;
 * the hot loop of a node with many IOGroups walks only those in use.
 * IOGroups that do not declare it (any GEOPM plugin) are called every batch,
 * as GEOPM does.
 */
#ifndef GEOPM_BRIDGE_BATCHONPUSH_HPP_INCLUDE
#define GEOPM_BRIDGE_BATCHONPUSH_HPP_INCLUDE

#include "geopm_public.h"

namespace geopm_bridge
{
    /// Inherit beside geopm::IOGroup to declare the property; it has no
    /// members (geopm::IOGroup stays GEOPM 3.1's interface).
    class GEOPM_PUBLIC BatchOnPush
    {
        public:
            virtual ~BatchOnPush() = default;
    };
}

#endif
