// C interface to the current node's topology (geopm_topo.h) and
// geopm_read_cpuid().
#include "geopm_topo.h"

#include <string.h>

#include <fstream>
#include <sstream>

#include "geopm/Exception.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_bridge/NodeContext.hpp"

#include "CApiGuard.hpp"

namespace
{
    using geopm_bridge::guarded;

    // cpuinfo "cpu family" and "model" of the first processor, combined as
    // GEOPM's CPUID signature (family << 8) + model; 0 when unknown.
    int cpuinfo_signature(void)
    {
        std::string root = geopm_bridge::current_node().option("sysfs_root", "/");
        std::ifstream input((root == "/" ? std::string() : root) + "/proc/cpuinfo");
        std::string line;
        int family = -1;
        int model = -1;
        while (std::getline(input, line) && (family < 0 || model < 0)) {
            size_t colon = line.find(':');
            if (colon == std::string::npos) {
                continue;
            }
            std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
            std::istringstream value(line.substr(colon + 1));
            if (key == "cpu family") {
                value >> family;
            }
            else if (key == "model") {
                value >> model;
            }
        }
        return (family < 0 || model < 0) ? 0 : (family << 8) + model;
    }
}

extern "C"
{
    int geopm_read_cpuid(void)
    {
        static const int signature = cpuinfo_signature();
        return signature;
    }

    int geopm_topo_num_domain(int domain_type)
    {
        return guarded([&]() { return geopm::platform_topo().num_domain(domain_type); });
    }

    int geopm_topo_domain_idx(int domain_type, int cpu_idx)
    {
        return guarded([&]() { return geopm::platform_topo().domain_idx(domain_type, cpu_idx); });
    }

    int geopm_topo_num_domain_nested(int inner_domain, int outer_domain)
    {
        return guarded([&]() {
            const geopm::PlatformTopo &topo = geopm::platform_topo();
            if (!topo.is_nested_domain(inner_domain, outer_domain)) {
                return static_cast<int>(GEOPM_ERROR_INVALID);
            }
            int num_outer = topo.num_domain(outer_domain);
            return num_outer == 0 ? 0 : topo.num_domain(inner_domain) / num_outer;
        });
    }

    int geopm_topo_domain_nested(int inner_domain, int outer_domain, int outer_idx,
                                 size_t num_domain_nested, int *domain_nested)
    {
        return guarded([&]() {
            auto nested = geopm::platform_topo().domain_nested(inner_domain, outer_domain, outer_idx);
            if (nested.size() != num_domain_nested) {
                return static_cast<int>(GEOPM_ERROR_INVALID);
            }
            std::copy(nested.begin(), nested.end(), domain_nested);
            return 0;
        });
    }

    int geopm_topo_domain_name(int domain_type, size_t domain_name_max, char *domain_name)
    {
        return guarded([&]() {
            std::string name = geopm::PlatformTopo::domain_type_to_name(domain_type);
            if (domain_name_max == 0 || name.size() >= domain_name_max) {
                return static_cast<int>(GEOPM_ERROR_INVALID);
            }
            strncpy(domain_name, name.c_str(), domain_name_max);
            return 0;
        });
    }

    int geopm_topo_domain_type(const char *domain_name)
    {
        return guarded([&]() { return geopm::PlatformTopo::domain_name_to_type(domain_name); });
    }

    int geopm_topo_create_cache(void)
    {
        return guarded([&]() {
            geopm::PlatformTopo::create_cache();
            return 0;
        });
    }
}
