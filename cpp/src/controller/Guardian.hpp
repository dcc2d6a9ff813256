/*
 * The controls' guardian: a small process (the geopm-bridge-guardian
 * program, beside libgeopmbridge.so) that outlives a controller which dies
 * without cleaning up (SIGKILL, a crash in an agent, a Python agent's
 * os._exit()). Before the first control is written the controller saves
 * the controls into an owner-only directory of the user's runtime
 * directory and starts the guardian, holding one end of a socket whose
 * other end is the guardian's stdin. The controller sends it the
 * application's process groups; on a normal end it says "done" and the
 * guardian exits without acting. End of file without "done" means the
 * controller died: the guardian restores the saved controls through
 * PlatformIO::restore_control(dir), as the controller would have, and ends
 * the application's process groups. docs/controller.md, "When the
 * controller dies".
 */
#ifndef GEOPM_BRIDGE_GUARDIAN_HPP_INCLUDE
#define GEOPM_BRIDGE_GUARDIAN_HPP_INCLUDE

#include <sys/types.h>

#include <functional>
#include <string>

namespace geopm_bridge
{
    class Guardian
    {
        public:
            /// Writes a platform's controls into a directory, or reads
            /// them back from one (PlatformIO::save_control(dir) and
            /// restore_control(dir), in the node's context).
            using dir_func_t = std::function<void(const std::string &)>;
            /// Saves the controls through save (null: this process writes
            /// no controls of a platform of its own, only the application
            /// is guarded), with platform, what tells this machine's
            /// platform from another's (a fake tree's root in tests), and
            /// starts the guardian. A save that fails is one warning line
            /// on stderr (the controller still restores them itself);
            /// throws geopm::Exception when the guardian cannot start.
            Guardian(const dir_func_t &save, const std::string &platform);
            /// release()
            ~Guardian();
            Guardian(const Guardian &other) = delete;
            Guardian &operator=(const Guardian &other) = delete;
            /// The guardian ends this process group if the controller dies.
            void watch_group(pid_t pgid);
            /// The controller ended this group itself.
            void forget_group(pid_t pgid);
            /// The controller restored the controls itself: the guardian
            /// exits without acting, and the save is removed.
            void release(void);
            /// Restore, through restore, the saves of the same platform
            /// that controllers which died with their guardian left, saying
            /// so in one line on stderr each. One that cannot be restored
            /// is kept, renamed "<save>.failed", and not tried again.
            static void restore_abandoned(const dir_func_t &restore, const std::string &platform);
        private:
            std::string m_save_dir;
            pid_t m_pid;
            int m_socket;
    };
}

#endif
