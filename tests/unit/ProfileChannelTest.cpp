/*
 * ProfileChannel: the application's regions, epochs and progress as the
 * controller reads them, exact for any burst of calls, and consistent while
 * the application writes.
 */
#include <atomic>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "unit_test_helpers.hpp"

#include "geopm_error.h"
#include "geopm_hash.h"
#include "geopm_hint.h"

#include "ProfileChannel.hpp"

using geopm_bridge::M_PROFILE_EVENT_CAPACITY;
using geopm_bridge::M_PROFILE_EVENT_ENTER;
using geopm_bridge::M_PROFILE_EVENT_EPOCH;
using geopm_bridge::M_PROFILE_EVENT_EXIT;
using geopm_bridge::M_PROFILE_MAX_REGION;
using geopm_bridge::M_PROFILE_NAME_SIZE;
using geopm_bridge::ProfileChannelLayout;
using geopm_bridge::ProfileChannelReader;
using geopm_bridge::ProfileChannelWriter;
using geopm_bridge::ProfileEvent;
using geopm_bridge::ProfileSnapshot;

using unit_test::error_code;

namespace
{
    class ProfileChannelTest : public ::testing::Test
    {
        protected:
            // Zeroed, as a new shared-memory object is.
            std::unique_ptr<ProfileChannelLayout> m_layout = std::make_unique<ProfileChannelLayout>();
            ProfileChannelReader m_reader {*m_layout};
    };
}

TEST_F(ProfileChannelTest, ready_once_the_writer_stamps_it)
{
    EXPECT_FALSE(m_reader.is_ready());
    ProfileChannelWriter writer(*m_layout, 1234, 0);
    EXPECT_TRUE(m_reader.is_ready());
    EXPECT_EQ(1234, m_layout->pid);
    ProfileSnapshot snap = m_reader.snapshot(0);
    EXPECT_EQ((uint64_t)GEOPM_REGION_HASH_UNMARKED, snap.hash);
    EXPECT_EQ(0U, snap.epoch_count);
    EXPECT_TRUE(std::isnan(snap.progress));
    EXPECT_TRUE(snap.regions.empty());
}

TEST_F(ProfileChannelTest, region_ids_are_geopms)
{
    ProfileChannelWriter writer(*m_layout, 1, 0);
    uint64_t id = writer.region("dgemm", GEOPM_REGION_HINT_COMPUTE);
    EXPECT_EQ(geopm_crc32_str("dgemm"), id & 0xFFFFFFFFULL);
    EXPECT_EQ((uint64_t)GEOPM_REGION_HINT_COMPUTE, id >> 32);
    // Registered once, whatever the hint of a later call.
    EXPECT_EQ(geopm_crc32_str("dgemm") | ((uint64_t)GEOPM_REGION_HINT_MEMORY << 32),
              writer.region("dgemm", GEOPM_REGION_HINT_MEMORY));
    ProfileSnapshot snap = m_reader.snapshot(0);
    ASSERT_EQ(1U, snap.regions.size());
    EXPECT_EQ("dgemm", snap.regions[0].name);
    EXPECT_EQ((uint64_t)GEOPM_REGION_HINT_COMPUTE, snap.regions[0].hint);
}

TEST_F(ProfileChannelTest, bad_regions_are_refused_and_change_nothing)
{
    ProfileChannelWriter writer(*m_layout, 1, 0);
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([&] { writer.region("x", GEOPM_NUM_REGION_HINT); }));
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([&] { writer.region("", GEOPM_REGION_HINT_UNKNOWN); }));
    std::string longest(M_PROFILE_NAME_SIZE - 1, 'a');
    EXPECT_EQ(0, error_code([&] { writer.region(longest, GEOPM_REGION_HINT_UNKNOWN); }));
    EXPECT_EQ(GEOPM_ERROR_INVALID,
              error_code([&] { writer.region(longest + "a", GEOPM_REGION_HINT_UNKNOWN); }));
    EXPECT_EQ(1U, m_reader.snapshot(0).regions.size());
    for (int idx = 1; idx < M_PROFILE_MAX_REGION; ++idx) {
        writer.region("r" + std::to_string(idx), GEOPM_REGION_HINT_UNKNOWN);
    }
    EXPECT_EQ(GEOPM_ERROR_INVALID,
              error_code([&] { writer.region("one too many", GEOPM_REGION_HINT_UNKNOWN); }));
    EXPECT_EQ((size_t)M_PROFILE_MAX_REGION, m_reader.snapshot(0).regions.size());
}

TEST_F(ProfileChannelTest, misuse_of_enter_and_exit_is_an_error)
{
    ProfileChannelWriter writer(*m_layout, 1, 0);
    EXPECT_EQ(GEOPM_ERROR_RUNTIME, error_code([&] { writer.exit(geopm_crc32_str("a"), 5); }));
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([&] { writer.enter(geopm_crc32_str("a"), 5); }));
    uint64_t id = writer.region("a", GEOPM_REGION_HINT_UNKNOWN);
    uint64_t bad_hint = (id & 0xFFFFFFFFULL) | ((uint64_t)GEOPM_NUM_REGION_HINT << 32);
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([&] { writer.enter(bad_hint, 5); }));
    EXPECT_EQ((uint64_t)GEOPM_REGION_HASH_UNMARKED, m_reader.snapshot(10).hash);
}

TEST_F(ProfileChannelTest, time_and_counts_belong_to_the_outermost_region)
{
    ProfileChannelWriter writer(*m_layout, 1, 0);
    uint64_t outer = writer.region("outer", GEOPM_REGION_HINT_COMPUTE);
    uint64_t inner = writer.region("inner", GEOPM_REGION_HINT_MEMORY);
    writer.enter(outer, 100);
    writer.enter(inner, 120);
    ProfileSnapshot snap = m_reader.snapshot(130);
    EXPECT_EQ(outer & 0xFFFFFFFFULL, snap.hash);
    EXPECT_EQ((uint64_t)GEOPM_REGION_HINT_MEMORY, snap.hint);  // the innermost hint
    EXPECT_EQ(0U, snap.regions[0].count);
    EXPECT_EQ(30, snap.regions[0].total_ns);  // in progress, up to now
    writer.exit(inner, 150);
    EXPECT_EQ((uint64_t)GEOPM_REGION_HINT_COMPUTE, m_reader.snapshot(150).hint);
    writer.exit(outer, 200);
    snap = m_reader.snapshot(1000);
    EXPECT_EQ((uint64_t)GEOPM_REGION_HASH_UNMARKED, snap.hash);
    EXPECT_EQ(1U, snap.regions[0].count);
    EXPECT_EQ(100, snap.regions[0].total_ns);
    EXPECT_EQ(0U, snap.regions[1].count);
    EXPECT_EQ(0, snap.regions[1].total_ns);
    std::vector<ProfileEvent> events;
    m_reader.drain_events(events);
    ASSERT_EQ(2U, events.size());
    EXPECT_EQ((uint64_t)M_PROFILE_EVENT_ENTER, events[0].kind);
    EXPECT_EQ(100, events[0].time_ns);
    EXPECT_EQ((uint64_t)M_PROFILE_EVENT_EXIT, events[1].kind);
    EXPECT_EQ(outer & 0xFFFFFFFFULL, events[1].hash);
    EXPECT_EQ(200, events[1].time_ns);
    // Time by hint, the innermost region's: exact, whatever the nesting.
    EXPECT_DOUBLE_EQ(1e-9 * (100 + 800), snap.hint_time[GEOPM_REGION_HINT_UNSET]);
    EXPECT_DOUBLE_EQ(1e-9 * (20 + 50), snap.hint_time[GEOPM_REGION_HINT_COMPUTE]);
    EXPECT_DOUBLE_EQ(1e-9 * 30, snap.hint_time[GEOPM_REGION_HINT_MEMORY]);
    EXPECT_DOUBLE_EQ(0.0, snap.hint_time[GEOPM_REGION_HINT_NETWORK]);
    // And the outermost region's own time by hint (GEOPM's time-hint
    // fields of a region): the nested region's hint counts in it.
    EXPECT_DOUBLE_EQ(1e-9 * (20 + 50), snap.regions[0].hint_time[GEOPM_REGION_HINT_COMPUTE]);
    EXPECT_DOUBLE_EQ(1e-9 * 30, snap.regions[0].hint_time[GEOPM_REGION_HINT_MEMORY]);
    EXPECT_DOUBLE_EQ(0.0, snap.regions[0].hint_time[GEOPM_REGION_HINT_UNSET]);
}

TEST_F(ProfileChannelTest, epochs_and_progress)
{
    ProfileChannelWriter writer(*m_layout, 1, 0);
    writer.epoch(10);
    writer.epoch(25);
    writer.epoch(45);
    ProfileSnapshot snap = m_reader.snapshot(50);
    EXPECT_EQ(3U, snap.epoch_count);
    EXPECT_EQ(10, snap.first_epoch_ns);
    EXPECT_EQ(45, snap.last_epoch_ns);
    uint64_t loop = writer.region("loop", GEOPM_REGION_HINT_PARALLEL);
    writer.enter(loop, 60);
    writer.thread_init(4);
    writer.thread_post();
    writer.thread_post();
    writer.thread_post();
    EXPECT_DOUBLE_EQ(0.75, m_reader.snapshot(70).progress);
    writer.thread_init(1);  // one unit cannot be shared: ignored, as in GEOPM
    EXPECT_DOUBLE_EQ(0.75, m_reader.snapshot(70).progress);
    writer.exit(loop, 80);
    EXPECT_TRUE(std::isnan(m_reader.snapshot(90).progress));  // outside a region
}

TEST_F(ProfileChannelTest, a_million_calls_between_two_reads_lose_no_total)
{
    ProfileChannelWriter writer(*m_layout, 1, 0);
    uint64_t id = writer.region("tiny", GEOPM_REGION_HINT_COMPUTE);
    const int num_call = 1000000;
    int64_t now = 0;
    for (int idx = 0; idx < num_call; ++idx) {
        writer.enter(id, now);
        now += 7;
        writer.exit(id, now);
        writer.epoch(now);
        now += 3;
    }
    ProfileSnapshot snap = m_reader.snapshot(now);
    EXPECT_EQ((uint64_t)num_call, snap.regions[0].count);
    EXPECT_EQ(7LL * num_call, snap.regions[0].total_ns);
    EXPECT_EQ((uint64_t)num_call, snap.epoch_count);
    EXPECT_EQ(10LL * (num_call - 1) + 7, snap.last_epoch_ns);
    // The bounded log kept the first events and counted the rest.
    std::vector<ProfileEvent> events;
    m_reader.drain_events(events);
    EXPECT_EQ((size_t)M_PROFILE_EVENT_CAPACITY, events.size());
    EXPECT_EQ(3ULL * num_call - M_PROFILE_EVENT_CAPACITY, m_reader.num_lost_event());
    // Drained, the log takes events again.
    writer.epoch(now);
    events.clear();
    m_reader.drain_events(events);
    ASSERT_EQ(1U, events.size());
    EXPECT_EQ((uint64_t)M_PROFILE_EVENT_EPOCH, events[0].kind);
}

TEST_F(ProfileChannelTest, a_reader_never_sees_half_an_update)
{
    // Every region call takes exactly 5 ns of the writer's clock and is
    // followed by an epoch: in any consistent view, total = 5 * count and
    // the epochs equal the completed calls.
    ProfileChannelWriter writer(*m_layout, 1, 0);
    uint64_t id = writer.region("step", GEOPM_REGION_HINT_COMPUTE);
    const int num_call = 300000;
    std::atomic<bool> is_done(false);
    std::thread application([&] {
        int64_t now = 0;
        for (int idx = 0; idx < num_call; ++idx) {
            writer.enter(id, now);
            writer.exit(id, now + 5);
            writer.epoch(now + 5);
            now += 10;
        }
        is_done = true;
    });
    int num_view = 0;
    int num_bad = 0;
    uint64_t last_count = 0;
    while (!is_done || num_view == 0) {
        ProfileSnapshot snap = m_reader.snapshot(0);
        if (snap.hash == (uint64_t)GEOPM_REGION_HASH_UNMARKED) {
            const auto &region = snap.regions[0];
            num_bad += region.total_ns != 5 * (int64_t)region.count;
            num_bad += snap.epoch_count != region.count && snap.epoch_count + 1 != region.count;
            num_bad += region.count < last_count;
            last_count = region.count;
        }
        ++num_view;
    }
    application.join();
    EXPECT_EQ(0, num_bad) << "of " << num_view << " views";
    EXPECT_EQ((uint64_t)num_call, m_reader.snapshot(0).regions[0].count);
}

TEST_F(ProfileChannelTest, a_writer_that_died_inside_an_update_stops_no_reader)
{
    ProfileChannelWriter writer(*m_layout, 1, 0);
    writer.epoch(10);
    // What a process killed between the two halves of an update leaves.
    m_layout->seq.store(m_layout->seq.load() + 1);
    EXPECT_EQ(1U, m_reader.snapshot(20).epoch_count);
}

TEST_F(ProfileChannelTest, every_thread_may_declare_and_post_work)
{
    ProfileChannelWriter writer(*m_layout, 1, 0);
    uint64_t loop = writer.region("loop", GEOPM_REGION_HINT_PARALLEL);
    writer.enter(loop, 10);
    const int num_thread = 4;
    const int num_post = 1000;
    std::vector<std::thread> threads;
    for (int idx = 0; idx < num_thread; ++idx) {
        // As GEOPM's examples: each thread declares the whole loop's work,
        // then posts its share.
        threads.emplace_back([&writer] {
            for (int post = 0; post < num_post; ++post) {
                writer.thread_init(num_thread * num_post);
                writer.thread_post();
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    EXPECT_DOUBLE_EQ(1.0, m_reader.snapshot(20).progress);
    writer.exit(loop, 30);
    EXPECT_TRUE(std::isnan(m_reader.snapshot(40).progress));
}
