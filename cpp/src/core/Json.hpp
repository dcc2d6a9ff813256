/*
 * The runtime's reading and writing of its small JSON files (saved controls,
 * environment files, policies, the endpoint) on json11 (geopm/json11.hpp,
 * implemented in json11.cpp): one JSON reader in the library. Not public API.
 */
#ifndef GEOPM_BRIDGE_JSON_HPP_INCLUDE
#define GEOPM_BRIDGE_JSON_HPP_INCLUDE

#include <cstddef>
#include <string>

#include "geopm/json11.hpp"

namespace geopm_bridge
{
    /// A whole standard JSON document; throws geopm::Exception
    /// (GEOPM_ERROR_FILE_PARSE) "<source>: JSON parse error at offset N:
    /// <json11's message>".
    json11::Json parse_json(const std::string &text, const std::string &source);

    /// A JSON string literal for text, escaped as json11 writes strings.
    std::string json_quote(const std::string &text);

    /// json11::Json::parse() of a standard document that also gives the
    /// offset in text where it failed (in json11.cpp, beside the reader).
    json11::Json parse_json_document(const std::string &text, std::string &err, size_t &err_offset);
}

#endif
