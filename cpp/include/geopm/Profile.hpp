/*
 * The application's side of profiling as a C++ object: the regions and
 * epochs of geopm_prof.h. Profile::default_profile() calls the profiling
 * library, libgeopmprof.so (linked with -lgeopm; loaded from beside
 * libgeopmbridge.so otherwise), so that its marks reach the controller as
 * the C API's do.
 *
 * Also the helpers that split a GEOPM region id (its hash in the low 32
 * bits, its hint above).
 */
#ifndef PROFILE_HPP_INCLUDE
#define PROFILE_HPP_INCLUDE

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <stack>
#include <string>
#include <vector>

#include "geopm_hash.h"
#include "geopm_hint.h"
#include "geopm_public.h"
#include "geopm_time.h"

/* Flag bits of a region id above its hash and hint. */
enum geopm_region_id_e {
    GEOPM_REGION_ID_EPOCH = 1ULL << 63, /* an epoch mark, no region */
    GEOPM_REGION_ID_MPI = 1ULL << 62,   /* time in MPI calls */
};

/* The region hash of a region id: its low 32 bits (an invalid hash is the
 * unmarked region's). */
static inline uint64_t geopm_region_id_hash(uint64_t region_id)
{
    uint64_t hash = region_id & 0xFFFFFFFFULL;
    return hash == GEOPM_REGION_HASH_INVALID ? (uint64_t)GEOPM_REGION_HASH_UNMARKED : hash;
}

/* 1 when the region id carries the MPI flag, else 0. */
static inline int geopm_region_id_is_mpi(uint64_t region_id)
{
    return (region_id & GEOPM_REGION_ID_MPI) != 0 ? 1 : 0;
}

/* The hint a region id carries (bits 32 and up); MPI time is network,
 * the unmarked region and out-of-range values unknown. */
static inline enum geopm_region_hint_e geopm_region_id_hint(uint64_t region_id)
{
    if (region_id == GEOPM_REGION_HASH_UNMARKED) {
        return GEOPM_REGION_HINT_UNKNOWN;
    }
    if (geopm_region_id_is_mpi(region_id)) {
        return GEOPM_REGION_HINT_NETWORK;
    }
    uint64_t hint = region_id >> 32;
    if (hint == 0 || hint >= GEOPM_NUM_REGION_HINT) {
        return GEOPM_REGION_HINT_UNKNOWN;
    }
    return (enum geopm_region_hint_e)hint;
}

/* region_id with hint_type placed in its hint bits. */
static inline uint64_t geopm_region_id_set_hint(uint64_t hint_type, uint64_t region_id)
{
    return region_id | (hint_type << 32);
}

/* 1 when region_id has any of hint_type's bits in its hint bits. */
static inline int geopm_region_id_hint_is_equal(uint64_t hint_type, uint64_t region_id)
{
    return (region_id & (hint_type << 32)) != 0 ? 1 : 0;
}

namespace geopm
{
    class GEOPM_PUBLIC Profile
    {
        public:
            Profile() = default;
            virtual ~Profile() = default;
            /// The process's profile, over the profiling library (throws
            /// when libgeopmprof.so cannot be found).
            static Profile &default_profile(void);
            /// Register a region (geopm_prof_region()); returns its id.
            virtual uint64_t region(const std::string &region_name, long hint) = 0;
            /// Enter a registered region (geopm_prof_enter()).
            virtual void enter(uint64_t region_id) = 0;
            /// Leave it (geopm_prof_exit()).
            virtual void exit(uint64_t region_id) = 0;
            /// Mark the start of an epoch (geopm_prof_epoch()).
            virtual void epoch(void) = 0;
            /// Stop profiling this process (geopm_prof_shutdown()).
            virtual void shutdown(void) = 0;
            /// Announce num_work_unit units of work in the current region
            /// (geopm_tprof_init()).
            virtual void thread_init(uint32_t num_work_unit) = 0;
            /// One unit of work done by the calling thread, which runs on
            /// cpu (get_cpu()) (geopm_tprof_post()).
            virtual void thread_post(int cpu) = 0;
            /// The names of the regions registered through this object.
            virtual std::vector<std::string> region_names(void) = 0;
            /// Take the process's CPU affinity anew (nothing to do here:
            /// the controller reads it).
            virtual void reset_cpu_set(void) = 0;
            /// Report seconds spent in profiling itself
            /// (geopm_prof_overhead()).
            virtual void overhead(double overhead_sec) = 0;
            /// Connect to the controller (the process connects at its
            /// first mark anyway: nothing is left to do here).
            virtual void connect(void) = 0;
            /// The CPU the calling thread runs on (found once per thread).
            static int get_cpu(void);
    };

    class SharedMemory;
    class ApplicationRecordLog;
    class ApplicationStatus;
    class ServiceProxy;
    class Scheduler;

    /// Profile over the profiling library's C API (geopm_prof.h), as
    /// default_profile() is: marks reach the controller of the job the
    /// process runs under. GEOPM's internal parts named by the second
    /// constructor have no use in the embedded runtime and are kept only.
    class GEOPM_PUBLIC ProfileImp : public Profile
    {
        public:
            /// Enabled; throws GEOPM_ERROR_RUNTIME if the profiling library
            /// cannot be found.
            ProfileImp();
            /// Enabled by connect() when do_profile is true.
            ProfileImp(const std::string &prof_name,
                       const std::string &report,
                       int num_cpu,
                       std::set<int> cpu_set,
                       std::shared_ptr<ApplicationStatus> app_status,
                       std::shared_ptr<ApplicationRecordLog> app_record_log,
                       bool do_profile,
                       std::shared_ptr<ServiceProxy> service_proxy,
                       std::shared_ptr<Scheduler> scheduler,
                       int registered_pid);
            ProfileImp(const ProfileImp &other) = delete;
            ProfileImp operator=(const ProfileImp &other) = delete;
            virtual ~ProfileImp();
            uint64_t region(const std::string &region_name, long hint) override;
            void enter(uint64_t region_id) override;
            void exit(uint64_t region_id) override;
            void epoch(void) override;
            void shutdown(void) override;
            void thread_init(uint32_t num_work_unit) override;
            void thread_post(int cpu) override;
            std::vector<std::string> region_names(void) override;
            void reset_cpu_set(void) override;
            void overhead(double overhead_sec) override;
            void connect(void) override;
        protected:
            /// Whether marks are passed on.
            bool m_is_enabled;
        private:
            void GEOPM_PRIVATE
                init_app_status(void);
            void GEOPM_PRIVATE
                init_app_record_log(void);
            void GEOPM_PRIVATE
                set_hint(uint64_t hint);

            std::string m_prof_name;
            std::string m_report;
            uint64_t m_curr_region_id;
            uint64_t m_current_hash;
            int m_num_cpu;
            std::set<int> m_cpu_set;

            std::shared_ptr<ApplicationStatus> m_app_status;
            std::shared_ptr<ApplicationRecordLog> m_app_record_log;
            std::stack<geopm_region_hint_e> m_hint_stack;

            double m_overhead_time;
            double m_overhead_time_startup;
            double m_overhead_time_shutdown;
            bool m_do_profile;
            std::map<std::string, uint64_t> m_region_names;

            std::shared_ptr<ServiceProxy> m_service_proxy;
            std::shared_ptr<Scheduler> m_scheduler;
            int m_pid_registered;

            enum m_profile_const_e {
                M_PID_INIT = -1,
                M_PID_TEST = -2,
            };

            std::set<uint64_t> m_region_ids;
    };
}

#endif
