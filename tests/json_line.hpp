/*
 * JSON text for the test driver (geopm_driver.cpp), which answers the test
 * suite one JSON line per command. Doubles use the literals Python's json
 * module reads for NaN and the infinities.
 */
#ifndef GEOPM_BRIDGE_TESTS_JSON_LINE_HPP_INCLUDE
#define GEOPM_BRIDGE_TESTS_JSON_LINE_HPP_INCLUDE

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

inline std::string json(const std::string &text)
{
    std::string out = "\"";
    for (char ch : text) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        }
        else if (static_cast<unsigned char>(ch) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", ch);
            out += buf;
        }
        else {
            out += ch;
        }
    }
    return out + "\"";
}

inline std::string json(double value)
{
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "Infinity" : "-Infinity";
    }
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.17g", value);
    return buf;
}

inline std::string json(int value)
{
    return std::to_string(value);
}

template <class T>
std::string json(const std::vector<T> &values)
{
    std::string out = "[";
    for (size_t idx = 0; idx < values.size(); ++idx) {
        out += (idx ? ", " : "") + json(values[idx]);
    }
    return out + "]";
}

template <class T>
std::string json(const std::set<T> &values)
{
    return json(std::vector<T>(values.begin(), values.end()));
}

/// An object.
inline std::string json(const std::map<std::string, std::string> &values)
{
    std::string out = "{";
    for (const auto &item : values) {
        out += (out.size() > 1 ? ", " : "") + json(item.first) + ": " + json(item.second);
    }
    return out + "}";
}

/// A list of [key, value] pairs (an agent's report pairs keep their order).
inline std::string json(const std::vector<std::pair<std::string, std::string> > &pairs)
{
    std::string out = "[";
    for (size_t idx = 0; idx < pairs.size(); ++idx) {
        out += (idx ? ", [" : "[") + json(pairs[idx].first) + ", " + json(pairs[idx].second) + "]";
    }
    return out + "]";
}

#endif
