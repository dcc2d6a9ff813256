#include "Launcher.hpp"

#include <cstdlib>
#include <initializer_list>

namespace geopm_bridge
{
    int launcher_num_rank(void)
    {
        for (const char *name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
            const char *value = getenv(name);
            if (value != nullptr && *value != '\0') {
                return atoi(value);
            }
        }
        return 0;
    }
}
