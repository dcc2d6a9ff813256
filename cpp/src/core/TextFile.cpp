#include "TextFile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "geopm/Exception.hpp"

namespace geopm_bridge
{
    std::string file_kind(unsigned mode)
    {
        switch (mode & S_IFMT) {
            case S_IFREG: return "a regular file";
            case S_IFDIR: return "a directory";
            case S_IFIFO: return "a FIFO";
            case S_IFSOCK: return "a socket";
            case S_IFCHR: return "a character device";
            case S_IFBLK: return "a block device";
            default: return "not a regular file";
        }
    }

    std::string read_text_file(const std::string &path, const std::string &what, size_t max_size)
    {
        const std::string named = what + " \"" + path + "\"";
        auto not_regular = [&named](unsigned mode) {
            return geopm::Exception(named + " is " + file_kind(mode) + ", not a regular file",
                                    GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        };
        // O_NONBLOCK: opening a FIFO with no writer must not wait for one.
        int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            int err = errno;
            struct stat status = {};
            // A socket cannot be opened at all (ENXIO): say what it is.
            if (stat(path.c_str(), &status) == 0 && !S_ISREG(status.st_mode)) {
                throw not_regular(status.st_mode);
            }
            throw geopm::Exception("cannot open " + named + ": " + strerror(err),
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        struct stat status = {};
        if (fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
            close(fd);
            throw not_regular(status.st_mode);
        }
        auto too_large = [&named, max_size]() {
            return geopm::Exception(named + " is larger than the limit of " +
                                    std::to_string(max_size) + " bytes",
                                    GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        };
        if (static_cast<unsigned long long>(status.st_size) > max_size) {
            close(fd);
            throw too_large();
        }
        // The size may change while reading: never take more than the limit.
        std::string text;
        char buffer[65536];
        while (true) {
            ssize_t count = read(fd, buffer, sizeof(buffer));
            if (count < 0 && errno == EINTR) {
                continue;
            }
            if (count < 0) {
                int err = errno;
                close(fd);
                throw geopm::Exception("cannot read " + named + ": " + strerror(err),
                                       GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            if (count == 0) {
                break;
            }
            text.append(buffer, static_cast<size_t>(count));
            if (text.size() > max_size) {
                close(fd);
                throw too_large();
            }
        }
        close(fd);
        return text;
    }
}
