/*
 * Policies given as JSON (GEOPM_POLICY files and endpoint documents):
 * {"NAME": number | "NAN"}; unknown names are an error, missing names NaN.
 */
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit_test_helpers.hpp"

#include "geopm/Exception.hpp"

#include "Json.hpp"
#include "Policy.hpp"

using geopm_bridge::FilePolicy;
using geopm_bridge::parse_json;
using geopm_bridge::policy_from_json;

using unit_test::contains;
using unit_test::error_of;

namespace
{
    const std::vector<std::string> NAMES {"POWER", "STEP", "MODE"};

    std::vector<double> policy(const std::string &text)
    {
        return policy_from_json(parse_json(text, "test policy"), NAMES, "my_agent", "test policy");
    }

    class PolicyFileTest : public ::testing::Test
    {
        protected:
            void SetUp(void) override
            {
                char path[] = "/tmp/geopm-bridge-policy-XXXXXX";
                int fd = mkstemp(path);
                ASSERT_NE(-1, fd);
                close(fd);
                m_path = path;
            }

            void TearDown(void) override
            {
                std::remove(m_path.c_str());
            }

            void write(const std::string &text)
            {
                std::ofstream(m_path) << text;
            }

            std::string m_path;
    };
}

TEST(PolicyTest, values_in_name_order_and_missing_names_are_nan)
{
    std::vector<double> result = policy("{\"MODE\": 3, \"POWER\": 150.5}");
    ASSERT_EQ(3u, result.size());
    EXPECT_EQ(150.5, result[0]);
    EXPECT_TRUE(std::isnan(result[1]));
    EXPECT_EQ(3.0, result[2]);
    for (double value : policy("{}")) {
        EXPECT_TRUE(std::isnan(value));
    }
}

TEST(PolicyTest, nan_is_written_as_a_string)
{
    for (const char *spelling : {"NAN", "NaN", "nan"}) {
        std::vector<double> result = policy(std::string("{\"STEP\": \"") + spelling + "\", \"POWER\": 1}");
        EXPECT_TRUE(std::isnan(result[1])) << spelling;
        EXPECT_EQ(1.0, result[0]);
    }
}

TEST(PolicyTest, unknown_names_are_invalid_and_listed)
{
    auto one = error_of([] { policy("{\"POWER\": 1, \"SPEED\": 2}"); });
    EXPECT_EQ(GEOPM_ERROR_INVALID, one.first);
    EXPECT_TRUE(contains(one.second, "test policy: unknown policy name \"SPEED\" for agent \"my_agent\""))
        << one.second;
    EXPECT_TRUE(contains(one.second, "its policy names: POWER, STEP, MODE")) << one.second;
    auto two = error_of([] { policy("{\"B\": 1, \"A\": 2}"); });
    EXPECT_TRUE(contains(two.second, "unknown policy names \"A\", \"B\"")) << two.second;
    auto none = error_of([] {
        policy_from_json(parse_json("{\"X\": 1}", "doc"), {}, "monitor", "doc");
    });
    EXPECT_EQ(GEOPM_ERROR_INVALID, none.first);
    EXPECT_TRUE(contains(none.second, "it takes no policy")) << none.second;
}

TEST(PolicyTest, values_must_be_numbers_or_nan)
{
    auto text = error_of([] { policy("{\"POWER\": \"fast\"}"); });
    EXPECT_EQ(GEOPM_ERROR_FILE_PARSE, text.first);
    EXPECT_TRUE(contains(text.second, "the value of policy POWER must be a number or \"NAN\", not \"fast\""))
        << text.second;
    for (const char *value : {"true", "null", "[1]", "{}"}) {
        auto other = error_of([value] { policy(std::string("{\"POWER\": ") + value + "}"); });
        EXPECT_EQ(GEOPM_ERROR_FILE_PARSE, other.first) << value;
        EXPECT_TRUE(contains(other.second, "must be a number or \"NAN\"")) << other.second;
    }
}

TEST(PolicyTest, a_policy_is_an_object)
{
    auto array = error_of([] { policy("[1, 2, 3]"); });
    EXPECT_EQ(GEOPM_ERROR_FILE_PARSE, array.first);
    EXPECT_TRUE(contains(array.second, "test policy: a policy is a JSON object")) << array.second;
    auto bad = error_of([] { parse_json("{\"POWER\": }", "endpoint document"); });
    EXPECT_EQ(GEOPM_ERROR_FILE_PARSE, bad.first);
    // The source, where the text went wrong, and json11's own message.
    EXPECT_TRUE(contains(bad.second, "endpoint document: JSON parse error at offset 10: "
                                     "expected value, got '}' (125)")) << bad.second;
}

TEST(PolicyTest, no_file_is_the_all_nan_policy)
{
    FilePolicy file("", "my_agent", NAMES);
    ASSERT_EQ(3u, file.policy().size());
    for (double value : file.policy()) {
        EXPECT_TRUE(std::isnan(value));
    }
    EXPECT_EQ("{}", file.json());
}

TEST_F(PolicyFileTest, file_values_and_the_report_json)
{
    write("{\"STEP\": \"NAN\", \"POWER\": 150}\n");
    FilePolicy file(m_path, "my_agent", NAMES);
    EXPECT_EQ(150.0, file.policy()[0]);
    EXPECT_TRUE(std::isnan(file.policy()[1]));
    EXPECT_TRUE(std::isnan(file.policy()[2]));
    // Only the values the file gave, in the agent's order; NaN as GEOPM writes it.
    EXPECT_EQ("{\"POWER\": 150, \"STEP\": \"NAN\"}", file.json());
}

TEST_F(PolicyFileTest, errors_name_the_file)
{
    write("{\"POWER\": 1, \"WATTS\": 2}");
    auto unknown = error_of([this] { FilePolicy(m_path, "my_agent", NAMES); });
    EXPECT_EQ(GEOPM_ERROR_INVALID, unknown.first);
    EXPECT_TRUE(contains(unknown.second, "policy file \"" + m_path + "\": unknown policy name \"WATTS\""))
        << unknown.second;
    write("{\"POWER\": 1");
    auto truncated = error_of([this] { FilePolicy(m_path, "my_agent", NAMES); });
    EXPECT_EQ(GEOPM_ERROR_FILE_PARSE, truncated.first);
    EXPECT_TRUE(contains(truncated.second, "policy file \"" + m_path + "\": JSON parse error at "
                                           "offset 11: unexpected end of input")) << truncated.second;
    std::string missing = m_path + ".missing";
    auto absent = error_of([&missing] { FilePolicy(missing, "my_agent", NAMES); });
    EXPECT_EQ(GEOPM_ERROR_INVALID, absent.first);
    EXPECT_TRUE(contains(absent.second, "cannot open policy file \"" + missing + "\": No such file"))
        << absent.second;
}
