/*
 * The gathering of a cluster job's report at the end of the job, the way
 * GEOPM's Reporter gathers the hosts' sections to the root: every rank but
 * 0 sends rank 0 its status and its report section, then waits until rank
 * 0 has written the report (an MPI launcher tears the job down as soon as
 * ranks exit). Ranks still running keep sending tree messages: while
 * waiting, both sides drop them. A stop signal means the job is being torn
 * down (mpirun signals every rank when one dies), so after one the waits
 * last a short grace only. The controller loop knows none of this protocol.
 */
#ifndef GEOPM_BRIDGE_CLUSTERREPORT_HPP_INCLUDE
#define GEOPM_BRIDGE_CLUSTERREPORT_HPP_INCLUDE

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace geopm_bridge
{
    class ClusterComm;

    class ClusterReport
    {
        public:
            ClusterReport() = default;
            virtual ~ClusterReport() = default;
            /// Any rank but 0: send status and section to rank 0, then
            /// wait until rank 0 has written the report (or the grace
            /// after a stop signal ran out). Neither text holds a NUL.
            virtual void send(const std::string &status, const std::string &section) = 0;
            /// Rank 0: the sections of ranks 1..N-1 in rank order ("" for
            /// a rank that sent none). status holds rank 0's own; when it
            /// is empty it takes the first status another rank sent. The
            /// ranks that sent nothing before the grace ran out are named
            /// in missing, which is added to status too.
            virtual std::vector<std::string> gather(std::string &status, std::string &missing) = 0;
            /// Rank 0, once the report is written: the other ranks may
            /// exit. Every rank is told even if telling one fails; the
            /// first failure is thrown at the end.
            virtual void release(void) = 0;
            /// is_stopping: true once a stop signal came. root_level: the
            /// tree's depth (the levels whose messages are dropped).
            /// host_names: every rank's, to name the missing ones. comm
            /// must outlive the result.
            static std::unique_ptr<ClusterReport> make_unique(ClusterComm &comm,
                                                              std::function<bool(void)> is_stopping,
                                                              int root_level,
                                                              const std::vector<std::string> &host_names);
    };
}

#endif
