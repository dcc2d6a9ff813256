/*
 * The saved controls of a job: one file per IOGroup, in a directory of its
 * own (PlatformIO::save_control(dir)). Removing one is shared by the
 * controller's side (Guardian.cpp) and the guardian program
 * (guardian_main.cpp), which links only what it must.
 */
#ifndef GEOPM_BRIDGE_SAVEDIRECTORY_HPP_INCLUDE
#define GEOPM_BRIDGE_SAVEDIRECTORY_HPP_INCLUDE

#include <dirent.h>
#include <unistd.h>

#include <string>

namespace geopm_bridge
{
    /// Removes the save directory at path and its files (a save holds no
    /// subdirectories); what cannot be removed is left.
    inline void remove_save_directory(const std::string &path)
    {
        DIR *dir = opendir(path.c_str());
        if (dir != nullptr) {
            for (struct dirent *entry = readdir(dir); entry != nullptr; entry = readdir(dir)) {
                std::string name = entry->d_name;
                if (name != "." && name != "..") {
                    (void)unlink((path + "/" + name).c_str());
                }
            }
            closedir(dir);
        }
        (void)rmdir(path.c_str());
    }
}

#endif
