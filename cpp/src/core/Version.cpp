// The GEOPM interface version we implement, and the plugin ABI version.
#include "geopm_version.h"

namespace
{
    const char GEOPM_COMPATIBLE_VERSION[] = "3.1.0";
}

extern "C"
{
    const char *geopm_version(void)
    {
        return GEOPM_COMPATIBLE_VERSION;
    }
}

namespace geopm
{
    std::string version(void)
    {
        return GEOPM_COMPATIBLE_VERSION;
    }

    std::vector<int> shared_object_version(void)
    {
        // GEOPM 3.1 libraries are libgeopm*.so.2.1.0: plugins must be
        // built for major 2 and a minor no newer than 1.
        return {2, 1, 0};
    }
}
