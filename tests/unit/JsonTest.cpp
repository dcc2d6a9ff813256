/*
 * The runtime's JSON files (saved controls, environment files, policies)
 * are read with json11 through parse_json(), whose errors name the source
 * and the offset; json_quote() writes a string as json11 does. json11's own
 * behaviour is tested from a user's program (tests/test_api_json11.py).
 */
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "geopm/Exception.hpp"
#include "geopm/json11.hpp"

#include "Json.hpp"

using geopm_bridge::json_quote;
using geopm_bridge::parse_json;

namespace
{
    // The message of the geopm::Exception parse_json() throws, which must
    // be a GEOPM_ERROR_FILE_PARSE; empty when it does not throw.
    std::string parse_error(const std::string &text)
    {
        try {
            parse_json(text, "doc");
        }
        catch (const geopm::Exception &ex) {
            EXPECT_EQ(GEOPM_ERROR_FILE_PARSE, ex.err_value()) << text;
            return ex.what();
        }
        return "";
    }

    bool has(const std::string &text, const std::string &part)
    {
        return text.find(part) != std::string::npos;
    }
}

TEST(JsonTest, documents_read_with_json11)
{
    json11::Json doc = parse_json(
        "{\"controls\": [{\"name\": \"A::X\", \"setting\": 1.5}, {}],\n\t\"empty\": [], \"n\": null}",
        "doc");
    ASSERT_TRUE(doc.is_object());
    ASSERT_EQ(3u, doc.object_items().size());
    const json11::Json &controls = doc["controls"];
    ASSERT_EQ(2u, controls.array_items().size());
    EXPECT_EQ("A::X", controls[0]["name"].string_value());
    EXPECT_EQ(1.5, controls[0]["setting"].number_value());
    EXPECT_TRUE(controls[1].is_object());
    EXPECT_TRUE(doc["empty"].array_items().empty());
    EXPECT_TRUE(doc["n"].is_null());
    EXPECT_EQ(-12.5e3, parse_json(" -12.5e3 ", "doc").number_value());
    // A repeated key keeps the last value.
    EXPECT_EQ(2, parse_json("{\"a\": 1, \"a\": 2}", "doc")["a"].int_value());
}

TEST(JsonTest, errors_name_the_source_the_offset_and_the_fault)
{
    const std::pair<const char *, const char *> cases[] = {
        {"{\"a\": 1} x", "offset 9: unexpected trailing 'x' (120)"},
        {"", "offset 0: unexpected end of input"},
        {"[1, 2", "offset 5: unexpected end of input"},
        {"[1 2]", "offset 3: expected ',' in list, got '2' (50)"},
        {"{\"a\" 1}", "offset 5: expected ':' in object, got '1' (49)"},
        {"{a: 1}", "offset 1: expected '\"' in object, got 'a' (97)"},
        {"\"open", "offset 5: unexpected end of input in string"},
        {"\"\\x\"", "offset 2: invalid escape character 'x' (120)"},
        {"\"\\u12\"", "offset 3: bad \\u escape: 12\""},
        {"[tru]", "offset 1: parse error: expected true, got tru]"},
        {"01", "offset 1: leading 0s not permitted in numbers"},
        {"1.", "offset 2: at least one digit required in fractional part"},
        {"1e+", "offset 3: at least one digit required in exponent"},
        {"-x", "offset 1: invalid 'x' (120) in number"},
        {"\"a\tb\"", "offset 2: unescaped (9) in string"},
    };
    for (const auto &item : cases) {
        std::string message = parse_error(item.first);
        EXPECT_TRUE(has(message, std::string("doc: JSON parse error at ") + item.second))
            << item.first << " -> " << message;
    }
}

TEST(JsonTest, only_standard_json)
{
    // strtod() would take these; JSON does not.
    for (const char *text : {"NaN", "inf", "Infinity", "+1", ".5"}) {
        EXPECT_TRUE(has(parse_error(text), "offset 0: expected value, got '")) << text;
    }
    EXPECT_TRUE(has(parse_error("nan"), "offset 0: parse error: expected null, got nan"));
    // Runtime files are standard JSON: no comments.
    EXPECT_TRUE(has(parse_error("{} // note"), "offset 3: unexpected trailing '/' (47)"));
}

TEST(JsonTest, bounded_in_size_depth_and_range)
{
    using geopm_bridge::M_JSON_MAX_DEPTH;
    using geopm_bridge::M_JSON_MAX_SIZE;
    // Numbers past a double's range are refused (json11's own parse() gives inf).
    EXPECT_TRUE(has(parse_error("[1e999]"), "offset 1: number 1e999 is out of range"));
    EXPECT_TRUE(has(parse_error("-1e400"), "offset 0: number -1e400 is out of range"));
    EXPECT_EQ(1e308, parse_json("1e308", "doc").number_value());
    EXPECT_EQ(0.0, parse_json("1e-999", "doc").number_value());  // underflow is 0, still finite
    // M_JSON_MAX_DEPTH containers inside the outermost, and no more.
    std::string deepest = std::string(M_JSON_MAX_DEPTH + 1, '[') + std::string(M_JSON_MAX_DEPTH + 1, ']');
    EXPECT_TRUE(parse_json(deepest, "doc").is_array());
    EXPECT_TRUE(has(parse_error("[" + deepest + "]"), "exceeded maximum nesting depth"));
    EXPECT_TRUE(has(parse_error(std::string(100000, '[')), "exceeded maximum nesting depth"));
    // The size, before any parsing.
    std::string largest = "\"" + std::string(M_JSON_MAX_SIZE - 2, 'x') + "\"";
    EXPECT_EQ(M_JSON_MAX_SIZE - 2, parse_json(largest, "doc").string_value().size());
    EXPECT_TRUE(has(parse_error(largest + " "), "doc: " + std::to_string(M_JSON_MAX_SIZE + 1) +
                                                 " bytes, larger than the limit of " +
                                                 std::to_string(M_JSON_MAX_SIZE) + " bytes"));
}

TEST(JsonTest, quote_escapes_as_json11_does)
{
    EXPECT_EQ("\"plain\"", json_quote("plain"));
    EXPECT_EQ("\"a\\\"b\\\\c\"", json_quote("a\"b\\c"));
    EXPECT_EQ("\"\\n\\r\\t\\b\\f\\u0001\\u001f\"", json_quote("\n\r\t\b\f\x01\x1f"));
    EXPECT_EQ("\"\xc3\xa9/\x7f\"", json_quote("\xc3\xa9/\x7f"));  // no escape needed
    // The line and paragraph separators, which JavaScript strings may not hold.
    EXPECT_EQ("\"\\u2028\\u2029\"", json_quote("\xe2\x80\xa8\xe2\x80\xa9"));
}

TEST(JsonTest, quote_then_parse_gives_the_text_back)
{
    std::string text;
    for (int code = 0; code < 256; ++code) {
        text += static_cast<char>(code);
    }
    EXPECT_EQ(text, parse_json(json_quote(text), "doc").string_value());
}
