/*
 * The report's text (cpp/src/controller/Format.hpp): names a user or an
 * agent chose are written so that the report stays valid YAML and reads
 * back as the same text; the report end to end is read with PyYAML and
 * geopmpy in tests/faults/test_inputs.py.
 */
#include <string>

#include <gtest/gtest.h>

#include "Format.hpp"

using geopm_bridge::yaml_quote;
using geopm_bridge::yaml_text;
using geopm_bridge::yaml_value;

TEST(FormatTest, quote_escapes_what_yaml_does_not_allow)
{
    EXPECT_EQ("\"plain\"", yaml_quote("plain"));
    EXPECT_EQ("\"\"", yaml_quote(""));
    EXPECT_EQ("\"a\\\"b\\\\c\"", yaml_quote("a\"b\\c"));
    EXPECT_EQ("\"two\\nlines\\tand\\r\"", yaml_quote("two\nlines\tand\r"));
    EXPECT_EQ("\"\\x01\\x7F\\x85\"", yaml_quote("\x01\x7f\xc2\x85"));  // C0, DEL, NEL
    EXPECT_EQ("\"\\u2028\\uFEFF\"", yaml_quote("\xe2\x80\xa8\xef\xbb\xbf"));
    // UTF-8 stays as it is; bytes that are not UTF-8 become U+FFFD.
    EXPECT_EQ("\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", yaml_quote("caf\xc3\xa9 \xf0\x9f\x98\x80"));
    EXPECT_EQ("\"a\\uFFFDb\\uFFFD\"", yaml_quote("a\xff" "b\xc3"));  // stray, truncated
    EXPECT_EQ("\"\\uFFFD\\uFFFD\\uFFFD\"", yaml_quote("\xed\xa0\x80"));  // a surrogate
}

TEST(FormatTest, text_is_plain_only_when_it_reads_back_as_text)
{
    for (const char *plain : {"default", "my app", "sim0003", "a-b_c.d", "caf\xc3\xa9", "a:b", "a#b"}) {
        EXPECT_EQ(plain, yaml_text(plain)) << plain;
    }
    for (const char *quoted : {"", "123", "1.5", "-x", ".inf", "~", "true", "No", "null", "key: value",
                               "a #b", "- item", "{x}", "[x]", "'x'", "\"x\"", "x:", " x", "x ",
                               "---", "...", "*alias", "&anchor", "!tag", "%x", "@x", "`x", "|", ">",
                               "two\nlines"}) {
        EXPECT_EQ('"', yaml_text(quoted).front()) << quoted;
    }
}

TEST(FormatTest, agent_values_as_geopm_writes_them_when_valid)
{
    // Plain values and flow collections stay as they are: numbers stay numbers.
    for (const char *kept : {"200", "-1.5", ".nan", "some text", "[1, 2]", "{}", "[]",
                             "{0x00000000deadbeef: 1000000000.0, 0x0000000012345678: 2.0e+09}",
                             "{\"POWER\": 150, \"STEP\": \"NAN\"}", "[a, [b, {c: d}]]",
                             "\"already \\\"quoted\\\"\""}) {
        EXPECT_EQ(kept, yaml_value(kept)) << kept;
    }
    // The rest is quoted.
    for (const char *broken : {"", "key: value", "x #y", "{a", "[1, 2", "[1, 2] x", "{a: }",
                               "{[1]: 2}", "{a:b}", "[a, b # c]", "\"unterminated", "\"bad \\q\"",
                               "two\nlines", "- item", "[\"\x01\"]"}) {
        EXPECT_EQ(yaml_quote(broken), yaml_value(broken)) << broken;
    }
    std::string deep = std::string(100, '[') + std::string(100, ']');
    EXPECT_EQ(yaml_quote(deep), yaml_value(deep));
    // YAML takes a key of at most 1024 characters.
    std::string long_key = "{" + std::string(2000, 'a') + ": 1}";
    EXPECT_EQ(yaml_quote(long_key), yaml_value(long_key));
    std::string long_item = "[" + std::string(2000, 'a') + "]";
    EXPECT_EQ(long_item, yaml_value(long_item));
}
