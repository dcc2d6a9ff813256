/*
 * Whether this process is one rank of a job started by an MPI launcher
 * (mpirun, srun), told by the variables the launcher sets: the only way
 * to know before loading MPI, which the runtime itself never links.
 */
#ifndef GEOPM_BRIDGE_LAUNCHER_HPP_INCLUDE
#define GEOPM_BRIDGE_LAUNCHER_HPP_INCLUDE

namespace geopm_bridge
{
    /// Number of ranks of the MPI job this process was started in, from
    /// the launcher's environment (OMPI_COMM_WORLD_SIZE, PMI_SIZE); 0 when
    /// it was not started by an MPI launcher.
    int launcher_num_rank(void);
}

#endif
