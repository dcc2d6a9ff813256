// geopm::ServiceProxy: declared for source compatibility; there is no
// geopm service to talk to in the embedded runtime.
#include "geopm/ServiceProxy.hpp"

#include "geopm/Exception.hpp"

namespace geopm
{
    std::unique_ptr<ServiceProxy> ServiceProxy::make_unique(void)
    {
        throw Exception("ServiceProxy::make_unique(): the geopm service (geopmd) is not part of "
                        "the embedded runtime",
                        GEOPM_ERROR_NOT_IMPLEMENTED, __FILE__, __LINE__);
    }
}
