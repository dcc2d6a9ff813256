/*
 * The C interfaces (geopm_pio_*, geopm_topo_*) return error codes: no C++
 * exception may cross them.
 */
#ifndef GEOPM_BRIDGE_CAPIGUARD_HPP_INCLUDE
#define GEOPM_BRIDGE_CAPIGUARD_HPP_INCLUDE

#include <exception>

#include "geopm/Exception.hpp"

namespace geopm_bridge
{
    /// Runs body, turning any exception into GEOPM's negative error code.
    template <class Body>
    int guarded(Body body)
    {
        try {
            return body();
        }
        catch (...) {
            return geopm::exception_handler(std::current_exception());
        }
    }
}

#endif
