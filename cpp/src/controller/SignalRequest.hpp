/*
 * Extra signals a user asks for in the report and the trace
 * (GEOPM_REPORT_SIGNALS, GEOPM_TRACE_SIGNALS): "NAME" for the board, or
 * "NAME@domain" for every index of that domain, as in GEOPM.
 */
#ifndef GEOPM_BRIDGE_SIGNALREQUEST_HPP_INCLUDE
#define GEOPM_BRIDGE_SIGNALREQUEST_HPP_INCLUDE

#include <set>
#include <string>
#include <vector>

namespace geopm_bridge
{
    struct SignalRequest
    {
        std::string name;
        int domain_type;
    };

    /// Throws geopm::Exception naming variable and the bad entry when a
    /// name is not in valid_names or the domain is unknown.
    std::vector<SignalRequest> parse_signal_requests(const std::vector<std::string> &requests,
                                                     const std::set<std::string> &valid_names,
                                                     const std::string &variable);
}

#endif
