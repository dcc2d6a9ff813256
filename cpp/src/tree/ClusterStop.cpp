#include "ClusterStop.hpp"

#include "geopm_bridge/ClusterComm.hpp"

#include "ClusterTags.hpp"

namespace geopm_bridge
{
    void send_stop_notice(ClusterComm &comm, const std::string &failure)
    {
        for (int rank = 0; rank < comm.num_rank(); ++rank) {
            if (rank != comm.rank()) {
                comm.send(rank, M_TAG_STOP, failure.data(), failure.size());
            }
        }
    }

    bool receive_stop_notice(ClusterComm &comm, std::string &failure)
    {
        int source = -1;
        return comm.receive(M_TAG_STOP, source, failure);
    }
}
