/*
 * Whether a process group still has a live member: shared by the
 * controller (Application) and the guardian program, which links only the
 * library's public interfaces, hence inline.
 */
#ifndef GEOPM_BRIDGE_PROCESSGROUP_HPP_INCLUDE
#define GEOPM_BRIDGE_PROCESSGROUP_HPP_INCLUDE

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/types.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace geopm_bridge
{
    /// True while a process of group pgid is alive. A zombie is not: it
    /// only waits to be reaped, by a parent that may be slow to do so
    /// (init in a container), and must not hold up the job's end.
    inline bool is_group_alive(pid_t pgid)
    {
        if (kill(-pgid, 0) != 0 && errno == ESRCH) {
            return false;
        }
        DIR *proc = opendir("/proc");
        if (proc == nullptr) {
            return true;
        }
        bool result = false;
        for (struct dirent *entry = readdir(proc); entry != nullptr && !result;
             entry = readdir(proc)) {
            if (entry->d_name[0] < '1' || entry->d_name[0] > '9') {
                continue;
            }
            std::ifstream stat_file(std::string("/proc/") + entry->d_name + "/stat");
            std::string text((std::istreambuf_iterator<char>(stat_file)),
                             std::istreambuf_iterator<char>());
            // "pid (comm) state ppid pgrp ...": comm may hold anything.
            size_t close = text.rfind(')');
            if (close == std::string::npos) {
                continue;
            }
            std::istringstream fields(text.substr(close + 1));
            std::string state;
            long ppid = 0;
            long group = 0;
            if (fields >> state >> ppid >> group) {
                result = group == pgid && state != "Z";
            }
        }
        closedir(proc);
        return result;
    }
}

#endif
