/*
 * The one exception type the runtime throws; carries a GEOPM_ERROR_* code
 * (or an errno value) alongside the message.
 */
#ifndef EXCEPTION_HPP_INCLUDE
#define EXCEPTION_HPP_INCLUDE

#include <exception>
#include <stdexcept>
#include <string>

#include "geopm_error.h"
#include "geopm_public.h"

namespace geopm
{
    /// Turn the exception in eptr into an error code (err_value() of a
    /// geopm::Exception, the code of a std::system_error, else
    /// GEOPM_ERROR_RUNTIME), remember its message for
    /// geopm_error_message(), and print it to stderr when do_print.
    int GEOPM_PUBLIC
        exception_handler(std::exception_ptr eptr, bool do_print = false);

    class GEOPM_PUBLIC Exception : public std::runtime_error
    {
        public:
            /// A GEOPM_ERROR_RUNTIME with no message.
            Exception();
            Exception(const Exception &other);
            Exception &operator=(const Exception &other);
            /// what() reads "<geopm> <error text>: <what>: at <file>:<line>";
            /// an err of 0 becomes GEOPM_ERROR_RUNTIME, a NULL file drops the
            /// location.
            Exception(const std::string &what, int err, const char *file, int line);
            virtual ~Exception() = default;
            /// The error code given at construction.
            int err_value(void) const;
        private:
            int m_err;
    };

    /// Fixed description of an error code ("<geopm> Invalid argument", or
    /// strerror() text for an errno value).
    std::string GEOPM_PUBLIC
        error_message(int error_value);
}

#endif
