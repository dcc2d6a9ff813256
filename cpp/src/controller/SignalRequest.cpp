#include "SignalRequest.hpp"

#include <set>

#include "geopm/Exception.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_topo.h"

namespace geopm_bridge
{
    std::vector<SignalRequest> parse_signal_requests(const std::vector<std::string> &requests,
                                                     const geopm::PlatformIO &platform_io,
                                                     const geopm::PlatformTopo &platform_topo,
                                                     const std::string &variable)
    {
        const std::set<std::string> valid_names = platform_io.signal_names();
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
            if (platform_topo.num_domain(domain_type) == 0) {
                throw geopm::Exception(variable + ": \"" + request + "\": this platform has no " +
                                       geopm::PlatformTopo::domain_type_to_name(domain_type) +
                                       " domain", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            int native = platform_io.signal_domain_type(name);
            if (!platform_topo.is_nested_domain(native, domain_type)) {
                throw geopm::Exception(variable + ": \"" + request + "\": " + name +
                                       " is measured per " +
                                       geopm::PlatformTopo::domain_type_to_name(native) +
                                       ", not per " +
                                       geopm::PlatformTopo::domain_type_to_name(domain_type),
                                       GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            result.push_back({name, domain_type});
        }
        return result;
    }
}
