/*
 * Loading the transport of a job that spans processes. The MPI transport
 * is a plugin, libgeopmcomm_mpi.so, installed next to the runtime library
 * and loaded only when the process was started by an MPI launcher, so
 * that the runtime itself never needs MPI.
 */
#ifndef GEOPM_BRIDGE_TRANSPORTLOADER_HPP_INCLUDE
#define GEOPM_BRIDGE_TRANSPORTLOADER_HPP_INCLUDE

#include <memory>

namespace geopm_bridge
{
    class ClusterComm;

    /// Load libgeopmcomm_mpi.so from the runtime library's directory and
    /// initialize MPI. Throws geopm::Exception saying why when the plugin
    /// is missing (a build without MPI) or fails.
    std::unique_ptr<ClusterComm> make_mpi_cluster_comm(void);
}

#endif
