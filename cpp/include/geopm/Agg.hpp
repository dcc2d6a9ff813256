/*
 * Functions that reduce a vector of values to one: used to combine a signal
 * over domains and samples over child nodes.
 */
#ifndef AGG_HPP_INCLUDE
#define AGG_HPP_INCLUDE

#include <functional>
#include <string>
#include <vector>

#include "geopm_public.h"

namespace geopm
{
    class GEOPM_PUBLIC Agg
    {
        public:
            enum m_type_e {
                M_SUM,
                M_AVERAGE,
                M_MEDIAN,
                M_INTEGER_BITWISE_OR,
                M_LOGICAL_AND,
                M_LOGICAL_OR,
                M_MIN,
                M_MAX,
                M_STDDEV,
                M_REGION_HASH,
                M_REGION_HINT,
                M_SELECT_FIRST,
                M_EXPECT_SAME,
                M_NUM_TYPE
            };
            // Every function except select_first() ignores NaN operands and
            // returns NaN when no other operand is left.

            static double sum(const std::vector<double> &operand);
            static double average(const std::vector<double> &operand);
            /// Middle value (mean of the two middle values for an even count).
            static double median(const std::vector<double> &operand);
            /// Bitwise OR of the values taken as 64-bit integers.
            static double integer_bitwise_or(const std::vector<double> &operand);
            /// 1.0 when every value is non-zero, else 0.0.
            static double logical_and(const std::vector<double> &operand);
            /// 1.0 when any value is non-zero, else 0.0.
            static double logical_or(const std::vector<double> &operand);
            static double min(const std::vector<double> &operand);
            static double max(const std::vector<double> &operand);
            /// Sample standard deviation (0.0 for a single value).
            static double stddev(const std::vector<double> &operand);
            /// The common value, or GEOPM_REGION_HASH_UNMARKED if they differ.
            static double region_hash(const std::vector<double> &operand);
            /// The common value, or GEOPM_REGION_HINT_UNKNOWN if they differ.
            static double region_hint(const std::vector<double> &operand);
            /// The first operand as is (even NaN: raw 64-bit fields may look
            /// like NaN); 0.0 for an empty vector.
            static double select_first(const std::vector<double> &operand);
            /// The common value, or NaN if they differ.
            static double expect_same(const std::vector<double> &operand);
            /// "sum", "average", ... ; unknown names throw GEOPM_ERROR_INVALID.
            static std::function<double(const std::vector<double> &)> name_to_function(const std::string &name);
            /// Inverse of name_to_function() for the functions above.
            static std::string function_to_name(std::function<double(const std::vector<double> &)> func);
            /// The m_type_e of one of the functions above.
            static int function_to_type(std::function<double(const std::vector<double> &)> func);
            static std::function<double(const std::vector<double> &)> type_to_function(int agg_type);
            static std::string type_to_name(int agg_type);
    };
}

#endif
