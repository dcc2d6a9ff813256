/*
 * geopm_prof.h over the shared-memory channel: each case runs the
 * application side in a forked child (a process connects once), then reads
 * what it left behind as the controller will, after the child is gone.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "geopm_error.h"
#include "geopm_hash.h"
#include "geopm_hint.h"
#include "geopm_prof.h"

#include "ProfileChannel.hpp"
#include "ProfileConnection.hpp"

using geopm_bridge::M_PROFILE_KEY_VARIABLE;
using geopm_bridge::ProfileChannelLayout;
using geopm_bridge::ProfileChannelReader;
using geopm_bridge::ProfileSnapshot;
using geopm_bridge::profile_channel_prefix;

namespace
{
    class ProfileApiTest : public ::testing::Test
    {
        protected:
            const std::string m_key = "unit" + std::to_string(getpid());

            // Runs body in a child process; its exit code is the number of
            // failed checks. Returns the child's pid.
            pid_t run_child(const std::function<int(void)> &body)
            {
                pid_t pid = fork();
                if (pid == 0) {
                    _exit(body());
                }
                int status = 0;
                EXPECT_EQ(pid, waitpid(pid, &status, 0));
                EXPECT_TRUE(WIFEXITED(status));
                EXPECT_EQ(0, WEXITSTATUS(status)) << "checks failed in the child";
                return pid;
            }

            std::string channel_name(pid_t pid) const
            {
                return "/" + profile_channel_prefix(m_key) + std::to_string(pid);
            }

            bool channel_exists(pid_t pid) const
            {
                int fd = shm_open(channel_name(pid).c_str(), O_RDONLY, 0);
                if (fd != -1) {
                    close(fd);
                }
                return fd != -1;
            }

            // What the controller reads from the channel of pid; removes it.
            ProfileSnapshot read_channel(pid_t pid)
            {
                ProfileSnapshot result {};
                int fd = shm_open(channel_name(pid).c_str(), O_RDWR, 0);
                EXPECT_NE(-1, fd) << channel_name(pid);
                if (fd == -1) {
                    return result;
                }
                void *memory = mmap(nullptr, sizeof(ProfileChannelLayout), PROT_READ | PROT_WRITE,
                                    MAP_SHARED, fd, 0);
                close(fd);
                EXPECT_NE(MAP_FAILED, memory);
                ProfileChannelReader reader(*static_cast<ProfileChannelLayout *>(memory));
                EXPECT_TRUE(reader.is_ready());
                result = reader.snapshot(0);
                munmap(memory, sizeof(ProfileChannelLayout));
                shm_unlink(channel_name(pid).c_str());
                return result;
            }
    };
}

TEST_F(ProfileApiTest, without_a_controller_every_call_is_a_no_op)
{
    pid_t pid = run_child([] {
        unsetenv(M_PROFILE_KEY_VARIABLE);
        uint64_t id = 123;
        int failed = geopm_prof_region("loop", GEOPM_REGION_HINT_COMPUTE, &id) != 0;
        failed += id != 0;
        failed += geopm_prof_enter(id) != 0;
        failed += geopm_prof_exit(id) != 0;
        failed += geopm_prof_exit(id) != 0;  // not even this is checked
        failed += geopm_prof_epoch() != 0;
        failed += geopm_tprof_init(4) != 0;
        failed += geopm_tprof_post() != 0;
        failed += geopm_prof_overhead(0.1) != 0;
        failed += geopm_prof_shutdown() != 0;
        return failed;
    });
    EXPECT_FALSE(channel_exists(pid));
}

TEST_F(ProfileApiTest, a_profiled_process_leaves_its_totals_for_the_controller)
{
    std::string key = m_key;
    pid_t pid = run_child([key] {
        setenv(M_PROFILE_KEY_VARIABLE, key.c_str(), 1);
        uint64_t outer = 0;
        uint64_t inner = 0;
        int failed = geopm_prof_region("outer", GEOPM_REGION_HINT_COMPUTE, &outer) != 0;
        failed += geopm_prof_region("inner", GEOPM_REGION_HINT_MEMORY, &inner) != 0;
        failed += outer != (geopm_crc32_str("outer") | ((uint64_t)GEOPM_REGION_HINT_COMPUTE << 32));
        for (int idx = 0; idx < 3; ++idx) {
            failed += geopm_prof_epoch() != 0;
            failed += geopm_prof_enter(outer) != 0;
            failed += geopm_prof_enter(inner) != 0;
            failed += geopm_prof_exit(inner) != 0;
            failed += geopm_prof_exit(outer) != 0;
        }
        // Bad calls: GEOPM's codes, and nothing recorded.
        uint64_t unused = 0;
        failed += geopm_prof_region("bad", GEOPM_NUM_REGION_HINT, &unused) != GEOPM_ERROR_INVALID;
        failed += geopm_prof_region(nullptr, GEOPM_REGION_HINT_UNKNOWN, &unused) != GEOPM_ERROR_INVALID;
        failed += geopm_prof_exit(outer) != GEOPM_ERROR_RUNTIME;
        failed += geopm_prof_enter(geopm_crc32_str("never registered")) != GEOPM_ERROR_INVALID;
        return failed;
    });
    ProfileSnapshot snap = read_channel(pid);
    ASSERT_EQ(2U, snap.regions.size());
    EXPECT_EQ("outer", snap.regions[0].name);
    EXPECT_EQ(3U, snap.regions[0].count);
    EXPECT_GT(snap.regions[0].total_ns, 0);
    EXPECT_EQ(0U, snap.regions[1].count);  // nested: the outer region's time
    EXPECT_EQ(3U, snap.epoch_count);
    EXPECT_EQ((uint64_t)GEOPM_REGION_HASH_UNMARKED, snap.hash);
    EXPECT_FALSE(channel_exists(pid));
}

TEST_F(ProfileApiTest, the_program_filter_leaves_other_programs_unprofiled)
{
    std::string key = m_key;
    pid_t pid = run_child([key] {
        setenv(M_PROFILE_KEY_VARIABLE, key.c_str(), 1);
        setenv("GEOPM_PROGRAM_FILTER", "some_other_app,/usr/bin/another", 1);
        uint64_t id = 1;
        int failed = geopm_prof_region("loop", GEOPM_REGION_HINT_COMPUTE, &id) != 0;
        failed += id != 0;
        failed += geopm_prof_epoch() != 0;
        return failed;
    });
    EXPECT_FALSE(channel_exists(pid));
}

TEST_F(ProfileApiTest, a_forked_child_gets_a_channel_of_its_own)
{
    std::string key = m_key;
    pid_t grandchild = 0;
    int pipe_fd[2];
    ASSERT_EQ(0, pipe(pipe_fd));
    pid_t pid = run_child([key, &pipe_fd] {
        setenv(M_PROFILE_KEY_VARIABLE, key.c_str(), 1);
        int failed = geopm_prof_epoch() != 0;
        pid_t child = fork();
        if (child == 0) {
            _exit(geopm_prof_epoch() + geopm_prof_epoch());
        }
        int status = 0;
        failed += waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
        failed += write(pipe_fd[1], &child, sizeof(child)) != sizeof(child);
        return failed;
    });
    ASSERT_EQ((ssize_t)sizeof(grandchild), read(pipe_fd[0], &grandchild, sizeof(grandchild)));
    close(pipe_fd[0]);
    close(pipe_fd[1]);
    EXPECT_EQ(1U, read_channel(pid).epoch_count);
    EXPECT_EQ(2U, read_channel(grandchild).epoch_count);
}
