/*
 * Number formatting shared by the report and the endpoint files.
 */
#ifndef GEOPM_BRIDGE_FORMAT_HPP_INCLUDE
#define GEOPM_BRIDGE_FORMAT_HPP_INCLUDE

#include <string>

namespace geopm_bridge
{
    /// Shortest text that reads back as the same double: integers as
    /// integers ("2"), other values with a '.' ahead of any exponent
    /// ("0.25", "1.5e+20", "1.0e+20") so YAML 1.1 readers take them as
    /// floats. Independent of the C locale. Not finite: the YAML
    /// spellings ".nan", ".inf" and "-.inf".
    std::string format_number(double value);

    /// format_number() for finite values, else JSON's null.
    std::string format_json_number(double value);
}

#endif
