/*
 * Helpers shared by the GoogleTest cases of tests/unit: what a call throws.
 */
#ifndef GEOPM_BRIDGE_UNIT_TEST_HELPERS_HPP_INCLUDE
#define GEOPM_BRIDGE_UNIT_TEST_HELPERS_HPP_INCLUDE

#include <functional>
#include <string>
#include <utility>

#include "geopm/Exception.hpp"

namespace unit_test
{
    /// err_value() and what() of the geopm::Exception that call throws;
    /// {0, ""} when it throws none.
    inline std::pair<int, std::string> error_of(const std::function<void()> &call)
    {
        try {
            call();
        }
        catch (const geopm::Exception &ex) {
            return {ex.err_value(), ex.what()};
        }
        return {0, ""};
    }

    /// err_value() of the geopm::Exception that call throws; 0 when none.
    inline int error_code(const std::function<void()> &call)
    {
        return error_of(call).first;
    }

    inline bool contains(const std::string &text, const std::string &part)
    {
        return text.find(part) != std::string::npos;
    }
}

#endif
