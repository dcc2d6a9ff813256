/*
 * Reading the small text files a user hands the runtime (a policy file,
 * the endpoint's policy document), with errors that say which file is
 * meant and why it could not be read.
 */
#ifndef GEOPM_BRIDGE_TEXTFILE_HPP_INCLUDE
#define GEOPM_BRIDGE_TEXTFILE_HPP_INCLUDE

#include <cstddef>
#include <string>

namespace geopm_bridge
{
    /// Read a whole regular file of at most max_size bytes; throws
    /// geopm::Exception naming what and path when it cannot be opened, is
    /// not a regular file (a FIFO, a device, a directory, a socket: say
    /// which; never blocks on one) or is larger.
    std::string read_text_file(const std::string &path, const std::string &what, size_t max_size);

    /// What kind of file mode is, for a person: "a directory", "a FIFO".
    std::string file_kind(unsigned mode);
}

#endif
