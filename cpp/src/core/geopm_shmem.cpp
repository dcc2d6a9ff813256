// geopm_shmem.h: the names of the geopm service's profiling shared memory.
#include "geopm_shmem.h"

#include <string.h>

#include <exception>

#include "geopm/Exception.hpp"
#include "geopm/SharedMemory.hpp"

namespace geopm
{
    std::string shmem_path_prof(const std::string &shm_key, int pid, int uid)
    {
        // One "status" region per user; every other key per process.
        int owner = shm_key == "status" ? uid : pid;
        return "/run/geopm/profile-" + std::to_string(owner) + "-" + shm_key;
    }

    void shmem_create_prof(const std::string &shm_key, size_t size, int pid, int uid, int gid)
    {
        std::unique_ptr<SharedMemory> shmem =
            SharedMemory::make_unique_owner_secure(shmem_path_prof(shm_key, pid, uid), size);
        shmem->chown(uid, gid);
    }
}

namespace
{
    // A C entry point's result: 0, or a negative GEOPM error code (errno
    // values from the system become GEOPM_ERROR_RUNTIME, as in GEOPM, the
    // message kept for geopm_error_message() under that code).
    template <class Body>
    int c_call(Body body)
    {
        try {
            body();
            return 0;
        }
        catch (...) {
            int err = geopm::exception_handler(std::current_exception());
            if (err > 0) {
                std::string message;
                try {
                    throw;
                }
                catch (const std::exception &ex) {
                    message = ex.what();
                }
                catch (...) {
                }
                err = geopm::exception_handler(std::make_exception_ptr(
                    geopm::Exception(message, GEOPM_ERROR_RUNTIME, nullptr, 0)));
            }
            return err;
        }
    }
}

extern "C"
{
    int geopm_shmem_path_prof(const char *shm_key, int pid, int uid, size_t shm_path_max, char *shm_path)
    {
        return c_call([&]() {
            if (shm_key == nullptr || shm_path == nullptr) {
                throw geopm::Exception("geopm_shmem_path_prof(): null argument",
                                       GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            std::string path = geopm::shmem_path_prof(shm_key, pid, uid);
            if (path.size() >= shm_path_max) {
                throw geopm::Exception("geopm_shmem_path_prof(): " + std::to_string(shm_path_max) +
                                       " bytes cannot hold \"" + path + "\"",
                                       GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
            }
            memcpy(shm_path, path.c_str(), path.size() + 1);
        });
    }

    int geopm_shmem_create_prof(const char *shm_key, size_t size, int pid, int uid, int gid)
    {
        return c_call([&]() {
            if (shm_key == nullptr) {
                throw geopm::Exception("geopm_shmem_create_prof(): null shm_key",
                                       GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            geopm::shmem_create_prof(shm_key, size, pid, uid, gid);
        });
    }
}
