// geopm::Profile over the profiling C API of libgeopmprof.so, which holds
// the process's channel to its controller (geopm_prof.cpp). The runtime
// library does not link it: the functions are found in the process when
// it was linked with -lgeopm (or preloaded), else loaded from beside this
// library, at the first use of default_profile().
#include "geopm/Profile.hpp"

#include <dlfcn.h>
#include <sched.h>

#include <mutex>

#include "geopm/Exception.hpp"

namespace
{
    using geopm::Exception;

    // The functions of geopm_prof.h this object calls.
    struct ProfileLibrary
    {
        int (*region)(const char *, uint64_t, uint64_t *);
        int (*enter)(uint64_t);
        int (*exit)(uint64_t);
        int (*epoch)(void);
        int (*shutdown)(void);
        int (*tprof_init)(uint32_t);
        int (*tprof_post)(void);
        int (*overhead)(double);
    };

    void *library_handle(void)
    {
        if (dlsym(RTLD_DEFAULT, "geopm_prof_region") != nullptr) {
            return RTLD_DEFAULT;
        }
        // Not in the process: the copy installed next to this library.
        Dl_info info;
        static const int anchor = 0;
        if (dladdr(&anchor, &info) == 0 || info.dli_fname == nullptr) {
            throw Exception("geopm::Profile: cannot find the directory of libgeopmbridge.so "
                            "to load libgeopmprof.so (link the program with -lgeopm)",
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        std::string path = info.dli_fname;
        size_t slash = path.rfind('/');
        path = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) +
               "libgeopmprof.so";
        void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
        if (handle == nullptr) {
            const char *why = dlerror();
            throw Exception("geopm::Profile: cannot load the profiling library \"" + path + "\": " +
                            (why ? why : "unknown error") + " (link the program with -lgeopm)",
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        return handle;
    }

    template <typename func_t>
    void resolve(void *handle, const char *name, func_t &func)
    {
        func = reinterpret_cast<func_t>(dlsym(handle, name));
        if (func == nullptr) {
            throw Exception(std::string("geopm::Profile: the profiling library has no ") + name,
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
    }

    ProfileLibrary load_library(void)
    {
        void *handle = library_handle();
        ProfileLibrary result;
        resolve(handle, "geopm_prof_region", result.region);
        resolve(handle, "geopm_prof_enter", result.enter);
        resolve(handle, "geopm_prof_exit", result.exit);
        resolve(handle, "geopm_prof_epoch", result.epoch);
        resolve(handle, "geopm_prof_shutdown", result.shutdown);
        resolve(handle, "geopm_tprof_init", result.tprof_init);
        resolve(handle, "geopm_tprof_post", result.tprof_post);
        resolve(handle, "geopm_prof_overhead", result.overhead);
        return result;
    }

    void check(int err, const std::string &call)
    {
        if (err != 0) {
            throw Exception("geopm::Profile: " + call + " failed", err, __FILE__, __LINE__);
        }
    }

    class ProfileImp : public geopm::Profile
    {
        public:
            ProfileImp()
                : m_lib(load_library())
            {

            }

            uint64_t region(const std::string &region_name, long hint) override
            {
                std::lock_guard<std::mutex> guard(m_lock);
                auto it = m_region_id.find(region_name);
                if (it != m_region_id.end()) {
                    return it->second;
                }
                uint64_t region_id = 0;
                check(m_lib.region(region_name.c_str(), static_cast<uint64_t>(hint), &region_id),
                      "geopm_prof_region(\"" + region_name + "\")");
                m_region_id.emplace(region_name, region_id);
                return region_id;
            }

            void enter(uint64_t region_id) override
            {
                check(m_lib.enter(region_id), "geopm_prof_enter()");
            }

            void exit(uint64_t region_id) override
            {
                check(m_lib.exit(region_id), "geopm_prof_exit()");
            }

            void epoch(void) override
            {
                check(m_lib.epoch(), "geopm_prof_epoch()");
            }

            void shutdown(void) override
            {
                check(m_lib.shutdown(), "geopm_prof_shutdown()");
            }

            void thread_init(uint32_t num_work_unit) override
            {
                check(m_lib.tprof_init(num_work_unit), "geopm_tprof_init()");
            }

            void thread_post(int) override
            {
                // The library finds the calling thread's CPU itself.
                check(m_lib.tprof_post(), "geopm_tprof_post()");
            }

            std::vector<std::string> region_names(void) override
            {
                std::lock_guard<std::mutex> guard(m_lock);
                std::vector<std::string> result;
                for (const auto &item : m_region_id) {
                    result.push_back(item.first);
                }
                return result;
            }

            void reset_cpu_set(void) override
            {

            }

            void overhead(double overhead_sec) override
            {
                check(m_lib.overhead(overhead_sec), "geopm_prof_overhead()");
            }

            void connect(void) override
            {

            }
        private:
            const ProfileLibrary m_lib;
            std::mutex m_lock;
            std::map<std::string, uint64_t> m_region_id;
    };
}

namespace geopm
{
    Profile &Profile::default_profile(void)
    {
        static ProfileImp instance;
        return instance;
    }

    int Profile::get_cpu(void)
    {
        static thread_local int cpu = sched_getcpu();
        return cpu;
    }
}
