#include "TransportLoader.hpp"

#include <dlfcn.h>

#include <string>

#include "geopm/Exception.hpp"
#include "geopm_bridge/ClusterComm.hpp"

#include "Launcher.hpp"

namespace geopm_bridge
{
    namespace
    {
        constexpr const char *M_MPI_PLUGIN = "libgeopmcomm_mpi.so";

        std::string runtime_directory(void)
        {
            Dl_info info = {};
            if (dladdr((void *)&make_mpi_cluster_comm, &info) == 0 || info.dli_fname == nullptr) {
                return "";
            }
            std::string path = info.dli_fname;
            size_t slash = path.rfind('/');
            return slash == std::string::npos ? "." : path.substr(0, slash);
        }
    }

    std::unique_ptr<ClusterComm> make_mpi_cluster_comm(void)
    {
        std::string path = runtime_directory() + "/" + M_MPI_PLUGIN;
        // RTLD_GLOBAL: MPI libraries load their own components, which
        // expect to find the MPI symbols in the global scope.
        void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
        if (handle == nullptr) {
            throw geopm::Exception("this process was started by an MPI launcher with " +
                                   std::to_string(launcher_num_rank()) +
                                   " ranks, but the MPI transport cannot be loaded (" + dlerror() +
                                   "): geopm-bridge was built without MPI, or its MPI library is "
                                   "missing. Rebuild it where CMake finds MPI (e.g. Debian's "
                                   "libopenmpi-dev), or set GEOPM_CTL_LOCAL=true to run one "
                                   "independent controller per rank",
                                   GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        // The plugin stays loaded: MPI cannot be initialized twice anyway.
        auto make = (make_cluster_comm_t)dlsym(handle, M_MAKE_CLUSTER_COMM_SYMBOL);
        if (make == nullptr) {
            throw geopm::Exception(path + " has no " + M_MAKE_CLUSTER_COMM_SYMBOL + "()",
                                   GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        return std::unique_ptr<ClusterComm>(make());
    }
}
