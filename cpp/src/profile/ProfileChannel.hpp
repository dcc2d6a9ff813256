/*
 * The channel from one application process to the controller (application
 * profiling, GEOPM's geopm_prof.h): one block of memory, shared between the
 * two processes, that the application writes and the controller reads once
 * per control period.
 *
 * The application side never makes a system call, never takes a lock and
 * never waits for the controller: region entries, exits and epochs update
 * counters and running totals in place, so counts and times stay exact for
 * regions far shorter than a control period and for any burst of calls;
 * the event log beside them (for the profile trace) is bounded and counts
 * what it had to drop instead of blocking. One process writes; the
 * controller only reads, except the event log's read position.
 *
 * GEOPM's rules: a region id is the CRC-32 of its name in the low 32 bits
 * and its hint above; nested entries only change the hint, so time and
 * counts belong to the outermost region; an exit without an entry is an
 * error.
 *
 * This file is the data structure only; creating the shared memory and the
 * C API over it are separate.
 */
#ifndef GEOPM_BRIDGE_PROFILECHANNEL_HPP_INCLUDE
#define GEOPM_BRIDGE_PROFILECHANNEL_HPP_INCLUDE

#include <time.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "geopm_hint.h"

namespace geopm_bridge
{
    constexpr uint32_t M_PROFILE_CHANNEL_MAGIC = 0x47425046;  // "GBPF"
    constexpr uint32_t M_PROFILE_CHANNEL_VERSION = 3;
    /// Regions one process may register.
    constexpr int M_PROFILE_MAX_REGION = 512;
    /// Longest region name, with its terminating NUL.
    constexpr int M_PROFILE_NAME_SIZE = 256;
    /// Events the log holds between two reads.
    constexpr int M_PROFILE_EVENT_CAPACITY = 4096;

    /// The channel's clock, CLOCK_MONOTONIC in ns (through the vDSO: no
    /// system call), for the application's events and the controller alike.
    inline int64_t profile_now_ns(void)
    {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    }

    /// The variable that carries the controller's key to the application.
    constexpr const char *M_PROFILE_KEY_VARIABLE = "GEOPM_BRIDGE_PROFILE_KEY";

    /// The shared-memory name (without the leading '/') that every channel
    /// for the controller with key starts with, for this user; the
    /// application process's pid follows.
    std::string profile_channel_prefix(const std::string &key);

    /// GEOPM's name of a hint of geopm_hint.h ("COMPUTE", as in its
    /// TIME_HINT_COMPUTE signal and, lower case, its report fields).
    const char *profile_hint_name(uint64_t hint);

    enum profile_event_e {
        M_PROFILE_EVENT_ENTER = 1,
        M_PROFILE_EVENT_EXIT = 2,
        M_PROFILE_EVENT_EPOCH = 3,
    };

    struct ProfileEvent
    {
        uint64_t kind;    // profile_event_e
        uint64_t hash;    // the region's; for an epoch, the epochs so far
        int64_t time_ns;  // profile_now_ns()
    };

    /// One registered region. hash, hint and name are written before the
    /// slot is published (ProfileChannelLayout::num_region).
    struct ProfileRegionSlot
    {
        uint64_t hash;
        uint64_t hint;
        char name[M_PROFILE_NAME_SIZE];
        std::atomic<uint64_t> count;     // completed outermost entries
        std::atomic<int64_t> total_ns;   // time in them
        std::atomic<int64_t> hint_total_ns[GEOPM_NUM_REGION_HINT];  // that time by hint
    };

    /// What lives in the shared memory. Plain atomics only (lock-free, so
    /// valid across processes); zeroed memory is a valid empty channel
    /// once the writer has stamped it.
    struct ProfileChannelLayout
    {
        std::atomic<uint32_t> magic;     // stamped last: the channel is ready
        uint32_t version;
        int64_t pid;
        std::atomic<uint32_t> num_region;
        // A sequence lock around every update below: odd while the
        // application writes, so a reader retries instead of seeing half
        // an update (the application never waits for the reader).
        std::atomic<uint64_t> seq;
        std::atomic<int32_t> live_slot;  // the outermost region's slot, -1: unmarked
        std::atomic<uint64_t> live_hint;
        std::atomic<int64_t> live_hint_ns;   // when live_hint began
        std::atomic<int64_t> hint_total_ns[GEOPM_NUM_REGION_HINT];  // before that
        std::atomic<int64_t> live_enter_ns;
        std::atomic<uint64_t> epoch_count;
        std::atomic<int64_t> first_epoch_ns;
        std::atomic<int64_t> last_epoch_ns;
        std::atomic<uint64_t> work_total;  // geopm_tprof_init()
        std::atomic<uint64_t> work_done;   // geopm_tprof_post(), any thread
        std::atomic<uint64_t> event_head;  // written by the application
        std::atomic<uint64_t> event_tail;  // written by the controller
        std::atomic<uint64_t> event_lost;
        ProfileEvent events[M_PROFILE_EVENT_CAPACITY];
        ProfileRegionSlot regions[M_PROFILE_MAX_REGION];
    };

    /// The application's side (one per process, used from the thread that
    /// marks regions; thread_init() and thread_post() from any thread).
    /// Errors are geopm::Exception with GEOPM's codes, and leave the
    /// channel as it was.
    class ProfileChannelWriter
    {
        public:
            /// Stamps zeroed memory as this process's channel; its time
            /// outside any region starts at now_ns.
            ProfileChannelWriter(ProfileChannelLayout &layout, int64_t pid, int64_t now_ns);
            /// The region id of name with hint (registered on first use).
            uint64_t region(const std::string &name, uint64_t hint);
            void enter(uint64_t region_id, int64_t now_ns);
            void exit(uint64_t region_id, int64_t now_ns);
            void epoch(int64_t now_ns);
            /// The work units of the current region (0 or 1: ignored);
            /// from any thread, as thread_post().
            void thread_init(uint64_t num_work_unit);
            void thread_post(void);
        private:
            int slot_of(uint64_t hash) const;
            void begin_update(void);
            void end_update(void);
            void log(uint64_t kind, uint64_t hash, int64_t time_ns);
            /// Inside an update: the time since the last change goes to
            /// the hint that ends.
            void change_hint(uint64_t hint, int64_t now_ns);

            ProfileChannelLayout &m_layout;
            std::map<uint64_t, int> m_slot;  // hash -> slot
            std::vector<uint64_t> m_hint_stack;
            uint64_t m_seq;
    };

    /// One region's totals as read by the controller.
    struct ProfileRegionTotals
    {
        uint64_t hash;
        uint64_t hint;
        std::string name;
        uint64_t count;
        int64_t total_ns;  // completed entries, plus the current one up to now
        // That time (s) by the hint in force (nested regions' hints).
        std::array<double, GEOPM_NUM_REGION_HINT> hint_time;
    };

    /// A consistent view of a channel at one time.
    struct ProfileSnapshot
    {
        uint64_t hash;      // the outermost region now, or GEOPM_REGION_HASH_UNMARKED
        uint64_t hint;      // the innermost region's hint now (unset outside any)
        // Seconds in each hint (geopm_hint.h) since the first call, up to now.
        std::array<double, GEOPM_NUM_REGION_HINT> hint_time;
        double progress;    // work units done / declared; NaN when none declared
        uint64_t epoch_count;
        int64_t first_epoch_ns;  // 0 before the first epoch
        int64_t last_epoch_ns;
        std::vector<ProfileRegionTotals> regions;  // in registration order
    };

    /// The controller's side.
    class ProfileChannelReader
    {
        public:
            explicit ProfileChannelReader(ProfileChannelLayout &layout);
            /// False until the writer stamped the channel, or for a
            /// channel of another version.
            bool is_ready(void) const;
            ProfileSnapshot snapshot(int64_t now_ns) const;
            /// Appends the events logged since the last call.
            void drain_events(std::vector<ProfileEvent> &events);
            /// Events the log had no room for (totals are not affected).
            uint64_t num_lost_event(void) const;
        private:
            ProfileChannelLayout &m_layout;
    };
}

#endif
