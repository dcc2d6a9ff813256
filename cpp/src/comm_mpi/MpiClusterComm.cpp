/*
 * libgeopmcomm_mpi.so: the MPI transport of multi-node jobs. Built only
 * where CMake finds MPI, and loaded by the runtime only when the job was
 * started by an MPI launcher, so the runtime itself never links MPI.
 *
 * Messages are non-blocking point-to-point on a duplicate of
 * MPI_COMM_WORLD: a send copies the bytes and returns at once, a receive
 * probes and returns at once when nothing came. Only the start-up exchange
 * is collective.
 */
// Only MPI's C interface: its deprecated C++ bindings live in another library.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "geopm/Exception.hpp"
#include "geopm_bridge/ClusterComm.hpp"

namespace geopm_bridge
{
    namespace
    {
        class MpiClusterComm : public ClusterComm
        {
            public:
                MpiClusterComm()
                    : m_is_owner(false)
                    , m_is_abandoned(false)
                    , m_comm(MPI_COMM_NULL)
                    , m_rank(0)
                    , m_num_rank(0)
                {
                    int is_init = 0;
                    MPI_Initialized(&is_init);
                    if (!is_init) {
                        // Any thread may run the job, one at a time.
                        int provided = 0;
                        check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided),
                              "MPI_Init_thread");
                        m_is_owner = true;
                    }
                    // A communicator of our own: no message of an
                    // application that also uses MPI here can match ours.
                    check(MPI_Comm_dup(MPI_COMM_WORLD, &m_comm), "MPI_Comm_dup");
                    MPI_Comm_set_errhandler(m_comm, MPI_ERRORS_RETURN);
                    check(MPI_Comm_rank(m_comm, &m_rank), "MPI_Comm_rank");
                    check(MPI_Comm_size(m_comm, &m_num_rank), "MPI_Comm_size");
                }

                ~MpiClusterComm()
                {
                    // MPI_Finalize() waits for every rank: a torn-down job
                    // leaves MPI to the launcher that is ending it.
                    if (m_is_abandoned) {
                        return;
                    }
                    // Sends nobody took (a parent that finished first) are
                    // left to MPI; their buffers live until after Finalize.
                    for (auto &entry : m_channel) {
                        if (entry.second.request != MPI_REQUEST_NULL) {
                            MPI_Request_free(&entry.second.request);
                        }
                    }
                    MPI_Comm_free(&m_comm);
                    int is_final = 0;
                    MPI_Finalized(&is_final);
                    if (m_is_owner && !is_final) {
                        MPI_Finalize();
                    }
                }

                int rank(void) const override
                {
                    return m_rank;
                }

                int num_rank(void) const override
                {
                    return m_num_rank;
                }

                std::vector<std::string> all_gather(const std::string &text) override
                {
                    int size = (int)text.size();
                    std::vector<int> sizes(m_num_rank);
                    check(MPI_Allgather(&size, 1, MPI_INT, sizes.data(), 1, MPI_INT, m_comm),
                          "MPI_Allgather");
                    std::vector<int> offsets(m_num_rank, 0);
                    for (int rank = 1; rank < m_num_rank; ++rank) {
                        offsets[rank] = offsets[rank - 1] + sizes[rank - 1];
                    }
                    std::vector<char> all(offsets.back() + sizes.back() + 1);
                    check(MPI_Allgatherv(text.data(), size, MPI_CHAR, all.data(), sizes.data(),
                                         offsets.data(), MPI_CHAR, m_comm), "MPI_Allgatherv");
                    std::vector<std::string> result;
                    for (int rank = 0; rank < m_num_rank; ++rank) {
                        result.emplace_back(all.data() + offsets[rank], sizes[rank]);
                    }
                    return result;
                }

                void send(int dest, int tag, const void *data, size_t size) override
                {
                    Channel &channel = m_channel[{dest, tag}];
                    channel.next.assign((const char *)data, size);
                    if (!channel.has_next) {
                        channel.has_next = true;
                        m_waiting.emplace_back(dest, tag);
                    }
                    flush();
                }

                bool receive(int tag, int &source, std::string &data) override
                {
                    flush();
                    int is_ready = 0;
                    MPI_Status status;
                    check(MPI_Iprobe(MPI_ANY_SOURCE, tag, m_comm, &is_ready, &status), "MPI_Iprobe");
                    if (!is_ready) {
                        return false;
                    }
                    int size = 0;
                    MPI_Get_count(&status, MPI_BYTE, &size);
                    data.resize(size);
                    check(MPI_Recv(&data[0], size, MPI_BYTE, status.MPI_SOURCE, tag, m_comm,
                                   MPI_STATUS_IGNORE), "MPI_Recv");
                    source = status.MPI_SOURCE;
                    return true;
                }

                void abandon(void) override
                {
                    m_is_abandoned = true;
                }
            private:
                /// The messages from this rank to one rank with one tag. One
                /// is in flight at a time; a newer one waits in next and
                /// replaces any older one waiting there. A receiver that
                /// stopped reading (slow, finished or dead) thus costs one
                /// waiting message per channel, and it gets the newest one
                /// when it reads again: all the tree needs.
                struct Channel
                {
                    MPI_Request request = MPI_REQUEST_NULL;
                    std::string in_flight;
                    std::string next;
                    bool has_next = false;
                };

                bool is_done(Channel &channel)
                {
                    int is_complete = 1;
                    if (channel.request != MPI_REQUEST_NULL) {
                        check(MPI_Test(&channel.request, &is_complete, MPI_STATUS_IGNORE), "MPI_Test");
                    }
                    return is_complete;
                }

                /// Start the waiting messages whose channel is free.
                void flush(void)
                {
                    for (size_t idx = 0; idx < m_waiting.size();) {
                        auto key = m_waiting[idx];
                        Channel &channel = m_channel[key];
                        if (!is_done(channel)) {
                            ++idx;
                            continue;
                        }
                        std::swap(channel.in_flight, channel.next);
                        channel.has_next = false;
                        m_waiting[idx] = m_waiting.back();
                        m_waiting.pop_back();
                        check(MPI_Isend(channel.in_flight.data(), (int)channel.in_flight.size(),
                                        MPI_BYTE, key.first, key.second, m_comm, &channel.request),
                              "MPI_Isend");
                    }
                }

                void check(int err, const char *func) const
                {
                    if (err != MPI_SUCCESS) {
                        char text[MPI_MAX_ERROR_STRING] = {};
                        int size = 0;
                        MPI_Error_string(err, text, &size);
                        throw geopm::Exception(std::string(func) + "() failed on rank " +
                                               std::to_string(m_rank) + ": " + text,
                                               GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
                    }
                }

                bool m_is_owner;
                bool m_is_abandoned;
                MPI_Comm m_comm;
                int m_rank;
                int m_num_rank;
                // By (dest, tag); std::map keeps each channel's buffers
                // where MPI was told they are.
                std::map<std::pair<int, int>, Channel> m_channel;
                // (dest, tag) of the channels with a message waiting.
                std::vector<std::pair<int, int> > m_waiting;
        };
    }
}

extern "C" geopm_bridge::ClusterComm *geopm_bridge_make_cluster_comm(void)
{
    return new geopm_bridge::MpiClusterComm();
}
