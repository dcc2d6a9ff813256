#include "ProfileConnection.hpp"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "geopm/Exception.hpp"
#include "geopm_error.h"

#include "ProfileChannel.hpp"

namespace geopm_bridge
{
    namespace
    {
        struct Connection
        {
            std::string name;
            ProfileChannelLayout *layout = nullptr;
            std::unique_ptr<ProfileChannelWriter> writer;

            // The object outlives the process: the controller reads the
            // last totals after the process is gone, then removes it.
            ~Connection()
            {
                writer.reset();
                if (layout != nullptr) {
                    munmap(layout, sizeof(ProfileChannelLayout));
                }
            }
        };

        std::mutex g_mutex;
        std::unique_ptr<Connection> g_connection;
        // The hot path reads only this: the writer, or nullptr with
        // g_is_resolved set when the process has no controller.
        std::atomic<ProfileChannelWriter *> g_writer(nullptr);
        std::atomic<bool> g_is_resolved(false);
        // In a forked child: the channel of the process it was forked from
        // (still mapped here) and how many regions that process had
        // registered then; their ids stay valid in the child, as in GEOPM.
        const ProfileChannelLayout *g_inherited = nullptr;
        uint32_t g_inherited_num_region = 0;

        // GEOPM_PROGRAM_FILTER: comma-separated program names or paths;
        // unset or empty profiles every program.
        bool is_program_profiled(void)
        {
            const char *filter = getenv("GEOPM_PROGRAM_FILTER");
            if (filter == nullptr || *filter == '\0') {
                return true;
            }
            // By hand, not geopm::string_split(): this library stands
            // alone (it is preloaded into programs that have their own).
            std::string rest = filter;
            while (!rest.empty()) {
                size_t comma = rest.find(',');
                std::string entry = rest.substr(0, comma);
                rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
                std::string base = entry.substr(entry.find_last_of('/') + 1);
                if (!base.empty() && base == program_invocation_short_name) {
                    return true;
                }
            }
            return false;
        }

        std::unique_ptr<Connection> connect(void)
        {
            const char *key = getenv(M_PROFILE_KEY_VARIABLE);
            if (key == nullptr || *key == '\0' || !is_program_profiled()) {
                return nullptr;
            }
            auto result = std::make_unique<Connection>();
            result->name = "/" + profile_channel_prefix(key) + std::to_string(getpid());
            int fd = shm_open(result->name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
            if (fd == -1 && errno == EEXIST) {
                // Left by a process of the same pid that died: ours now.
                shm_unlink(result->name.c_str());
                fd = shm_open(result->name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
            }
            if (fd == -1) {
                throw geopm::Exception("geopm_prof: cannot create " + result->name + ": " +
                                       strerror(errno), GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
            }
            void *memory = MAP_FAILED;
            if (ftruncate(fd, sizeof(ProfileChannelLayout)) == 0) {
                memory = mmap(nullptr, sizeof(ProfileChannelLayout), PROT_READ | PROT_WRITE,
                              MAP_SHARED, fd, 0);
            }
            int err = errno;
            close(fd);
            if (memory == MAP_FAILED) {
                shm_unlink(result->name.c_str());
                throw geopm::Exception("geopm_prof: cannot map " + result->name + ": " +
                                       strerror(err), GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
            }
            // A new object is zeroed: a valid empty channel once stamped.
            result->layout = static_cast<ProfileChannelLayout *>(memory);
            result->writer = std::make_unique<ProfileChannelWriter>(*result->layout, getpid(),
                                                                    profile_now_ns());
            for (uint32_t idx = 0; idx < g_inherited_num_region; ++idx) {
                const ProfileRegionSlot &slot = g_inherited->regions[idx];
                result->writer->region(std::string(slot.name, strnlen(slot.name, M_PROFILE_NAME_SIZE)),
                                       slot.hint);
            }
            return result;
        }

        // Held across fork() so that the child never inherits it locked
        // by a thread that the child does not have.
        void lock_before_fork(void)
        {
            g_mutex.lock();
        }

        void unlock_in_parent(void)
        {
            g_mutex.unlock();
        }

        void forget_in_child(void)
        {
            // The parent's channel stays the parent's: the child's first
            // call makes its own, holding the regions the parent had
            // registered. Nothing is unmapped or freed here.
            if (g_connection) {
                g_inherited = g_connection->layout;
                g_inherited_num_region = g_inherited->num_region.load(std::memory_order_acquire);
            }
            (void)g_connection.release();
            g_writer.store(nullptr);
            g_is_resolved.store(false);
            g_mutex.unlock();
        }

        void register_fork_handler(void)
        {
            static std::once_flag once;
            std::call_once(once, [] {
                pthread_atfork(lock_before_fork, unlock_in_parent, forget_in_child);
            });
        }
    }

    ProfileChannelWriter *profile_connection(void)
    {
        ProfileChannelWriter *writer = g_writer.load(std::memory_order_acquire);
        if (writer != nullptr || g_is_resolved.load(std::memory_order_acquire)) {
            return writer;
        }
        std::lock_guard<std::mutex> lock(g_mutex);
        if (!g_is_resolved.load(std::memory_order_relaxed)) {
            register_fork_handler();
            // Resolved even when connecting fails: the error is returned
            // once, then the process runs unprofiled.
            g_is_resolved.store(true, std::memory_order_release);
            g_connection = connect();
            if (g_connection) {
                g_writer.store(g_connection->writer.get(), std::memory_order_release);
            }
        }
        return g_writer.load(std::memory_order_relaxed);
    }

    namespace
    {
        // In this file: it runs after the globals above are initialized.
        __attribute__((constructor)) void connect_at_load(void)
        {
            const char *at_load = getenv("GEOPM_BRIDGE_PROFILE_AT_LOAD");
            if (at_load != nullptr && *at_load != '\0') {
                try {
                    (void)profile_connection();
                }
                catch (...) {
                    // The program runs unprofiled, as after a failing call.
                }
            }
        }
    }

    void profile_disconnect(void)
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        g_writer.store(nullptr);
        g_connection.reset();
        // Calls after this do nothing, as in GEOPM after shutdown.
        g_is_resolved.store(true);
    }
}
