/*
 * Extra signals a user asks for in the report and the trace
 * (GEOPM_REPORT_SIGNALS, GEOPM_TRACE_SIGNALS): "NAME" for the board, or
 * "NAME@domain" for every index of that domain, as in GEOPM.
 */
#ifndef GEOPM_BRIDGE_SIGNALREQUEST_HPP_INCLUDE
#define GEOPM_BRIDGE_SIGNALREQUEST_HPP_INCLUDE

#include <string>
#include <vector>

namespace geopm
{
    class PlatformIO;
    class PlatformTopo;
}

namespace geopm_bridge
{
    struct SignalRequest
    {
        std::string name;
        int domain_type;
    };

    /// Throws geopm::Exception naming variable and the bad entry when a
    /// name is not one of platform_io's signals, the domain is unknown,
    /// this platform has none of that domain (CPU_POWER@gpu without GPUs)
    /// or the signal is measured per a larger domain.
    std::vector<SignalRequest> parse_signal_requests(const std::vector<std::string> &requests,
                                                     const geopm::PlatformIO &platform_io,
                                                     const geopm::PlatformTopo &platform_topo,
                                                     const std::string &variable);
}

#endif
