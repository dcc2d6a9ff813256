#include "NotProvided.hpp"

#include "geopm/Exception.hpp"

namespace geopm_bridge
{
    void not_provided(const std::string &func, const std::string &why)
    {
        throw geopm::Exception(func + "(): not implemented in geopm-bridge: " + why,
                               GEOPM_ERROR_NOT_IMPLEMENTED, __FILE__, __LINE__);
    }
}
