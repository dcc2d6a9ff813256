// geopm::SharedMemory over POSIX shared memory files, and the scoped lock
// of its mutex.
#include "geopm/SharedMemory.hpp"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/SharedMemoryScopedLock.hpp"

namespace geopm
{
    namespace
    {
        // The region starts with its mutex, alone in the first cache line;
        // the caller's bytes follow (GEOPM 3.1's layout).
        constexpr size_t M_LOCK_SIZE = hardware_destructive_interference_size;
        static_assert(sizeof(pthread_mutex_t) <= M_LOCK_SIZE, "the mutex must fit its cache line");

        int last_errno(void)
        {
            return errno ? errno : GEOPM_ERROR_RUNTIME;
        }

        // The file behind a key: "/name" is a POSIX shared-memory name
        // (under the user's runtime directory where systemd made one),
        // anything else a path.
        std::string key_to_path(const std::string &key)
        {
            bool is_shm_name = key.size() > 1 && key[0] == '/' && key.find('/', 1) == std::string::npos;
            if (!is_shm_name) {
                return key;
            }
            std::string run_dir = "/run/user/" + std::to_string(getuid());
            return (access(run_dir.c_str(), F_OK) == 0 ? run_dir : std::string("/dev/shm")) + key;
        }

        // Closes a file descriptor when it goes out of scope.
        class FileCloser
        {
            public:
                explicit FileCloser(int fd) : m_fd(fd) {}
                FileCloser(const FileCloser &other) = delete;
                FileCloser &operator=(const FileCloser &other) = delete;
                ~FileCloser()
                {
                    if (m_fd >= 0) {
                        (void)::close(m_fd);
                    }
                }
            private:
                int m_fd;
        };

        void *map_file(int fd, size_t size, const std::string &what)
        {
            void *base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (base == MAP_FAILED) {
                throw Exception(what + ": mmap() of " + std::to_string(size) + " bytes failed",
                                last_errno(), __FILE__, __LINE__);
            }
            return base;
        }

        // A mutex that every process mapping the region can take, and that
        // reports relocking or a foreign unlock instead of deadlocking.
        int init_shared_mutex(pthread_mutex_t *mutex)
        {
            pthread_mutexattr_t attr;
            int err = pthread_mutexattr_init(&attr);
            if (err) {
                return err;
            }
            err = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
            if (!err) {
                err = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
            }
            if (!err) {
                err = pthread_mutex_init(mutex, &attr);
            }
            (void)pthread_mutexattr_destroy(&attr);
            return err;
        }

        double seconds_since(std::chrono::steady_clock::time_point start)
        {
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        }
    }

    class SharedMemoryImp : public SharedMemory
    {
        public:
            /// A mapping of total bytes at base (mutex included) of the
            /// file at path; is_owner: this process created it.
            SharedMemoryImp(const std::string &key, const std::string &path, void *base,
                            size_t total, bool is_owner);
            SharedMemoryImp(const SharedMemoryImp &other) = delete;
            SharedMemoryImp &operator=(const SharedMemoryImp &other) = delete;
            virtual ~SharedMemoryImp();
            void *pointer(void) const override;
            std::string key(void) const override;
            size_t size(void) const override;
            void unlink(void) override;
            std::unique_ptr<SharedMemoryScopedLock> get_scoped_lock(void) override;
            void chown(const unsigned int uid, const unsigned int gid) const override;
            static std::unique_ptr<SharedMemory> create(const std::string &key, size_t size,
                                                        mode_t mode, const char *function);
            static std::unique_ptr<SharedMemory> attach(const std::string &key,
                                                        unsigned int timeout);
        private:
            std::string m_key;
            std::string m_path;
            void *m_base;
            size_t m_total;
            bool m_is_owner;
            bool m_is_linked;
    };

    SharedMemoryImp::SharedMemoryImp(const std::string &key, const std::string &path,
                                     void *base, size_t total, bool is_owner)
        : m_key(key)
        , m_path(path)
        , m_base(base)
        , m_total(total)
        , m_is_owner(is_owner)
        , m_is_linked(true)
    {
    }

    SharedMemoryImp::~SharedMemoryImp()
    {
        (void)munmap(m_base, m_total);
    }

    void *SharedMemoryImp::pointer(void) const
    {
        return static_cast<char *>(m_base) + M_LOCK_SIZE;
    }

    std::string SharedMemoryImp::key(void) const
    {
        return m_key;
    }

    size_t SharedMemoryImp::size(void) const
    {
        return m_total - M_LOCK_SIZE;
    }

    void SharedMemoryImp::unlink(void)
    {
        if (!m_is_linked) {
            return;
        }
        m_is_linked = false;
        // The owner may find its region already removed by a user (as in
        // GEOPM, where the owner's cleanup must not throw).
        if (::unlink(m_path.c_str()) != 0 && !m_is_owner) {
            throw Exception("SharedMemory::unlink(): cannot remove \"" + m_path + "\"",
                            last_errno(), __FILE__, __LINE__);
        }
    }

    std::unique_ptr<SharedMemoryScopedLock> SharedMemoryImp::get_scoped_lock(void)
    {
        return geopm::make_unique<SharedMemoryScopedLock>(static_cast<pthread_mutex_t *>(m_base));
    }

    void SharedMemoryImp::chown(const unsigned int uid, const unsigned int gid) const
    {
        if (!m_is_linked) {
            throw Exception("SharedMemory::chown(): the region \"" + m_key + "\" has been unlinked",
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        int fd = open(m_path.c_str(), O_RDWR);
        if (fd < 0) {
            throw Exception("SharedMemory::chown(): cannot open \"" + m_path + "\"",
                            last_errno(), __FILE__, __LINE__);
        }
        FileCloser closer(fd);
        if (fchown(fd, uid, gid) != 0) {
            throw Exception("SharedMemory::chown(): cannot give \"" + m_path + "\" to uid " +
                            std::to_string(uid) + ", gid " + std::to_string(gid),
                            last_errno(), __FILE__, __LINE__);
        }
    }

    std::unique_ptr<SharedMemory> SharedMemoryImp::create(const std::string &key, size_t size,
                                                          mode_t mode, const char *function)
    {
        const std::string what = std::string("SharedMemory::") + function + "(\"" + key + "\")";
        if (size == 0) {
            throw Exception(what + ": the size must not be zero", GEOPM_ERROR_RUNTIME,
                            __FILE__, __LINE__);
        }
        std::string path = key_to_path(key);
        int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, mode);
        if (fd < 0) {
            throw Exception(what + ": cannot create \"" + path + "\"", last_errno(),
                            __FILE__, __LINE__);
        }
        FileCloser closer(fd);
        const size_t total = size + M_LOCK_SIZE;
        void *base = nullptr;
        try {
            // fchmod: the mode as asked, whatever this process's umask.
            if (fchmod(fd, mode) != 0 || ftruncate(fd, static_cast<off_t>(total)) != 0) {
                throw Exception(what + ": cannot size \"" + path + "\" to " +
                                std::to_string(total) + " bytes", last_errno(), __FILE__, __LINE__);
            }
            base = map_file(fd, total, what);
            int err = init_shared_mutex(static_cast<pthread_mutex_t *>(base));
            if (err) {
                throw Exception(what + ": cannot set up the region's mutex", err, __FILE__, __LINE__);
            }
        }
        catch (...) {
            if (base != nullptr) {
                (void)munmap(base, total);
            }
            (void)::unlink(path.c_str());
            throw;
        }
        return geopm::make_unique<SharedMemoryImp>(key, path, base, total, true);
    }

    std::unique_ptr<SharedMemory> SharedMemoryImp::attach(const std::string &key,
                                                          unsigned int timeout)
    {
        const std::string what = "SharedMemory::make_unique_user(\"" + key + "\")";
        const std::string path = key_to_path(key);
        const auto start = std::chrono::steady_clock::now();
        const auto pause = std::chrono::milliseconds(1);
        // Wait (up to timeout seconds) for the owner to create the file...
        int fd = open(path.c_str(), O_RDWR);
        while (fd < 0 && seconds_since(start) < timeout) {
            std::this_thread::sleep_for(pause);
            fd = open(path.c_str(), O_RDWR);
        }
        if (fd < 0) {
            throw Exception(what + ": cannot open \"" + path + "\"" +
                            (timeout ? " within " + std::to_string(timeout) + " s" : ""),
                            last_errno(), __FILE__, __LINE__);
        }
        FileCloser closer(fd);
        // ... and to size it.
        struct stat info {};
        bool is_stat = fstat(fd, &info) == 0;
        while ((!is_stat || info.st_size == 0) && seconds_since(start) < timeout) {
            std::this_thread::sleep_for(pause);
            is_stat = fstat(fd, &info) == 0;
        }
        if (!is_stat) {
            throw Exception(what + ": cannot stat \"" + path + "\"", last_errno(), __FILE__, __LINE__);
        }
        const size_t total = static_cast<size_t>(info.st_size);
        if (total <= M_LOCK_SIZE) {
            throw Exception(what + ": \"" + path + "\" holds " + std::to_string(total) +
                            " bytes, no shared memory region" +
                            (timeout ? " after " + std::to_string(timeout) + " s" : ""),
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        void *base = map_file(fd, total, what);
        return geopm::make_unique<SharedMemoryImp>(key, path, base, total, false);
    }

    std::unique_ptr<SharedMemory> SharedMemory::make_unique_owner(const std::string &shm_key, size_t size)
    {
        return SharedMemoryImp::create(shm_key, size,
                                       S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH,
                                       "make_unique_owner");
    }

    std::unique_ptr<SharedMemory> SharedMemory::make_unique_owner_secure(const std::string &shm_key, size_t size)
    {
        return SharedMemoryImp::create(shm_key, size, S_IRUSR | S_IWUSR, "make_unique_owner_secure");
    }

    std::unique_ptr<SharedMemory> SharedMemory::make_unique_user(const std::string &shm_key, unsigned int timeout)
    {
        return SharedMemoryImp::attach(shm_key, timeout);
    }

    void SharedMemory::cleanup_shmem(void)
    {
        std::string pattern = key_to_path("/geopm-shm-" + std::to_string(getuid()) + "-*");
        glob_t found {};
        if (glob(pattern.c_str(), 0, nullptr, &found) == 0) {
            for (size_t idx = 0; idx < found.gl_pathc; ++idx) {
                (void)::unlink(found.gl_pathv[idx]);
            }
        }
        globfree(&found);
    }

    SharedMemoryScopedLock::SharedMemoryScopedLock(pthread_mutex_t *mutex)
        : m_mutex(mutex)
    {
        if (m_mutex == nullptr) {
            throw Exception("SharedMemoryScopedLock(): the mutex is null", GEOPM_ERROR_INVALID,
                            __FILE__, __LINE__);
        }
        int err = pthread_mutex_lock(m_mutex);
        if (err) {
            throw Exception("SharedMemoryScopedLock(): pthread_mutex_lock() failed", err,
                            __FILE__, __LINE__);
        }
    }

    SharedMemoryScopedLock::~SharedMemoryScopedLock()
    {
        // Nothing to do about a failed unlock in a destructor.
        (void)pthread_mutex_unlock(m_mutex);
    }
}
