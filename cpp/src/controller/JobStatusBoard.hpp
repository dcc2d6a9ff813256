/*
 * Where the Controller leaves its JobStatus for job_status(): one per
 * process (one job at a time per process). The loop pays one relaxed
 * atomic load per period; the snapshot is filled, under the lock, only
 * at the end of a period after a reader asked.
 */
#ifndef GEOPM_BRIDGE_JOBSTATUSBOARD_HPP_INCLUDE
#define GEOPM_BRIDGE_JOBSTATUSBOARD_HPP_INCLUDE

#include <atomic>
#include <mutex>

#include "geopm_bridge/JobStatus.hpp"

namespace geopm_bridge
{
    class JobStatusBoard
    {
        public:
            /// Whether a reader asked since the last publish().
            bool is_wanted(void) const
            {
                return m_is_wanted.load(std::memory_order_relaxed);
            }
            /// fill(JobStatus &) updates the snapshot under the lock.
            template <typename func_t>
            void publish(func_t fill)
            {
                std::lock_guard<std::mutex> guard(m_lock);
                m_is_wanted.store(false, std::memory_order_relaxed);
                fill(m_status);
            }
            /// A new job's empty snapshot.
            void reset(void)
            {
                publish([](JobStatus &status) { status = JobStatus{}; });
            }
            JobStatus read(void)
            {
                std::lock_guard<std::mutex> guard(m_lock);
                m_is_wanted.store(true, std::memory_order_relaxed);
                return m_status;
            }
        private:
            std::atomic<bool> m_is_wanted{false};
            std::mutex m_lock;
            JobStatus m_status;
    };

    /// The process's board.
    JobStatusBoard &job_status_board(void);
}

#endif
