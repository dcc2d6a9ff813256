#include "ProfileChannel.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "geopm/Exception.hpp"
#include "geopm_error.h"
#include "geopm_hash.h"
#include "geopm_hint.h"

namespace geopm_bridge
{
    static_assert(std::atomic<uint64_t>::is_always_lock_free &&
                  std::atomic<int64_t>::is_always_lock_free &&
                  std::atomic<uint32_t>::is_always_lock_free &&
                  std::atomic<int32_t>::is_always_lock_free,
                  "the channel's atomics must be lock-free to be shared between processes");

    namespace
    {
        // GEOPM's region id: the hash in the low 32 bits, the hint above.
        uint64_t id_hash(uint64_t region_id)
        {
            return region_id & 0xFFFFFFFFULL;
        }

        uint64_t id_hint(uint64_t region_id)
        {
            return region_id >> 32;
        }
    }

    std::string profile_channel_prefix(const std::string &key)
    {
        return "geopm-bridge-" + std::to_string(getuid()) + "-" + key + "-";
    }

    const char *profile_hint_name(uint64_t hint)
    {
        static const char *const M_NAME[GEOPM_NUM_REGION_HINT] = {
            "UNSET", "UNKNOWN", "COMPUTE", "MEMORY", "NETWORK", "IO",
            "SERIAL", "PARALLEL", "IGNORE", "INACTIVE", "SPIN",
        };
        return hint < GEOPM_NUM_REGION_HINT ? M_NAME[hint] : "INVALID";
    }

    ProfileChannelWriter::ProfileChannelWriter(ProfileChannelLayout &layout, int64_t pid,
                                               int64_t now_ns)
        : m_layout(layout)
        , m_seq(0)
    {
        m_layout.version = M_PROFILE_CHANNEL_VERSION;
        m_layout.pid = pid;
        m_layout.live_slot.store(-1, std::memory_order_relaxed);
        m_layout.live_hint.store(GEOPM_REGION_HINT_UNSET, std::memory_order_relaxed);
        m_layout.live_hint_ns.store(now_ns, std::memory_order_relaxed);
        m_layout.magic.store(M_PROFILE_CHANNEL_MAGIC, std::memory_order_release);
    }

    uint64_t ProfileChannelWriter::region(const std::string &name, uint64_t hint)
    {
        geopm::check_hint(hint);
        if (name.empty() || name.size() >= (size_t)M_PROFILE_NAME_SIZE) {
            throw geopm::Exception("geopm_prof_region(): a region name must have 1 to " +
                                   std::to_string(M_PROFILE_NAME_SIZE - 1) + " characters",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        uint64_t hash = geopm_crc32_str(name.c_str());
        auto found = m_slot.find(hash);
        if (found == m_slot.end()) {
            uint32_t num_region = m_layout.num_region.load(std::memory_order_relaxed);
            if (num_region == (uint32_t)M_PROFILE_MAX_REGION) {
                throw geopm::Exception("geopm_prof_region(): more than " +
                                       std::to_string(M_PROFILE_MAX_REGION) +
                                       " regions in one process", GEOPM_ERROR_INVALID,
                                       __FILE__, __LINE__);
            }
            ProfileRegionSlot &slot = m_layout.regions[num_region];
            slot.hash = hash;
            slot.hint = hint;
            std::memcpy(slot.name, name.c_str(), name.size() + 1);
            // The slot is complete before the controller can see it.
            m_layout.num_region.store(num_region + 1, std::memory_order_release);
            m_slot.emplace(hash, (int)num_region);
        }
        return hash | (hint << 32);
    }

    int ProfileChannelWriter::slot_of(uint64_t hash) const
    {
        auto found = m_slot.find(hash);
        if (found == m_slot.end()) {
            throw geopm::Exception("geopm_prof_enter(): region " + std::to_string(hash) +
                                   " was not registered with geopm_prof_region()",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return found->second;
    }

    void ProfileChannelWriter::begin_update(void)
    {
        ++m_seq;
        m_layout.seq.store(m_seq, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
    }

    void ProfileChannelWriter::end_update(void)
    {
        ++m_seq;
        m_layout.seq.store(m_seq, std::memory_order_release);
    }

    void ProfileChannelWriter::log(uint64_t kind, uint64_t hash, int64_t time_ns)
    {
        uint64_t head = m_layout.event_head.load(std::memory_order_relaxed);
        uint64_t tail = m_layout.event_tail.load(std::memory_order_acquire);
        if (head - tail >= (uint64_t)M_PROFILE_EVENT_CAPACITY) {
            // Never wait for the reader: the totals keep the count.
            m_layout.event_lost.store(m_layout.event_lost.load(std::memory_order_relaxed) + 1,
                                      std::memory_order_relaxed);
            return;
        }
        m_layout.events[head % M_PROFILE_EVENT_CAPACITY] = {kind, hash, time_ns};
        m_layout.event_head.store(head + 1, std::memory_order_release);
    }

    void ProfileChannelWriter::change_hint(uint64_t hint, int64_t now_ns)
    {
        uint64_t ending = m_layout.live_hint.load(std::memory_order_relaxed);
        int64_t elapsed = now_ns - m_layout.live_hint_ns.load(std::memory_order_relaxed);
        auto add = [elapsed](std::atomic<int64_t> &total) {
            total.store(total.load(std::memory_order_relaxed) + elapsed, std::memory_order_relaxed);
        };
        add(m_layout.hint_total_ns[ending]);
        // And to the outermost region it was spent in, if any.
        int32_t slot = m_layout.live_slot.load(std::memory_order_relaxed);
        if (slot >= 0) {
            add(m_layout.regions[slot].hint_total_ns[ending]);
        }
        m_layout.live_hint.store(hint, std::memory_order_relaxed);
        m_layout.live_hint_ns.store(now_ns, std::memory_order_relaxed);
    }

    void ProfileChannelWriter::enter(uint64_t region_id, int64_t now_ns)
    {
        uint64_t hint = id_hint(region_id);
        geopm::check_hint(hint);
        int slot = slot_of(id_hash(region_id));
        begin_update();
        change_hint(hint, now_ns);
        if (m_hint_stack.empty()) {
            m_layout.live_slot.store(slot, std::memory_order_relaxed);
            m_layout.live_enter_ns.store(now_ns, std::memory_order_relaxed);
        }
        end_update();
        if (m_hint_stack.empty()) {
            log(M_PROFILE_EVENT_ENTER, id_hash(region_id), now_ns);
        }
        m_hint_stack.push_back(hint);
    }

    void ProfileChannelWriter::exit(uint64_t region_id, int64_t now_ns)
    {
        if (m_hint_stack.empty()) {
            throw geopm::Exception("geopm_prof_exit(): no region was entered",
                                   GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        m_hint_stack.pop_back();
        begin_update();
        if (m_hint_stack.empty()) {
            // The outermost region ends: it takes the time since its entry.
            int slot = m_layout.live_slot.load(std::memory_order_relaxed);
            ProfileRegionSlot &region = m_layout.regions[slot];
            int64_t elapsed = now_ns - m_layout.live_enter_ns.load(std::memory_order_relaxed);
            region.count.store(region.count.load(std::memory_order_relaxed) + 1,
                               std::memory_order_relaxed);
            region.total_ns.store(region.total_ns.load(std::memory_order_relaxed) + elapsed,
                                  std::memory_order_relaxed);
            change_hint(GEOPM_REGION_HINT_UNSET, now_ns);
            m_layout.live_slot.store(-1, std::memory_order_relaxed);
            // Progress means something inside a region only.
            m_layout.work_total.store(0, std::memory_order_relaxed);
            m_layout.work_done.store(0, std::memory_order_relaxed);
        }
        else {
            change_hint(m_hint_stack.back(), now_ns);
        }
        end_update();
        if (m_hint_stack.empty()) {
            log(M_PROFILE_EVENT_EXIT, id_hash(region_id), now_ns);
        }
    }

    void ProfileChannelWriter::epoch(int64_t now_ns)
    {
        begin_update();
        uint64_t count = m_layout.epoch_count.load(std::memory_order_relaxed);
        if (count == 0) {
            m_layout.first_epoch_ns.store(now_ns, std::memory_order_relaxed);
        }
        m_layout.last_epoch_ns.store(now_ns, std::memory_order_relaxed);
        m_layout.epoch_count.store(count + 1, std::memory_order_relaxed);
        end_update();
        log(M_PROFILE_EVENT_EPOCH, count + 1, now_ns);
    }

    void ProfileChannelWriter::thread_init(uint64_t num_work_unit)
    {
        // Any thread (each of a parallel loop's threads calls it, as in
        // GEOPM's examples): one atomic store, outside the sequence lock.
        // The work done so far in the region stays counted; the
        // outermost exit resets both. One unit cannot be shared between
        // threads: as GEOPM, such a call changes nothing.
        if (num_work_unit > 1) {
            m_layout.work_total.store(num_work_unit, std::memory_order_relaxed);
        }
    }

    void ProfileChannelWriter::thread_post(void)
    {
        // Any thread: one atomic add, outside the sequence lock (progress
        // is one number, read as it is).
        m_layout.work_done.fetch_add(1, std::memory_order_relaxed);
    }

    ProfileChannelReader::ProfileChannelReader(ProfileChannelLayout &layout)
        : m_layout(layout)
    {
    }

    bool ProfileChannelReader::is_ready(void) const
    {
        return m_layout.magic.load(std::memory_order_acquire) == M_PROFILE_CHANNEL_MAGIC &&
               m_layout.version == M_PROFILE_CHANNEL_VERSION;
    }

    ProfileSnapshot ProfileChannelReader::snapshot(int64_t now_ns) const
    {
        ProfileSnapshot result;
        int32_t live_slot = -1;
        int64_t live_enter_ns = 0;
        int64_t live_hint_ns = 0;
        constexpr int M_MAX_TRY = 100000;
        int num_try = 0;
        uint64_t seq_before = 0;
        uint64_t seq_after = 0;
        do {
            seq_before = m_layout.seq.load(std::memory_order_acquire);
            // Read inside the loop: the live region may have been
            // registered since the last try.
            uint32_t num_region = m_layout.num_region.load(std::memory_order_acquire);
            for (uint32_t idx = result.regions.size(); idx < num_region; ++idx) {
                const ProfileRegionSlot &slot = m_layout.regions[idx];
                result.regions.push_back({slot.hash, slot.hint,
                                          std::string(slot.name, strnlen(slot.name, M_PROFILE_NAME_SIZE)),
                                          0, 0, {}});
            }
            live_slot = m_layout.live_slot.load(std::memory_order_relaxed);
            live_enter_ns = m_layout.live_enter_ns.load(std::memory_order_relaxed);
            result.hint = m_layout.live_hint.load(std::memory_order_relaxed);
            live_hint_ns = m_layout.live_hint_ns.load(std::memory_order_relaxed);
            for (int hint = 0; hint < GEOPM_NUM_REGION_HINT; ++hint) {
                result.hint_time[hint] = 1e-9 * m_layout.hint_total_ns[hint].load(std::memory_order_relaxed);
            }
            result.epoch_count = m_layout.epoch_count.load(std::memory_order_relaxed);
            result.first_epoch_ns = m_layout.first_epoch_ns.load(std::memory_order_relaxed);
            result.last_epoch_ns = m_layout.last_epoch_ns.load(std::memory_order_relaxed);
            uint64_t total = m_layout.work_total.load(std::memory_order_relaxed);
            uint64_t done = m_layout.work_done.load(std::memory_order_relaxed);
            result.progress = total == 0 ? std::numeric_limits<double>::quiet_NaN()
                                         : std::min(1.0, (double)done / total);
            for (size_t idx = 0; idx < result.regions.size(); ++idx) {
                const ProfileRegionSlot &slot = m_layout.regions[idx];
                ProfileRegionTotals &region = result.regions[idx];
                region.count = slot.count.load(std::memory_order_relaxed);
                region.total_ns = slot.total_ns.load(std::memory_order_relaxed);
                for (int hint = 0; hint < GEOPM_NUM_REGION_HINT; ++hint) {
                    region.hint_time[hint] = 1e-9 * slot.hint_total_ns[hint].load(std::memory_order_relaxed);
                }
            }
            std::atomic_thread_fence(std::memory_order_acquire);
            seq_after = m_layout.seq.load(std::memory_order_relaxed);
            // A writer that died inside an update leaves the lock odd for
            // good: after so many tries take what is there (one update's
            // worth of difference at most), never spin for ever.
        } while (((seq_before & 1) != 0 || seq_before != seq_after) && ++num_try < M_MAX_TRY);
        // The memory is the application's: a hint out of range (a bug or
        // a stray write there) must not index the controller's tables.
        auto known_hint = [](uint64_t hint) {
            return hint < GEOPM_NUM_REGION_HINT ? hint : (uint64_t)GEOPM_REGION_HINT_UNKNOWN;
        };
        result.hint = known_hint(result.hint);
        // The hint the application is in counts up to now (and in the
        // region it is in, below).
        double live_hint_time = 1e-9 * (now_ns - live_hint_ns);
        result.hint_time[result.hint] += live_hint_time;
        for (auto &region : result.regions) {
            region.hint = known_hint(region.hint);
        }
        result.hash = GEOPM_REGION_HASH_UNMARKED;
        if (live_slot >= 0 && (size_t)live_slot < result.regions.size()) {
            // The region the application is in counts up to now.
            result.hash = result.regions[live_slot].hash;
            result.regions[live_slot].total_ns += now_ns - live_enter_ns;
            result.regions[live_slot].hint_time[result.hint] += live_hint_time;
        }
        return result;
    }

    void ProfileChannelReader::drain_events(std::vector<ProfileEvent> &events)
    {
        uint64_t tail = m_layout.event_tail.load(std::memory_order_relaxed);
        uint64_t head = m_layout.event_head.load(std::memory_order_acquire);
        for (; tail != head; ++tail) {
            events.push_back(m_layout.events[tail % M_PROFILE_EVENT_CAPACITY]);
        }
        m_layout.event_tail.store(tail, std::memory_order_release);
    }

    uint64_t ProfileChannelReader::num_lost_event(void) const
    {
        return m_layout.event_lost.load(std::memory_order_relaxed);
    }
}
