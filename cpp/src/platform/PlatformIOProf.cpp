#include "geopm/PlatformIOProf.hpp"

#include "geopm/PlatformIO.hpp"

namespace geopm
{
    // The embedded runtime has no application profiling IOGroups to attach.
    PlatformIO &PlatformIOProf::platform_io(void)
    {
        return geopm::platform_io();
    }
}
