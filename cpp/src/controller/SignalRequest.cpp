#include "SignalRequest.hpp"

#include "geopm/Exception.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_topo.h"

namespace geopm_bridge
{
    std::vector<SignalRequest> parse_signal_requests(const std::vector<std::string> &requests,
                                                     const std::set<std::string> &valid_names,
                                                     const std::string &variable)
    {
        std::vector<SignalRequest> result;
        for (const auto &request : requests) {
            size_t at_pos = request.find('@');
            std::string name = request.substr(0, at_pos);
            int domain_type = GEOPM_DOMAIN_BOARD;
            if (at_pos != std::string::npos) {
                std::string domain = request.substr(at_pos + 1);
                if (domain.find('@') != std::string::npos) {
                    throw geopm::Exception(variable + ": \"" + request + "\" has more than one '@'",
                                           GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                }
                try {
                    domain_type = geopm::PlatformTopo::domain_name_to_type(domain);
                }
                catch (const geopm::Exception &) {
                    throw geopm::Exception(variable + ": unknown domain \"" + domain + "\" in \"" +
                                           request + "\"", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                }
            }
            if (valid_names.count(name) == 0) {
                throw geopm::Exception(variable + ": unknown signal \"" + name + "\"",
                                       GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            result.push_back({name, domain_type});
        }
        return result;
    }
}
