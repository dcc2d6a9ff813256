/*
 * Where the geopm service keeps an application's profiling shared memory,
 * and how it makes it: /run/geopm/profile-<pid>-<key>, the key "status"
 * shared by all of a user's processes (/run/geopm/profile-<uid>-status).
 * The embedded runtime profiles through its own channel (geopm_prof.h); these
 * are GEOPM's names, and creation works where /run/geopm exists and may be
 * written. Both return 0, or a negative GEOPM_ERROR_* code whose text
 * geopm_error_message() gives.
 */
#ifndef GEOPM_SHMEM_H_INCLUDE
#define GEOPM_SHMEM_H_INCLUDE

#include <stddef.h>

#include "geopm_public.h"

#ifdef __cplusplus
#include <string>

namespace geopm
{
    /// The path of profile shared memory shm_key for process pid of user uid.
    std::string GEOPM_PUBLIC
        shmem_path_prof(const std::string &shm_key, int pid, int uid);
    /// Create that shared memory (size bytes, owner-only) and give it to
    /// uid and gid.
    void GEOPM_PUBLIC
        shmem_create_prof(const std::string &shm_key, size_t size, int pid, int uid, int gid);
}

extern "C" {
#endif

/* shmem_path_prof() into shm_path (shm_path_max bytes with the NUL);
 * GEOPM_ERROR_RUNTIME when it does not fit. */
int GEOPM_PUBLIC
    geopm_shmem_path_prof(const char *shm_key, int pid, int uid,
                          size_t shm_path_max, char *shm_path);

/* shmem_create_prof(). */
int GEOPM_PUBLIC
    geopm_shmem_create_prof(const char *shm_key, size_t size, int pid, int uid, int gid);

#ifdef __cplusplus
}
#endif
#endif
