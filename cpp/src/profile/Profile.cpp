// geopm::ProfileImp, and so Profile::default_profile(), over the profiling
// C API of libgeopmprof.so, which holds the process's channel to its
// controller (geopm_prof.cpp). The runtime library does not link it: the
// functions are found in the process when it was linked with -lgeopm (or
// preloaded), else loaded from beside this library, when the first
// ProfileImp is made.
#include "geopm/Profile.hpp"

#include <dlfcn.h>
#include <sched.h>

#include <memory>
#include <mutex>
#include <utility>

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

    // Loaded once for the process; a failure is thrown again at the next try.
    const ProfileLibrary &library(void)
    {
        static std::mutex lock;
        static std::unique_ptr<ProfileLibrary> loaded;
        std::lock_guard<std::mutex> guard(lock);
        if (!loaded) {
            loaded = std::make_unique<ProfileLibrary>(load_library());
        }
        return *loaded;
    }

    // Guards every ProfileImp's region table.
    std::mutex g_region_lock;

    void check(int err, const std::string &call)
    {
        if (err != 0) {
            throw Exception("geopm::Profile: " + call + " failed", err, __FILE__, __LINE__);
        }
    }
}

namespace geopm
{
    ProfileImp::ProfileImp()
        : ProfileImp("", "", 0, {}, nullptr, nullptr, true, nullptr, nullptr, M_PID_INIT)
    {
        library();
        m_is_enabled = true;
    }

    ProfileImp::ProfileImp(const std::string &prof_name,
                           const std::string &report,
                           int num_cpu,
                           std::set<int> cpu_set,
                           std::shared_ptr<ApplicationStatus> app_status,
                           std::shared_ptr<ApplicationRecordLog> app_record_log,
                           bool do_profile,
                           std::shared_ptr<ServiceProxy> service_proxy,
                           std::shared_ptr<Scheduler> scheduler,
                           int registered_pid)
        : m_is_enabled(false)
        , m_prof_name(prof_name)
        , m_report(report)
        , m_curr_region_id(0)
        , m_current_hash(GEOPM_REGION_HASH_UNMARKED)
        , m_num_cpu(num_cpu)
        , m_cpu_set(std::move(cpu_set))
        , m_app_status(std::move(app_status))
        , m_app_record_log(std::move(app_record_log))
        , m_overhead_time(0.0)
        , m_overhead_time_startup(0.0)
        , m_overhead_time_shutdown(0.0)
        , m_do_profile(do_profile)
        , m_service_proxy(std::move(service_proxy))
        , m_scheduler(std::move(scheduler))
        , m_pid_registered(registered_pid)
    {
    }

    // The library ends the process's profiling itself at exit.
    ProfileImp::~ProfileImp() = default;

    void ProfileImp::connect(void)
    {
        if (m_do_profile && !m_is_enabled) {
            library();
            m_is_enabled = true;
        }
    }

    uint64_t ProfileImp::region(const std::string &region_name, long hint)
    {
        if (!m_is_enabled) {
            return 0;
        }
        std::lock_guard<std::mutex> guard(g_region_lock);
        auto it = m_region_names.find(region_name);
        if (it != m_region_names.end()) {
            return it->second;
        }
        uint64_t region_id = 0;
        check(library().region(region_name.c_str(), static_cast<uint64_t>(hint), &region_id),
              "geopm_prof_region(\"" + region_name + "\")");
        m_region_names.emplace(region_name, region_id);
        m_region_ids.insert(region_id);
        return region_id;
    }

    void ProfileImp::enter(uint64_t region_id)
    {
        if (m_is_enabled) {
            check(library().enter(region_id), "geopm_prof_enter()");
        }
    }

    void ProfileImp::exit(uint64_t region_id)
    {
        if (m_is_enabled) {
            check(library().exit(region_id), "geopm_prof_exit()");
        }
    }

    void ProfileImp::epoch(void)
    {
        if (m_is_enabled) {
            check(library().epoch(), "geopm_prof_epoch()");
        }
    }

    void ProfileImp::shutdown(void)
    {
        if (m_is_enabled) {
            check(library().shutdown(), "geopm_prof_shutdown()");
        }
    }

    void ProfileImp::thread_init(uint32_t num_work_unit)
    {
        if (m_is_enabled) {
            check(library().tprof_init(num_work_unit), "geopm_tprof_init()");
        }
    }

    void ProfileImp::thread_post(int)
    {
        // The library finds the calling thread's CPU itself.
        if (m_is_enabled) {
            check(library().tprof_post(), "geopm_tprof_post()");
        }
    }

    std::vector<std::string> ProfileImp::region_names(void)
    {
        std::lock_guard<std::mutex> guard(g_region_lock);
        std::vector<std::string> result;
        for (const auto &item : m_region_names) {
            result.push_back(item.first);
        }
        return result;
    }

    void ProfileImp::reset_cpu_set(void)
    {
        // The library keeps no CPU set of its own to reset.
    }

    void ProfileImp::overhead(double overhead_sec)
    {
        if (m_is_enabled) {
            m_overhead_time += overhead_sec;
            check(library().overhead(overhead_sec), "geopm_prof_overhead()");
        }
    }

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
