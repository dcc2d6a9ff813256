#include "ProfileSource.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>


namespace geopm_bridge
{
    namespace
    {
        const char *const M_SHM_DIR = "/dev/shm";
        // ProfileSource::of(): each node's source while it lives.
        std::mutex g_attached_lock;
        std::map<const NodeContext *, ProfileSource *> g_attached;
        constexpr int64_t M_SCAN_INTERVAL_NS = 50000000;
        // At the end: a listing newer than the last process (the nodes'
        // final updates follow each other closely and share one).
        constexpr int64_t M_FINAL_LISTING_AGE_NS = 1000000;

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

        // The names in /dev/shm that start with prefix. One sorted listing
        // serves every source (the simulated nodes of one controller each
        // have one) until it is max_age_ns old.
        std::vector<std::string> shm_names_with(const std::string &prefix, int64_t now_ns,
                                                int64_t max_age_ns = M_SCAN_INTERVAL_NS / 2)
        {
            static std::mutex s_lock;
            static std::vector<std::string> s_names;
            static int64_t s_listed_ns = std::numeric_limits<int64_t>::min() / 2;
            std::lock_guard<std::mutex> lock(s_lock);
            if (now_ns - s_listed_ns >= max_age_ns) {
                s_listed_ns = now_ns;
                s_names.clear();
                if (DIR *dir = opendir(M_SHM_DIR)) {
                    while (struct dirent *entry = readdir(dir)) {
                        s_names.emplace_back(entry->d_name);
                    }
                    closedir(dir);
                }
                std::sort(s_names.begin(), s_names.end());
            }
            std::vector<std::string> result;
            for (auto it = std::lower_bound(s_names.begin(), s_names.end(), prefix);
                 it != s_names.end() && it->compare(0, prefix.size(), prefix) == 0; ++it) {
                result.push_back(*it);
            }
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
        uint64_t scanned_seq;  // the channel's update count at the last scan

        ~Channel()
        {
            munmap(layout, sizeof(ProfileChannelLayout));
            shm_unlink(name.c_str());
        }
    };

    ProfileSource::ProfileSource(const std::string &key, const NodeContext *node)
        : m_node(node)
        , m_key(key)
        , m_prefix(profile_channel_prefix(key))
        , m_last_scan_ns(std::numeric_limits<int64_t>::min() / 2)
        , m_do_keep_events(false)
    {
        // Channels of this user's controllers that died (their key is
        // their pid): nobody will read them.
        std::string mine = profile_channel_prefix("");
        mine.pop_back();  // "geopm-bridge-<uid>-"
        for (const auto &name : shm_names_with(mine, profile_now_ns())) {
            std::string rest = name.substr(mine.size());
            // The key's leading digits are the controller's pid.
            int controller = parse_pid(rest.substr(0, rest.find_first_not_of("0123456789")));
            if (controller > 0 && !is_alive(controller)) {
                shm_unlink(("/" + name).c_str());
            }
        }
        if (m_node != nullptr) {
            std::lock_guard<std::mutex> lock(g_attached_lock);
            g_attached[m_node] = this;
        }
    }

    ProfileSource::~ProfileSource()
    {
        if (m_node != nullptr) {
            std::lock_guard<std::mutex> lock(g_attached_lock);
            g_attached.erase(m_node);
        }
        // The channels it read go with m_channels; these it never read.
        for (const auto &name : m_refused) {
            shm_unlink(name.c_str());
        }
    }

    ProfileSource *ProfileSource::of(const NodeContext &node)
    {
        std::lock_guard<std::mutex> lock(g_attached_lock);
        auto found = g_attached.find(&node);
        return found == g_attached.end() ? nullptr : found->second;
    }

    const std::string &ProfileSource::key(void) const
    {
        return m_key;
    }

    bool ProfileSource::counts_epochs(const ProfileProcess &process)
    {
        return process.has_data && process.snapshot.epoch_count > 0;
    }

    std::string ProfileSource::new_key(int node_idx)
    {
        std::string result = std::to_string(getpid());
        if (node_idx >= 0) {
            result += "." + std::to_string(node_idx);
        }
        return result;
    }

    void ProfileSource::update(bool is_final)
    {
        int64_t now = profile_now_ns();
        // Finding processes and asking whether they live take system
        // calls: at most every M_SCAN_INTERVAL_NS, not every period.
        bool is_scan_due = is_final || now - m_last_scan_ns >= M_SCAN_INTERVAL_NS;
        if (is_scan_due) {
            m_last_scan_ns = now;
            scan(now, is_final ? M_FINAL_LISTING_AGE_NS : M_SCAN_INTERVAL_NS / 2);
        }
        for (auto it = m_channels.begin(); it != m_channels.end();) {
            ProfileProcess &process = m_processes[(*it)->process_idx];
            // Whether it still runs, asked before the last read: a process
            // that exits in between is read once more next time. One that
            // marked something since the last scan lives: only the quiet
            // ones are asked (a system call each).
            uint64_t seq = (*it)->layout->seq.load(std::memory_order_relaxed);
            if (is_scan_due && seq == (*it)->scanned_seq) {
                process.is_running = is_alive(process.pid);
            }
            if (is_scan_due) {
                (*it)->scanned_seq = seq;
            }
            ProfileChannelReader reader(*(*it)->layout);
            if (reader.is_ready()) {
                process.snapshot = reader.snapshot(now);
                process.has_data = true;
                if (m_do_keep_events) {
                    m_drained.clear();
                    reader.drain_events(m_drained);
                    for (const auto &event : m_drained) {
                        m_events.push_back({process.pid, event});
                    }
                }
            }
            if (!process.is_running) {
                it = m_channels.erase(it);  // its last totals are kept
            }
            else {
                ++it;
            }
        }
    }

    void ProfileSource::scan(int64_t now_ns, int64_t max_listing_age_ns)
    {
        for (const auto &name : shm_names_with(m_prefix, now_ns, max_listing_age_ns)) {
            int pid = parse_pid(name.substr(m_prefix.size()));
            if (pid < 0 || m_known.count(name) != 0) {
                continue;
            }
            if (m_processes.size() == (size_t)M_PROFILE_MAX_PROCESS) {
                m_known.insert(name);
                if (m_refused.empty()) {
                    std::cerr << "geopm-bridge: warning: more than " << M_PROFILE_MAX_PROCESS
                              << " profiled application processes on one node: the others "
                                 "are not profiled (the report leaves them out)\n";
                }
                m_refused.push_back("/" + name);
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
            // Known once mapped: one that is not ready yet (no size) is
            // looked at again next time.
            m_known.insert(name);
            m_processes.push_back({pid, affinity(pid), {}, false, true});
            m_channels.push_back(std::unique_ptr<Channel>(
                new Channel{"/" + name, static_cast<ProfileChannelLayout *>(memory),
                            m_processes.size() - 1, UINT64_MAX}));
        }
    }

    void ProfileSource::keep_events(void)
    {
        m_do_keep_events = true;
    }

    std::vector<ProfileProcessEvent> ProfileSource::take_events(void)
    {
        std::vector<ProfileProcessEvent> result;
        result.swap(m_events);
        std::stable_sort(result.begin(), result.end(),
                         [](const ProfileProcessEvent &lhs, const ProfileProcessEvent &rhs) {
                             return lhs.event.time_ns < rhs.event.time_ns;
                         });
        return result;
    }

    const std::vector<ProfileProcess> &ProfileSource::processes(void) const
    {
        return m_processes;
    }
}
