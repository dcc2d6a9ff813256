#include "TextFile.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "geopm/Exception.hpp"

namespace geopm_bridge
{
    std::string read_text_file(const std::string &path, const std::string &what)
    {
        std::ifstream stream(path);
        if (!stream.good()) {
            int err = errno;
            throw geopm::Exception("cannot open " + what + " \"" + path + "\": " + strerror(err),
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        std::ostringstream text;
        text << stream.rdbuf();
        if (stream.bad()) {
            throw geopm::Exception("cannot read " + what + " \"" + path + "\"",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return text.str();
    }
}
