/*
 * The runtime's reading and writing of its small JSON files (saved controls,
 * environment files, policies, the endpoint) on json11 (geopm/json11.hpp,
 * implemented in json11.cpp): one JSON reader in the library. Not public API.
 *
 * Every document read here is bounded and strict: at most M_JSON_MAX_SIZE
 * bytes, containers nested at most M_JSON_MAX_DEPTH inside the outermost,
 * only standard JSON (no comments, no NaN, Infinity or hexadecimal
 * numbers, no number that overflows a double).
 */
#ifndef GEOPM_BRIDGE_JSON_HPP_INCLUDE
#define GEOPM_BRIDGE_JSON_HPP_INCLUDE

#include <cstddef>
#include <string>

#include "geopm/json11.hpp"

namespace geopm_bridge
{
    /// The largest JSON document the runtime reads (a policy is a few
    /// hundred bytes; this bounds the memory a hostile file can take).
    constexpr size_t M_JSON_MAX_SIZE = 1024 * 1024;
    /// The deepest nesting of arrays and objects read: this many inside
    /// the outermost (json11's limit, as GEOPM's: the reader recurses once
    /// per level).
    constexpr int M_JSON_MAX_DEPTH = 200;

    /// A whole standard JSON document; throws geopm::Exception
    /// (GEOPM_ERROR_FILE_PARSE) "<source>: JSON parse error at offset N:
    /// <json11's message>", or "<source>: ... larger than ..." past
    /// M_JSON_MAX_SIZE.
    json11::Json parse_json(const std::string &text, const std::string &source);

    /// parse_json() of the regular file at path (read_text_file()), at most
    /// M_JSON_MAX_SIZE bytes; what names it in errors ("policy file").
    json11::Json read_json_file(const std::string &path, const std::string &what);

    /// A JSON string literal for text, escaped as json11 writes strings.
    std::string json_quote(const std::string &text);

    /// json11::Json::parse() of a standard document, strict about numbers
    /// (none out of a double's range), that also gives the offset in text
    /// where it failed (in json11.cpp, beside the reader).
    json11::Json parse_json_document(const std::string &text, std::string &err, size_t &err_offset);
}

#endif
