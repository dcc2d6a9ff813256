/*
 * Number and text formatting shared by the report and the endpoint files.
 * The report is YAML (geopmpy reads it with a YAML loader): every text a
 * user or an agent chose goes through yaml_text() or yaml_value(), so that
 * no name breaks it.
 */
#ifndef GEOPM_BRIDGE_FORMAT_HPP_INCLUDE
#define GEOPM_BRIDGE_FORMAT_HPP_INCLUDE

#include <cstddef>
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

    /// A YAML double-quoted scalar reading back as text: quotes,
    /// backslashes and characters YAML does not allow in a document
    /// escaped; bytes that are not UTF-8 become U+FFFD.
    std::string yaml_quote(const std::string &text);

    /// text as a YAML scalar that reads back as the same string: plain
    /// when that is safe and YAML would not take it for a number, a
    /// boolean or null (a profile name, a host name, a key), else
    /// yaml_quote().
    std::string yaml_text(const std::string &text);

    /// A value an agent wrote for the report, as GEOPM writes it (plain,
    /// so "200" stays a number, or a flow collection such as the
    /// frequency map's "{0x...: 1.0e+09}") when that is valid YAML on one
    /// line, else yaml_quote().
    std::string yaml_value(const std::string &text);

    /// The longest key YAML takes on the line of its value (1024
    /// characters, less room): a longer one is written "? KEY\n: VALUE".
    constexpr size_t M_YAML_MAX_IMPLICIT_KEY = 1000;
}

#endif
