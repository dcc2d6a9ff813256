/*
 * The controls a job writes when it starts (GEOPM_INIT_CONTROL,
 * geopmlaunch's --geopm-init-control): a file in geopmwrite's words, one
 * "CONTROL DOMAIN INDEX VALUE" per line, '#' starting a comment. Read
 * once, before anything runs, so that a bad file stops the job with the
 * line it did not understand; written after the controls are saved, so
 * they are restored like any other the job writes.
 */
#ifndef GEOPM_BRIDGE_INITCONTROL_HPP_INCLUDE
#define GEOPM_BRIDGE_INITCONTROL_HPP_INCLUDE

#include <string>
#include <vector>

namespace geopm_bridge
{
    struct InitControlRequest
    {
        std::string name;
        int domain;
        int domain_idx;
        double value;
    };

    /// The requests of the file at path (none for an empty path). Throws
    /// geopm::Exception naming the file and the line for a line that is
    /// not a request or a comment, an unknown domain, a value that is not
    /// a number, and for a file with nothing in it at all (as GEOPM).
    std::vector<InitControlRequest> read_init_control(const std::string &path);
}

#endif
