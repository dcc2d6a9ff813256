/*
 * The hardware domains of one node and how they nest (board > package >
 * core > cpu).
 */
#ifndef PLATFORMTOPO_HPP_INCLUDE
#define PLATFORMTOPO_HPP_INCLUDE

#include <map>
#include <set>
#include <string>
#include <vector>

#include "geopm_public.h"
#include "geopm_topo.h"

extern "C"
{
    /// CPUID family/model signature of this processor (0 when unknown).
    int GEOPM_PUBLIC
        geopm_read_cpuid(void);
}

namespace geopm
{
    class GEOPM_PUBLIC PlatformTopo
    {
        public:
            PlatformTopo() = default;
            virtual ~PlatformTopo() = default;
            /// How many domains of this type the node has (0 if none).
            virtual int num_domain(int domain_type) const = 0;
            /// Index of the domain of domain_type holding Linux CPU cpu_idx.
            virtual int domain_idx(int domain_type,
                                   int cpu_idx) const = 0;
            /// True when every inner domain lies within one outer domain
            /// (a domain is nested in itself; everything is in the board).
            virtual bool is_nested_domain(int inner_domain, int outer_domain) const = 0;
            /// Indices of the inner domains inside outer domain outer_idx.
            virtual std::set<int> domain_nested(int inner_domain, int outer_domain, int outer_idx) const = 0;
            /// "board", "package", ...; throws GEOPM_ERROR_INVALID otherwise.
            static std::string domain_type_to_name(int domain_type);
            /// Inverse of domain_type_to_name().
            static int domain_name_to_type(const std::string &domain_name);
            /// GEOPM writes a cache file here; the embedded runtime reads
            /// sysfs directly, so this only builds the topology once.
            static void create_cache(void);
        private:
            static std::vector<std::string> domain_names(void);
            static std::map<std::string, int> domain_types(void);
    };

    /// The topology of the current node (see geopm_bridge::current_node()).
    const PlatformTopo GEOPM_PUBLIC &
        platform_topo(void);
}
#endif
