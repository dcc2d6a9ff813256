/*
 * geopm-bridge-guardian SAVE_DIR CONTROLLER_PID: the controls' guardian
 * (Guardian.hpp). Its stdin is a socket from the controller: "group PGID"
 * lines name the application's process groups, "ended PGID" those the
 * controller ended itself, "done" says the controller cleaned up itself. End of file without "done": the controller died, so
 * restore the controls saved in SAVE_DIR (empty: none) and end the groups.
 * Public GEOPM interfaces only, in its environment (GEOPM_PLUGIN_PATH,
 * GEOPM_BRIDGE_SYSFS_ROOT, ...), which is the controller's.
 */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <exception>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include "geopm/PlatformIO.hpp"
#include "Application.hpp"
#include "ProcessGroup.hpp"
#include "SaveDirectory.hpp"

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::cerr << "geopm-bridge-guardian: started by the controller only\n";
        return 2;
    }
    const std::string save_dir = argv[1];
    const std::string controller = argv[2];
    // It must outlive the controller: the signals that stop a job do not
    // stop it.
    for (int signum : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) {
        signal(signum, SIG_IGN);
    }
    // Hold none of the controller's files, nor its working directory.
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
    {
        for (int fd = 3; fd < 1024; ++fd) {
            close(fd);
        }
    }
    (void)!chdir("/");

    std::string text;
    char buffer[256];
    ssize_t count = 0;
    while ((count = read(0, buffer, sizeof(buffer))) != 0) {
        if (count > 0) {
            text.append(buffer, count);
        }
        else if (errno != EINTR) {
            break;
        }
    }
    std::set<pid_t> groups;
    std::istringstream lines(text);
    std::string word;
    while (lines >> word) {
        if (word == "done") {
            return 0;
        }
        pid_t pgid = 0;
        if (word == "group" && lines >> pgid && pgid > 0) {
            groups.insert(pgid);
        }
        else if (word == "ended" && lines >> pgid) {
            // Its id may be someone else's by now.
            groups.erase(pgid);
        }
    }
    // The controller died without cleaning up.
    for (pid_t pgid : groups) {
        (void)kill(-pgid, SIGTERM);
    }
    std::string what = "ended the application";
    if (!save_dir.empty()) {
        try {
            geopm::platform_io().restore_control(save_dir);
            geopm_bridge::remove_save_directory(save_dir);
            what = "restored the controls saved in " + save_dir + " and " + what;
        }
        catch (const std::exception &error) {
            std::string message = error.what();
            what = "could not restore the controls saved in " + save_dir + " (" +
                   message.substr(0, message.find('\n')) + "; the next job tries again), " + what;
        }
    }
    const struct timespec slice = {0, 10000000};
    for (double waited = 0.0; waited < geopm_bridge::M_TERMINATE_GRACE; waited += 0.010) {
        bool is_left = false;
        for (pid_t pgid : groups) {
            is_left = is_left || geopm_bridge::is_group_alive(pgid);
        }
        if (!is_left) {
            break;
        }
        nanosleep(&slice, nullptr);
    }
    for (pid_t pgid : groups) {
        (void)kill(-pgid, SIGKILL);
    }
    std::cerr << "geopm-bridge: guardian: the controller (pid " << controller
              << ") ended without cleaning up: " << what << "\n";
    return 0;
}
