#include "Format.hpp"

#include <charconv>
#include <cmath>

namespace geopm_bridge
{
    std::string format_number(double value)
    {
        if (std::isnan(value)) {
            return ".nan";
        }
        if (std::isinf(value)) {
            return value > 0 ? ".inf" : "-.inf";
        }
        char buf[64];
        std::to_chars_result conv;
        if (value == std::floor(value) && std::fabs(value) < 1e15) {
            conv = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::fixed, 0);
        }
        else {
            conv = std::to_chars(buf, buf + sizeof(buf), value);
        }
        std::string result(buf, conv.ptr);
        size_t exp_pos = result.find('e');
        if (exp_pos != std::string::npos && result.find('.') == std::string::npos) {
            result.insert(exp_pos, ".0");
        }
        return result;
    }

    std::string format_json_number(double value)
    {
        return std::isfinite(value) ? format_number(value) : "null";
    }
}
