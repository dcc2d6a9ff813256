/*
 * Reading the small text files a user hands the runtime (a policy file,
 * the endpoint's policy document), with errors that say which file is
 * meant and why it could not be read.
 */
#ifndef GEOPM_BRIDGE_TEXTFILE_HPP_INCLUDE
#define GEOPM_BRIDGE_TEXTFILE_HPP_INCLUDE

#include <string>

namespace geopm_bridge
{
    /// Read a whole file; throws geopm::Exception naming what and path.
    std::string read_text_file(const std::string &path, const std::string &what);
}

#endif
