/*
 * A memory region shared between processes, with a process-shared mutex
 * ahead of the caller's bytes.
 *
 * A key of the form "/name" (one leading slash, no other) names a POSIX
 * shared-memory object: the file /run/user/<uid>/name where that directory
 * exists, else /dev/shm/name. Any other key is used as a file path as is.
 * The owner creates the region (it must not exist yet) and sets up the
 * mutex; users attach to it by key. Region and mutex are laid out as in
 * GEOPM 3.1, so either side may be a GEOPM process.
 */
#ifndef SHAREDMEMORY_HPP_INCLUDE
#define SHAREDMEMORY_HPP_INCLUDE

#include <stdlib.h>

#include <memory>
#include <string>

#include "geopm_public.h"

#include "SharedMemoryScopedLock.hpp"

namespace geopm
{
    class GEOPM_PUBLIC SharedMemory
    {
        public:
            SharedMemory() = default;
            SharedMemory(const SharedMemory &other) = default;
            SharedMemory &operator=(const SharedMemory &other) = default;
            virtual ~SharedMemory() = default;
            /// The caller's bytes: size() of them, after the mutex.
            virtual void *pointer(void) const = 0;
            /// The key the region was created or attached with.
            virtual std::string key(void) const = 0;
            /// The number of bytes at pointer().
            virtual size_t size(void) const = 0;
            /// Remove the region's name; processes attached keep their
            /// mapping. Unlinking twice does nothing; a user whose unlink
            /// fails gets an error, the owner does not.
            virtual void unlink(void) = 0;
            /// Lock the region's mutex until the returned object is
            /// destroyed; take it around every access through pointer().
            virtual std::unique_ptr<SharedMemoryScopedLock> get_scoped_lock(void) = 0;
            /// Create the region shm_key with size bytes for the caller,
            /// readable and writable by everyone.
            static std::unique_ptr<SharedMemory> make_unique_owner(const std::string &shm_key, size_t size);
            /// As make_unique_owner(), readable and writable by the owner's
            /// user only.
            static std::unique_ptr<SharedMemory> make_unique_owner_secure(const std::string &shm_key, size_t size);
            /// Attach to the region shm_key. With a timeout (seconds) other
            /// than 0, wait up to that long for the region to appear and be
            /// sized; throws when it does not.
            static std::unique_ptr<SharedMemory> make_unique_user(const std::string &shm_key, unsigned int timeout);
            /// Give the region's file to uid and gid (permissions allowing).
            virtual void chown(const unsigned int uid, const unsigned int gid) const = 0;
            /// Remove every region this user's GEOPM processes leave under
            /// the name "/geopm-shm-<uid>-*".
            static void cleanup_shmem(void);
    };
}

#endif
