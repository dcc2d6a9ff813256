/*
 * Hardware domains and the C view of the platform topology.
 */
#ifndef GEOPM_TOPO_H_INCLUDE
#define GEOPM_TOPO_H_INCLUDE

#include <stddef.h>

#include "geopm_public.h"

#ifdef __cplusplus
extern "C" {
#endif

enum geopm_domain_e {
    GEOPM_DOMAIN_INVALID = -1,
    GEOPM_DOMAIN_BOARD = 0,
    GEOPM_DOMAIN_PACKAGE = 1,
    GEOPM_DOMAIN_CORE = 2,
    GEOPM_DOMAIN_CPU = 3,
    GEOPM_DOMAIN_MEMORY = 4,
    GEOPM_DOMAIN_PACKAGE_INTEGRATED_MEMORY = 5,
    GEOPM_DOMAIN_NIC = 6,
    GEOPM_DOMAIN_PACKAGE_INTEGRATED_NIC = 7,
    GEOPM_DOMAIN_GPU = 8,
    GEOPM_DOMAIN_PACKAGE_INTEGRATED_GPU = 9,
    GEOPM_DOMAIN_GPU_CHIP = 10,
    GEOPM_NUM_DOMAIN = 11,
};

/* Each function returns a negative GEOPM_ERROR_* code on failure. */

/* Number of domains of the given type on this node. */
int GEOPM_PUBLIC
    geopm_topo_num_domain(int domain_type);

/* Index of the domain of the given type that holds the Linux CPU cpu_idx. */
int GEOPM_PUBLIC
    geopm_topo_domain_idx(int domain_type, int cpu_idx);

/* How many inner domains one outer domain holds. */
int GEOPM_PUBLIC
    geopm_topo_num_domain_nested(int inner_domain, int outer_domain);

/* Fill domain_nested with the inner domain indices inside outer_idx;
 * num_domain_nested must equal geopm_topo_num_domain_nested(). */
int GEOPM_PUBLIC
    geopm_topo_domain_nested(int inner_domain, int outer_domain, int outer_idx,
                             size_t num_domain_nested, int *domain_nested);

/* Name of a domain type ("board", "package", ...). */
int GEOPM_PUBLIC
    geopm_topo_domain_name(int domain_type, size_t domain_name_max, char *domain_name);

/* Domain type for a name, or GEOPM_ERROR_INVALID. */
int GEOPM_PUBLIC
    geopm_topo_domain_type(const char *domain_name);

/* GEOPM writes a topology cache file here; the embedded runtime has none,
 * so this only checks that the topology can be read. */
int GEOPM_PUBLIC
    geopm_topo_create_cache(void);

#ifdef __cplusplus
}
#endif
#endif
