/*
 * geopm::Agg against GEOPM 3.1's semantics (libgeopmd/src/Agg.cpp): NaN
 * operands are ignored, an operand list with no number left gives NaN
 * (select_first aside), and names, types and functions convert both ways.
 */
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit_test_helpers.hpp"

#include "geopm/Agg.hpp"
#include "geopm/Exception.hpp"
#include "geopm_hash.h"
#include "geopm_hint.h"

using unit_test::error_code;

namespace
{
    using geopm::Agg;

    const double NaN = std::numeric_limits<double>::quiet_NaN();

    // Every function, in m_type_e order, with its name.
    const std::vector<std::pair<std::string, double (*)(const std::vector<double> &)> > ALL = {
        {"sum", Agg::sum},
        {"average", Agg::average},
        {"median", Agg::median},
        {"integer_bitwise_or", Agg::integer_bitwise_or},
        {"logical_and", Agg::logical_and},
        {"logical_or", Agg::logical_or},
        {"min", Agg::min},
        {"max", Agg::max},
        {"stddev", Agg::stddev},
        {"region_hash", Agg::region_hash},
        {"region_hint", Agg::region_hint},
        {"select_first", Agg::select_first},
        {"expect_same", Agg::expect_same},
    };

}

TEST(AggTest, reductions_skip_nan_operands)
{
    std::vector<double> values {4.0, NaN, 1.0, 3.0, NaN, 2.0};
    EXPECT_EQ(10.0, Agg::sum(values));
    EXPECT_EQ(2.5, Agg::average(values));
    EXPECT_EQ(2.5, Agg::median(values));  // even count: mean of the middle two
    EXPECT_EQ(1.0, Agg::min(values));
    EXPECT_EQ(4.0, Agg::max(values));
    EXPECT_DOUBLE_EQ(std::sqrt(5.0 / 3.0), Agg::stddev(values));  // sample, n - 1
    EXPECT_EQ(3.0, Agg::median({5.0, NaN, 1.0, 3.0}));  // odd count after filtering
}

TEST(AggTest, no_number_left_is_nan_except_for_select_first)
{
    for (const auto &entry : ALL) {
        if (entry.first == "select_first") {
            continue;
        }
        EXPECT_TRUE(std::isnan(entry.second({}))) << entry.first;
        EXPECT_TRUE(std::isnan(entry.second({NaN, NaN}))) << entry.first;
    }
    // select_first keeps NaN (a raw 64-bit value may look like one) and
    // gives 0 for no operand at all.
    EXPECT_EQ(0.0, Agg::select_first({}));
    EXPECT_TRUE(std::isnan(Agg::select_first({NaN, 7.0})));
    EXPECT_EQ(7.0, Agg::select_first({7.0, NaN, 8.0}));
}

TEST(AggTest, single_operand)
{
    EXPECT_EQ(0.0, Agg::stddev({42.0}));
    EXPECT_EQ(42.0, Agg::median({42.0}));
    EXPECT_EQ(42.0, Agg::average({NaN, 42.0}));
}

TEST(AggTest, logical_and_or_treat_any_nonzero_as_true)
{
    EXPECT_EQ(1.0, Agg::logical_and({0.5, -2.0, NaN}));
    EXPECT_EQ(0.0, Agg::logical_and({1.0, 0.0, 1.0}));
    EXPECT_EQ(1.0, Agg::logical_or({0.0, NaN, -0.25}));
    EXPECT_EQ(0.0, Agg::logical_or({0.0, -0.0}));
}

TEST(AggTest, integer_bitwise_or_truncates_to_integers)
{
    EXPECT_EQ(13.0, Agg::integer_bitwise_or({1.0, 4.0, NaN, 8.0}));
    EXPECT_EQ(3.0, Agg::integer_bitwise_or({1.9, 2.2}));  // 1 | 2
    EXPECT_EQ(double(1ULL << 40 | 1), Agg::integer_bitwise_or({double(1ULL << 40), 1.0}));
}

TEST(AggTest, common_value_functions)
{
    EXPECT_EQ(5.0, Agg::region_hash({5.0, NaN, 5.0}));
    EXPECT_EQ(double(GEOPM_REGION_HASH_UNMARKED), Agg::region_hash({5.0, 6.0}));
    EXPECT_EQ(2.0, Agg::region_hint({2.0, 2.0}));
    EXPECT_EQ(double(GEOPM_REGION_HINT_UNKNOWN), Agg::region_hint({2.0, 3.0}));
    EXPECT_EQ(2.0, Agg::expect_same({NaN, 2.0, 2.0}));
    EXPECT_TRUE(std::isnan(Agg::expect_same({2.0, 3.0})));
}

TEST(AggTest, names_types_and_functions_convert_both_ways)
{
    ASSERT_EQ(size_t(Agg::M_NUM_TYPE), ALL.size());
    for (int type = 0; type < Agg::M_NUM_TYPE; ++type) {
        const auto &entry = ALL[type];
        EXPECT_EQ(entry.first, Agg::type_to_name(type));
        EXPECT_EQ(type, Agg::function_to_type(Agg::name_to_function(entry.first)));
        EXPECT_EQ(entry.first, Agg::function_to_name(Agg::type_to_function(type)));
        EXPECT_EQ(entry.first, Agg::function_to_name(entry.second));
        // The function found by name is that very function.
        std::vector<double> operand {3.0, NaN, 1.0, 3.0};
        double expected = entry.second(operand);
        double got = Agg::name_to_function(entry.first)(operand);
        EXPECT_TRUE(got == expected || (std::isnan(got) && std::isnan(expected))) << entry.first;
    }
}

TEST(AggTest, unknown_names_types_and_functions_are_invalid)
{
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([] { Agg::name_to_function("mean"); }));
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([] { Agg::name_to_function("SUM"); }));
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([] { Agg::type_to_name(-1); }));
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([] { Agg::type_to_function(Agg::M_NUM_TYPE); }));
    std::function<double(const std::vector<double> &)> lambda =
        [](const std::vector<double> &) { return 0.0; };
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([&] { Agg::function_to_name(lambda); }));
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([&] { Agg::function_to_type(lambda); }));
}
