#include "ClusterReport.hpp"

#include <time.h>

#include <exception>
#include <utility>

#include "geopm_bridge/ClusterComm.hpp"
#include "geopm_time.h"

#include "ClusterTags.hpp"

namespace geopm_bridge
{
    namespace
    {
        // After a signal, how long rank 0 still waits for the other ranks'
        // reports (mpirun sends SIGKILL one second after SIGTERM, or as
        // soon as the other ranks exit: they wait twice as long for rank 0).
        constexpr double M_GATHER_GRACE = 0.4;

        class ClusterReportImp : public ClusterReport
        {
            public:
                ClusterReportImp(ClusterComm &comm, std::function<bool(void)> is_stopping,
                                 int root_level, const std::vector<std::string> &host_names);
                virtual ~ClusterReportImp() = default;
                void send(const std::string &status, const std::string &section) override;
                std::vector<std::string> gather(std::string &status, std::string &missing) override;
                void release(void) override;
            private:
                /// True once a stop signal came and grace seconds passed
                /// since the first one was seen here.
                bool is_grace_over(double grace);
                /// Drop the tree messages nobody will read, and pause.
                void drain_tree_and_pause(void);

                ClusterComm &m_comm;
                const std::function<bool(void)> m_is_stopping;
                const int m_root_level;
                const std::vector<std::string> m_host_names;
                // When the first signal was seen while waiting.
                bool m_is_grace;
                geopm_time_s m_grace_start;
        };

        ClusterReportImp::ClusterReportImp(ClusterComm &comm, std::function<bool(void)> is_stopping,
                                           int root_level, const std::vector<std::string> &host_names)
            : m_comm(comm)
            , m_is_stopping(std::move(is_stopping))
            , m_root_level(root_level)
            , m_host_names(host_names)
            , m_is_grace(false)
            , m_grace_start{}
        {
        }

        void ClusterReportImp::send(const std::string &status, const std::string &section)
        {
            // "<status>\0<section>": neither holds a NUL.
            std::string message = status + '\0' + section;
            m_comm.send(0, M_TAG_REPORT, message.data(), message.size());
            // Rank 0 answers once its own job is over and the report written.
            std::string done;
            int source = -1;
            while (!m_comm.receive(M_TAG_DONE, source, done) &&
                   !is_grace_over(2 * M_GATHER_GRACE)) {
                drain_tree_and_pause();
            }
        }

        std::vector<std::string> ClusterReportImp::gather(std::string &status, std::string &missing)
        {
            int num_rank = m_comm.num_rank();
            std::vector<std::string> sections(num_rank);
            std::vector<bool> is_received(num_rank, false);
            int num_received = 1;
            std::string message;
            int source = -1;
            while (num_received < num_rank) {
                if (m_comm.receive(M_TAG_REPORT, source, message)) {
                    size_t end = message.find('\0');
                    if (status.empty() && end != 0) {
                        status = message.substr(0, end);
                    }
                    sections[source] = message.substr(end + 1);
                    is_received[source] = true;
                    ++num_received;
                }
                else if (is_grace_over(M_GATHER_GRACE)) {
                    break;
                }
                else {
                    drain_tree_and_pause();
                }
            }
            for (int rank = 1; rank < num_rank; ++rank) {
                if (!is_received[rank]) {
                    missing += std::string(missing.empty() ? "no report from " : ", ") + "node " +
                               m_host_names[rank] + " (rank " + std::to_string(rank) + ")";
                }
            }
            if (!missing.empty()) {
                status += std::string(status.empty() ? "" : "; ") + missing;
            }
            sections.erase(sections.begin());
            return sections;
        }

        void ClusterReportImp::release(void)
        {
            std::exception_ptr first;
            for (int rank = 1; rank < m_comm.num_rank(); ++rank) {
                try {
                    m_comm.send(rank, M_TAG_DONE, "", 0);
                }
                catch (...) {
                    if (!first) {
                        first = std::current_exception();
                    }
                }
            }
            if (first) {
                std::rethrow_exception(first);
            }
        }

        bool ClusterReportImp::is_grace_over(double grace)
        {
            // The other ranks got the signal too and stop as well: wait a
            // little only.
            if (m_is_stopping() && !m_is_grace) {
                m_is_grace = true;
                geopm_time(&m_grace_start);
            }
            return m_is_grace && geopm_time_since(&m_grace_start) > grace;
        }

        void ClusterReportImp::drain_tree_and_pause(void)
        {
            // Children that are still running keep sending to this rank.
            std::string message;
            int source = -1;
            for (int level = 0; level < m_root_level; ++level) {
                while (m_comm.receive(M_TAG_SAMPLE + level, source, message) ||
                       m_comm.receive(M_TAG_POLICY + level, source, message)) {
                }
            }
            struct timespec delay = {0, 1000000};
            nanosleep(&delay, nullptr);
        }
    }

    std::unique_ptr<ClusterReport> ClusterReport::make_unique(ClusterComm &comm,
                                                              std::function<bool(void)> is_stopping,
                                                              int root_level,
                                                              const std::vector<std::string> &host_names)
    {
        return std::make_unique<ClusterReportImp>(comm, std::move(is_stopping), root_level,
                                                  host_names);
    }
}
