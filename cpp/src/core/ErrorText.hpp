/*
 * The words of an error for a person: what a caught exception says,
 * without the "<error code description>: " that geopm::Exception puts in
 * front of its message (so texts can be prefixed and passed on, from node
 * to job and from rank to rank, without repeating it).
 */
#ifndef GEOPM_BRIDGE_ERRORTEXT_HPP_INCLUDE
#define GEOPM_BRIDGE_ERRORTEXT_HPP_INCLUDE

#include <exception>
#include <string>

namespace geopm_bridge
{
    /// The message of error (any exception); its GEOPM error code in err
    /// when err is not null (GEOPM_ERROR_RUNTIME when it is no
    /// geopm::Exception).
    std::string error_text(const std::exception_ptr &error, int *err = nullptr);

    /// error_text() without the source positions (": at Json.cpp:22")
    /// geopm::Exception appends, its own and any it carries: for a warning
    /// a person reads as it is printed. (The command line strips errors
    /// itself, python/geopm_bridge/cli/errors.py, and keeps them for --debug.)
    std::string warning_text(const std::exception_ptr &error);

    /// text without the source positions (": at Json.cpp:22") that
    /// geopm::Exception messages carry: for text a person reads where no
    /// --debug can ask for them (a warning, the report's Run Status).
    std::string without_positions(std::string text);
}

#endif
