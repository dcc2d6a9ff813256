#include "ProfileSource.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <limits>


namespace geopm_bridge
{
    namespace
    {
        const char *const M_SHM_DIR = "/dev/shm";
        constexpr int64_t M_SCAN_INTERVAL_NS = 50000000;

        bool is_alive(int pid)
        {
            return kill(pid, 0) == 0 || errno == EPERM;
        }

        // A whole decimal number, else -1.
        int parse_pid(const std::string &text)
        {
            char *end = nullptr;
            long value = strtol(text.c_str(), &end, 10);
            return (!text.empty() && *end == '\0' && value > 0 && value < (1L << 30)) ? (int)value : -1;
        }

        std::vector<std::string> shm_names_with(const std::string &prefix)
        {
            std::vector<std::string> result;
            DIR *dir = opendir(M_SHM_DIR);
            if (dir == nullptr) {
                return result;
            }
            while (struct dirent *entry = readdir(dir)) {
                std::string name = entry->d_name;
                if (name.compare(0, prefix.size(), prefix) == 0) {
                    result.push_back(name);
                }
            }
            closedir(dir);
            return result;
        }

        std::set<int> affinity(int pid)
        {
            std::set<int> result;
            cpu_set_t set;
            CPU_ZERO(&set);
            if (sched_getaffinity(pid, sizeof(set), &set) == 0) {
                for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
                    if (CPU_ISSET(cpu, &set)) {
                        result.insert(cpu);
                    }
                }
            }
            return result;
        }
    }

    struct ProfileSource::Channel
    {
        std::string name;  // with the leading '/'
        ProfileChannelLayout *layout;
        size_t process_idx;

        ~Channel()
        {
            munmap(layout, sizeof(ProfileChannelLayout));
            shm_unlink(name.c_str());
        }
    };

    ProfileSource::ProfileSource(const std::string &key)
        : m_key(key)
        , m_prefix(profile_channel_prefix(key))
        , m_last_scan_ns(std::numeric_limits<int64_t>::min() / 2)
    {
        // Channels of this user's controllers that died (their key is
        // their pid): nobody will read them.
        std::string mine = profile_channel_prefix("");
        mine.pop_back();  // "geopm-bridge-<uid>-"
        for (const auto &name : shm_names_with(mine)) {
            std::string rest = name.substr(mine.size());
            int controller = parse_pid(rest.substr(0, rest.find('-')));
            if (controller > 0 && !is_alive(controller)) {
                shm_unlink(("/" + name).c_str());
            }
        }
    }

    ProfileSource::~ProfileSource() = default;

    namespace
    {
        std::atomic<ProfileSource *> g_current(nullptr);
    }

    ProfileSource *ProfileSource::current(void)
    {
        return g_current.load(std::memory_order_acquire);
    }

    void ProfileSource::set_current(ProfileSource *source)
    {
        g_current.store(source, std::memory_order_release);
    }

    std::string ProfileSource::new_key(void)
    {
        return std::to_string(getpid());
    }

    void ProfileSource::update(void)
    {
        int64_t now = profile_now_ns();
        // Finding processes and asking whether they live take system
        // calls: at most every M_SCAN_INTERVAL_NS, not every period.
        bool is_scan_due = now - m_last_scan_ns >= M_SCAN_INTERVAL_NS;
        if (is_scan_due) {
            m_last_scan_ns = now;
            scan();
        }
        for (auto it = m_channels.begin(); it != m_channels.end();) {
            ProfileProcess &process = m_processes[(*it)->process_idx];
            // Whether it still runs, asked before the last read: a process
            // that exits in between is read once more next time.
            if (is_scan_due) {
                process.is_running = is_alive(process.pid);
            }
            ProfileChannelReader reader(*(*it)->layout);
            if (reader.is_ready()) {
                process.snapshot = reader.snapshot(now);
                process.has_data = true;
            }
            if (!process.is_running) {
                it = m_channels.erase(it);  // its last totals are kept
            }
            else {
                ++it;
            }
        }
    }

    void ProfileSource::scan(void)
    {
        for (const auto &name : shm_names_with(m_prefix)) {
            int pid = parse_pid(name.substr(m_prefix.size()));
            bool is_known = false;
            for (const auto &channel : m_channels) {
                is_known = is_known || channel->name == "/" + name;
            }
            if (pid < 0 || is_known) {
                continue;
            }
            // Only an object of this user, of the channel's size: a file
            // someone else put there is not read.
            int fd = shm_open(("/" + name).c_str(), O_RDWR | O_NOFOLLOW, 0);
            if (fd == -1) {
                continue;
            }
            struct stat info;
            void *memory = MAP_FAILED;
            if (fstat(fd, &info) == 0 && info.st_uid == getuid() &&
                (size_t)info.st_size == sizeof(ProfileChannelLayout)) {
                memory = mmap(nullptr, sizeof(ProfileChannelLayout), PROT_READ | PROT_WRITE,
                              MAP_SHARED, fd, 0);
            }
            close(fd);
            if (memory == MAP_FAILED) {
                continue;
            }
            m_processes.push_back({pid, affinity(pid), {}, false, true});
            m_channels.push_back(std::unique_ptr<Channel>(
                new Channel{"/" + name, static_cast<ProfileChannelLayout *>(memory),
                            m_processes.size() - 1}));
        }
    }

    const std::vector<ProfileProcess> &ProfileSource::processes(void) const
    {
        return m_processes;
    }
}
