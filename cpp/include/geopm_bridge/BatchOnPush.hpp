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
    /// Inherit beside geopm::IOGroup to declare the property
    /// (geopm::IOGroup stays GEOPM 3.1's interface). Empty and without a
    /// vtable, so it adds nothing to the IOGroup's layout; PlatformIO finds
    /// it with a dynamic_cast from the (polymorphic) IOGroup.
    class GEOPM_PUBLIC BatchOnPush
    {
        protected:
            ~BatchOnPush() = default;
    };
}

#endif
