/*
 * The runtime's small JSON reader (saved controls, environment files,
 * policies) and its string quoting.
 */
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "geopm/Exception.hpp"

#include "Json.hpp"

using geopm_bridge::JsonValue;

namespace
{
    // The message of the geopm::Exception call throws, which must be a
    // GEOPM_ERROR_FILE_PARSE; empty when it does not throw.
    std::string parse_error(const std::string &text)
    {
        try {
            JsonValue::parse(text);
        }
        catch (const geopm::Exception &ex) {
            EXPECT_EQ(GEOPM_ERROR_FILE_PARSE, ex.err_value()) << text;
            return ex.what();
        }
        return "";
    }
}

TEST(JsonTest, scalars)
{
    EXPECT_EQ(JsonValue::M_NULL, JsonValue::parse("null").type());
    EXPECT_TRUE(JsonValue::parse(" true ").boolean());
    EXPECT_EQ(JsonValue::M_BOOL, JsonValue::parse("false").type());
    EXPECT_FALSE(JsonValue::parse("false").boolean());
    EXPECT_EQ(-12.5e3, JsonValue::parse("-12.5e3").number());
    EXPECT_EQ(0.0, JsonValue::parse("0").number());
    EXPECT_EQ("a b", JsonValue::parse("\"a b\"").string());
}

TEST(JsonTest, nested_documents)
{
    JsonValue doc = JsonValue::parse(
        "{\"controls\": [{\"name\": \"A::X\", \"setting\": 1.5}, {}],\n\t\"empty\": [], \"n\": null}");
    ASSERT_TRUE(doc.is_object());
    ASSERT_EQ(3u, doc.object().size());
    const JsonValue &controls = doc.object().at("controls");
    ASSERT_TRUE(controls.is_array());
    ASSERT_EQ(2u, controls.array().size());
    EXPECT_EQ("A::X", controls.array()[0].object().at("name").string());
    EXPECT_EQ(1.5, controls.array()[0].object().at("setting").number());
    EXPECT_TRUE(controls.array()[1].is_object());
    EXPECT_TRUE(controls.array()[1].object().empty());
    EXPECT_TRUE(doc.object().at("empty").array().empty());
    EXPECT_EQ(JsonValue::M_NULL, doc.object().at("n").type());
}

TEST(JsonTest, a_repeated_key_keeps_the_last_value)
{
    EXPECT_EQ(2.0, JsonValue::parse("{\"a\": 1, \"a\": 2}").object().at("a").number());
}

TEST(JsonTest, string_escapes)
{
    EXPECT_EQ("q\"b\\s/\b\f\n\r\t", JsonValue::parse("\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\"").string());
    // \u escapes become UTF-8: one, two and three bytes.
    EXPECT_EQ("A\xc3\xa9\xe2\x82\xac", JsonValue::parse("\"\\u0041\\u00e9\\u20AC\"").string());
    // UTF-8 in the text passes through unchanged.
    EXPECT_EQ("\xc3\xa9", JsonValue::parse("\"\xc3\xa9\"").string());
}

TEST(JsonTest, errors_name_the_offset)
{
    EXPECT_NE(std::string::npos, parse_error("{\"a\": 1} x").find("offset 9"));
    EXPECT_NE(std::string::npos, parse_error("{\"a\": 1} x").find("unexpected text after"));
    EXPECT_NE(std::string::npos, parse_error("").find("unexpected end of text"));
    EXPECT_NE(std::string::npos, parse_error("[1, 2").find("expected ']'"));
    EXPECT_NE(std::string::npos, parse_error("{\"a\" 1}").find("expected ':'"));
    EXPECT_NE(std::string::npos, parse_error("{a: 1}").find("expected a string"));
    EXPECT_NE(std::string::npos, parse_error("\"open").find("unterminated string"));
    EXPECT_NE(std::string::npos, parse_error("\"\\x\"").find("invalid escape"));
    EXPECT_NE(std::string::npos, parse_error("\"\\u12\"").find("\\u escape"));
    EXPECT_NE(std::string::npos, parse_error("\"\\u12g4\"").find("invalid \\u escape"));
}

TEST(JsonTest, numbers_are_json_numbers_only)
{
    // strtod() would take these; JSON does not.
    for (const char *text : {"nan", "NaN", "inf", "Infinity", "+1", ".5", "tru", "nul"}) {
        EXPECT_NE(std::string::npos, parse_error(text).find("invalid value")) << text;
    }
}

TEST(JsonTest, quote_escapes_what_json_requires)
{
    EXPECT_EQ("\"plain\"", JsonValue::quote("plain"));
    EXPECT_EQ("\"a\\\"b\\\\c\"", JsonValue::quote("a\"b\\c"));
    EXPECT_EQ("\"\\n\\r\\t\\u0001\\u001f\"", JsonValue::quote("\n\r\t\x01\x1f"));
    EXPECT_EQ("\"\xc3\xa9/\"", JsonValue::quote("\xc3\xa9/"));  // no escape needed
}

TEST(JsonTest, quote_then_parse_gives_the_text_back)
{
    std::string text;
    for (int code = 1; code < 256; ++code) {
        text += static_cast<char>(code);
    }
    EXPECT_EQ(text, JsonValue::parse(JsonValue::quote(text)).string());
}
