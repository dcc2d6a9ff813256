/*
 * The GEOPM interfaces geopm-bridge declares but does not provide: their
 * calls fail with GEOPM_ERROR_NOT_IMPLEMENTED and a message saying what
 * they would need.
 */
#ifndef GEOPM_BRIDGE_NOTPROVIDED_HPP_INCLUDE
#define GEOPM_BRIDGE_NOTPROVIDED_HPP_INCLUDE

#include <string>

namespace geopm_bridge
{
    /// Throws GEOPM_ERROR_NOT_IMPLEMENTED: "<func>(): not implemented in
    /// geopm-bridge: <why>".
    [[noreturn]] void not_provided(const std::string &func, const std::string &why);
}

#endif
