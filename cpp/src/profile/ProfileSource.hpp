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
    class NodeContext;

    /// One application process as last read.
    struct ProfileProcess
    {
        int pid;
        std::set<int> cpus;         // where it may run (its affinity)
        ProfileSnapshot snapshot;
        bool has_data;              // the snapshot was read
        bool is_running;
    };

    /// An event of one application process (the profile trace).
    struct ProfileProcessEvent
    {
        int pid;
        ProfileEvent event;
    };

    /// Application processes one node's source reads; more are left out
    /// with a warning.
    constexpr int M_PROFILE_MAX_PROCESS = 1024;

    class ProfileSource
    {
        public:
            /// key: the controller's, as in the application's environment.
            /// node: the node whose application it reads (ProfileSource::of()
            /// answers it while the source lives), or none.
            explicit ProfileSource(const std::string &key, const NodeContext *node = nullptr);
            ~ProfileSource();
            ProfileSource(const ProfileSource &) = delete;
            ProfileSource &operator=(const ProfileSource &) = delete;
            /// Reads every channel; every 50 ms also finds new processes
            /// and those that exited (system calls: the controller's side
            /// only). is_final: the job's last, which finds processes too
            /// (one that ran between two scans is counted).
            void update(bool is_final = false);
            /// Every process seen, running or exited, in the order found.
            const std::vector<ProfileProcess> &processes(void) const;
            /// From now on update() also collects the processes' region
            /// entries, exits and epochs (those the channels' bounded logs
            /// kept), for take_events().
            void keep_events(void);
            /// The events collected since the last call, in time order.
            std::vector<ProfileProcessEvent> take_events(void);
            /// Whether process counts in the node's epochs (EPOCH_COUNT and
            /// the report's Epoch Totals: the fewest of these processes):
            /// it marked one. A process that never marks an epoch (a
            /// helper, a forked child) does not hold the node's count at 0.
            static bool counts_epochs(const ProfileProcess &process);
            /// The key a controller of this process gives the application
            /// of its node node_idx (the controller's pid, then ".<idx>"
            /// for a simulated node).
            static std::string new_key(int node_idx = -1);
            /// The source of the application on node, for the PROFILE
            /// IOGroup, the node model and the report; nullptr when none.
            static ProfileSource *of(const NodeContext &node);
            /// The controller's key this source reads the channels of.
            const std::string &key(void) const;
        private:
            struct Channel;
            void scan(int64_t now_ns, int64_t max_listing_age_ns);
            const NodeContext *m_node;
            std::string m_key;
            std::string m_prefix;
            std::vector<std::unique_ptr<Channel> > m_channels;
            std::set<std::string> m_known;        // names mapped or refused
            std::vector<std::string> m_refused;   // beyond M_PROFILE_MAX_PROCESS
            std::vector<ProfileProcess> m_processes;
            int64_t m_last_scan_ns;
            bool m_do_keep_events;
            std::vector<ProfileProcessEvent> m_events;
            std::vector<ProfileEvent> m_drained;  // reused by update()
    };
}

#endif
