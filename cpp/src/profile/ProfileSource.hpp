/*
 * The controller's side of application profiling on one node: finds the
 * channels the application's processes made (by the controller's key),
 * reads them once per control period, keeps the last totals of processes
 * that exited, and removes every channel it read when it is destroyed,
 * and channels left by a controller that died, when it starts.
 */
#ifndef GEOPM_BRIDGE_PROFILESOURCE_HPP_INCLUDE
#define GEOPM_BRIDGE_PROFILESOURCE_HPP_INCLUDE

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ProfileChannel.hpp"

namespace geopm_bridge
{
    /// One application process as last read.
    struct ProfileProcess
    {
        int pid;
        std::set<int> cpus;         // where it may run (its affinity)
        ProfileSnapshot snapshot;
        bool has_data;              // the snapshot was read
        bool is_running;
    };

    class ProfileSource
    {
        public:
            /// key: the controller's, as in the application's environment.
            explicit ProfileSource(const std::string &key);
            ~ProfileSource();
            ProfileSource(const ProfileSource &) = delete;
            ProfileSource &operator=(const ProfileSource &) = delete;
            /// Reads every channel; every 50 ms also finds new processes
            /// and those that exited (system calls: the controller's side
            /// only).
            void update(void);
            /// Every process seen, running or exited, in the order found.
            const std::vector<ProfileProcess> &processes(void) const;
            /// The key a controller of this process gives its application.
            static std::string new_key(void);
            /// The source of the job this process runs, for the PROFILE
            /// IOGroup and the report; nullptr outside a job. The
            /// controller sets it for the duration of its job.
            static ProfileSource *current(void);
            static void set_current(ProfileSource *source);
        private:
            struct Channel;
            void scan(void);
            std::string m_key;
            std::string m_prefix;
            std::vector<std::unique_ptr<Channel> > m_channels;
            std::vector<ProfileProcess> m_processes;
            int64_t m_last_scan_ns;
    };
}

#endif
