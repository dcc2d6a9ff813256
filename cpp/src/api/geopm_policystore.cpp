// geopm_policystore.h: declared only.
#include "geopm_policystore.h"

#include "NotProvided.hpp"
#include "platform/CApiGuard.hpp"

namespace
{
    int policystore_call(const char *func)
    {
        return geopm_bridge::guarded([&]() -> int {
            geopm_bridge::not_provided(
                func, "GEOPM's policy store is a SQLite database of the best policy per agent "
                      "and profile, and geopm-bridge would need SQLite and that schema to read "
                      "it; give policies in a GEOPM_POLICY file or send them through the "
                      "endpoint (geopm_endpoint.h) instead");
        });
    }
}

extern "C"
{
    int geopm_policystore_connect(const char *)
    {
        return policystore_call(__func__);
    }

    int geopm_policystore_disconnect()
    {
        return policystore_call(__func__);
    }

    int geopm_policystore_get_best(const char *, const char *, size_t, double *)
    {
        return policystore_call(__func__);
    }

    int geopm_policystore_set_best(const char *, const char *, size_t, const double *)
    {
        return policystore_call(__func__);
    }

    int geopm_policystore_set_default(const char *, size_t, const double *)
    {
        return policystore_call(__func__);
    }
}
