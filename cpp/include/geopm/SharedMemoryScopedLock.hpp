/*
 * Holds the mutex of a SharedMemory region for as long as it lives.
 */
#ifndef SHAREDMEMORYSCOPEDLOCK_HPP_INCLUDE
#define SHAREDMEMORYSCOPEDLOCK_HPP_INCLUDE

#include <pthread.h>

#include "geopm_public.h"

namespace geopm
{
    class GEOPM_PUBLIC SharedMemoryScopedLock
    {
        public:
            SharedMemoryScopedLock() = delete;
            /// Locks mutex (waiting for it); throws GEOPM_ERROR_INVALID for
            /// a null mutex, or the pthread error code when locking fails.
            SharedMemoryScopedLock(pthread_mutex_t *mutex);
            SharedMemoryScopedLock(const SharedMemoryScopedLock &other) = delete;
            SharedMemoryScopedLock &operator=(const SharedMemoryScopedLock &other) = delete;
            /// Unlocks the mutex.
            virtual ~SharedMemoryScopedLock();
        private:
            pthread_mutex_t *m_mutex;
    };
}

#endif
