/*
 * The error of an application that cannot be started, carrying the exit
 * status a shell (and mpirun) gives for it, so that a launcher can exit
 * as the shell would in its place.
 */
#ifndef GEOPM_BRIDGE_APPLICATIONSTARTERROR_HPP_INCLUDE
#define GEOPM_BRIDGE_APPLICATIONSTARTERROR_HPP_INCLUDE

#include <string>

#include "geopm/Exception.hpp"

namespace geopm_bridge
{
    class ApplicationStartError : public geopm::Exception
    {
        public:
            /// message names the program and the reason; sys_errno is
            /// the errno of the failed start.
            ApplicationStartError(const std::string &message, int sys_errno,
                                  const char *file_name, int line_number);
            virtual ~ApplicationStartError() = default;
            /// 127 when the program was not found (ENOENT), else 126
            /// (found but not executable), as a POSIX shell.
            int exit_status(void) const;
        private:
            int m_exit_status;
    };
}

#endif
