#include "geopm/Exception.hpp"

#include <string.h>

#include <iostream>
#include <mutex>
#include <system_error>

#include "geopm_error.h"

namespace
{
    // The message of the last exception handled by exception_handler(), so
    // that a C caller can fetch the detailed text with geopm_error_message().
    struct LastError
    {
        std::mutex lock;
        int err = 0;
        std::string message;
    };

    LastError &last_error(void)
    {
        static LastError instance;
        return instance;
    }

    const char *fixed_text(int err)
    {
        switch (err) {
            case GEOPM_ERROR_RUNTIME: return "Runtime error";
            case GEOPM_ERROR_LOGIC: return "Logic error";
            case GEOPM_ERROR_INVALID: return "Invalid argument";
            case GEOPM_ERROR_FILE_PARSE: return "Input file could not be parsed";
            case GEOPM_ERROR_LEVEL_RANGE: return "Tree level out of range";
            case GEOPM_ERROR_NOT_IMPLEMENTED: return "Not implemented";
            case GEOPM_ERROR_PLATFORM_UNSUPPORTED: return "Platform is not supported";
            case GEOPM_ERROR_MSR_OPEN: return "MSR device could not be opened";
            case GEOPM_ERROR_MSR_READ: return "MSR device read failed";
            case GEOPM_ERROR_MSR_WRITE: return "MSR device write failed";
            case GEOPM_ERROR_AGENT_UNSUPPORTED: return "Agent is not supported";
            case GEOPM_ERROR_AFFINITY: return "Processes are not bound to distinct CPUs";
            case GEOPM_ERROR_NO_AGENT: return "No such agent";
            case GEOPM_ERROR_DATA_STORE: return "Data store error";
            default: return nullptr;
        }
    }

    std::string compose(const std::string &what, int err, const char *file, int line)
    {
        std::string result = geopm::error_message(err);
        if (!what.empty()) {
            result += ": " + what;
        }
        if (file != nullptr) {
            result += std::string(": at ") + file + ":" + std::to_string(line);
        }
        return result;
    }
}

namespace geopm
{
    std::string error_message(int error_value)
    {
        int err = error_value ? error_value : GEOPM_ERROR_RUNTIME;
        const char *text = fixed_text(err);
        if (text != nullptr) {
            return std::string("<geopm> ") + text;
        }
        char buffer[256];
        // GNU strerror_r may return a static string instead of filling buffer.
        return std::string("<geopm> ") + strerror_r(err, buffer, sizeof(buffer));
    }

    int exception_handler(std::exception_ptr eptr, bool do_print)
    {
        int err = GEOPM_ERROR_RUNTIME;
        std::string message = error_message(err);
        try {
            if (eptr) {
                std::rethrow_exception(eptr);
            }
        }
        catch (const Exception &ex) {
            err = ex.err_value();
            message = ex.what();
        }
        catch (const std::system_error &ex) {
            err = ex.code().value();
            message = ex.what();
        }
        catch (const std::exception &ex) {
            message = ex.what();
        }
        catch (...) {
        }
        {
            std::lock_guard<std::mutex> guard(last_error().lock);
            last_error().err = err;
            last_error().message = message;
        }
        if (do_print) {
            std::cerr << "Error: " << message << std::endl;
        }
        return err;
    }

    Exception::Exception()
        : Exception("", GEOPM_ERROR_RUNTIME, nullptr, 0)
    {
    }

    Exception::Exception(const Exception &other) = default;

    Exception &Exception::operator=(const Exception &other) = default;

    Exception::Exception(const std::string &what, int err, const char *file, int line)
        : std::runtime_error(compose(what, err, file, line))
        , m_err(err ? err : GEOPM_ERROR_RUNTIME)
    {
    }

    int Exception::err_value(void) const
    {
        return m_err;
    }
}

extern "C"
{
    void geopm_error_message(int err, char *msg, size_t size)
    {
        if (msg == nullptr || size == 0) {
            return;
        }
        std::string text;
        {
            std::lock_guard<std::mutex> guard(last_error().lock);
            if (err == last_error().err && !last_error().message.empty()) {
                text = last_error().message;
            }
        }
        if (text.empty()) {
            text = geopm::error_message(err);
        }
        strncpy(msg, text.c_str(), size - 1);
        msg[size - 1] = '\0';
    }
}
