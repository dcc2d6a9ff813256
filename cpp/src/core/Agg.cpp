#include "geopm/Agg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "geopm/Exception.hpp"
#include "geopm_hash.h"
#include "geopm_hint.h"

namespace geopm
{
    namespace
    {
        using agg_ptr_t = double (*)(const std::vector<double> &);

        struct AggEntry
        {
            int type;
            const char *name;
            agg_ptr_t func;
        };

        // One table drives every name/type/function conversion; indexed
        // by m_type_e.
        const AggEntry *agg_table(void)
        {
            static const AggEntry table[Agg::M_NUM_TYPE] = {
                {Agg::M_SUM, "sum", Agg::sum},
                {Agg::M_AVERAGE, "average", Agg::average},
                {Agg::M_MEDIAN, "median", Agg::median},
                {Agg::M_INTEGER_BITWISE_OR, "integer_bitwise_or", Agg::integer_bitwise_or},
                {Agg::M_LOGICAL_AND, "logical_and", Agg::logical_and},
                {Agg::M_LOGICAL_OR, "logical_or", Agg::logical_or},
                {Agg::M_MIN, "min", Agg::min},
                {Agg::M_MAX, "max", Agg::max},
                {Agg::M_STDDEV, "stddev", Agg::stddev},
                {Agg::M_REGION_HASH, "region_hash", Agg::region_hash},
                {Agg::M_REGION_HINT, "region_hint", Agg::region_hint},
                {Agg::M_SELECT_FIRST, "select_first", Agg::select_first},
                {Agg::M_EXPECT_SAME, "expect_same", Agg::expect_same},
            };
            return table;
        }

        const AggEntry &entry_of(std::function<double(const std::vector<double> &)> func)
        {
            const agg_ptr_t *target = func.target<agg_ptr_t>();
            if (target != nullptr) {
                for (int idx = 0; idx < Agg::M_NUM_TYPE; ++idx) {
                    if (agg_table()[idx].func == *target) {
                        return agg_table()[idx];
                    }
                }
            }
            throw Exception("Agg: the function is not one of the geopm::Agg functions",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }

        const AggEntry &entry_of(int agg_type)
        {
            if (agg_type < 0 || agg_type >= Agg::M_NUM_TYPE) {
                throw Exception("Agg: aggregation type out of range: " + std::to_string(agg_type),
                                GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            return agg_table()[agg_type];
        }

        std::vector<double> without_nan(const std::vector<double> &operand)
        {
            std::vector<double> result;
            result.reserve(operand.size());
            for (double value : operand) {
                if (!std::isnan(value)) {
                    result.push_back(value);
                }
            }
            return result;
        }

        // The value all (non-NaN) operands share, else `differ`.
        double common_value(const std::vector<double> &operand, double differ)
        {
            std::vector<double> values = without_nan(operand);
            if (values.empty()) {
                return NAN;
            }
            bool same = std::all_of(values.begin(), values.end(),
                                    [&values](double value) { return value == values[0]; });
            return same ? values[0] : differ;
        }
    }

    namespace
    {
        // Folds op over the operands that are not NaN, in place: the
        // reductions run every control period (for every simulated node),
        // so they allocate nothing. NaN when every operand is NaN.
        template <typename Op>
        double fold_non_nan(const std::vector<double> &operand, double init, Op op)
        {
            double result = init;
            bool is_any = false;
            for (double value : operand) {
                if (!std::isnan(value)) {
                    result = op(result, value);
                    is_any = true;
                }
            }
            return is_any ? result : NAN;
        }
    }

    double Agg::sum(const std::vector<double> &operand)
    {
        return fold_non_nan(operand, 0.0, [](double total, double value) { return total + value; });
    }

    double Agg::average(const std::vector<double> &operand)
    {
        size_t count = std::count_if(operand.begin(), operand.end(),
                                     [](double value) { return !std::isnan(value); });
        return count == 0 ? NAN : sum(operand) / count;
    }

    double Agg::median(const std::vector<double> &operand)
    {
        std::vector<double> values = without_nan(operand);
        if (values.empty()) {
            return NAN;
        }
        std::sort(values.begin(), values.end());
        size_t mid = values.size() / 2;
        if (values.size() % 2 == 0) {
            return (values[mid - 1] + values[mid]) / 2.0;
        }
        return values[mid];
    }

    double Agg::integer_bitwise_or(const std::vector<double> &operand)
    {
        return fold_non_nan(operand, 0.0, [](double result, double value) {
            return static_cast<double>(static_cast<int64_t>(result) | static_cast<int64_t>(value));
        });
    }

    double Agg::logical_and(const std::vector<double> &operand)
    {
        return fold_non_nan(operand, 1.0, [](double result, double value) {
            return (result != 0.0 && value != 0.0) ? 1.0 : 0.0;
        });
    }

    double Agg::logical_or(const std::vector<double> &operand)
    {
        return fold_non_nan(operand, 0.0, [](double result, double value) {
            return (result != 0.0 || value != 0.0) ? 1.0 : 0.0;
        });
    }

    double Agg::min(const std::vector<double> &operand)
    {
        return fold_non_nan(operand, INFINITY, [](double result, double value) {
            return std::min(result, value);
        });
    }

    double Agg::max(const std::vector<double> &operand)
    {
        return fold_non_nan(operand, -INFINITY, [](double result, double value) {
            return std::max(result, value);
        });
    }

    double Agg::stddev(const std::vector<double> &operand)
    {
        std::vector<double> values = without_nan(operand);
        if (values.empty()) {
            return NAN;
        }
        if (values.size() == 1) {
            return 0.0;
        }
        // Two passes: numerically kinder than the sum-of-squares formula.
        double mean = average(values);
        double squares = 0.0;
        for (double value : values) {
            squares += (value - mean) * (value - mean);
        }
        return std::sqrt(squares / (values.size() - 1));
    }

    double Agg::region_hash(const std::vector<double> &operand)
    {
        return common_value(operand, static_cast<double>(GEOPM_REGION_HASH_UNMARKED));
    }

    double Agg::region_hint(const std::vector<double> &operand)
    {
        return common_value(operand, static_cast<double>(GEOPM_REGION_HINT_UNKNOWN));
    }

    double Agg::select_first(const std::vector<double> &operand)
    {
        return operand.empty() ? 0.0 : operand[0];
    }

    double Agg::expect_same(const std::vector<double> &operand)
    {
        return common_value(operand, NAN);
    }

    std::function<double(const std::vector<double> &)> Agg::name_to_function(const std::string &name)
    {
        for (int idx = 0; idx < M_NUM_TYPE; ++idx) {
            if (name == agg_table()[idx].name) {
                return agg_table()[idx].func;
            }
        }
        throw Exception("Agg::name_to_function(): unknown aggregation function: \"" + name + "\"",
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }

    std::string Agg::function_to_name(std::function<double(const std::vector<double> &)> func)
    {
        return entry_of(func).name;
    }

    int Agg::function_to_type(std::function<double(const std::vector<double> &)> func)
    {
        return entry_of(func).type;
    }

    std::function<double(const std::vector<double> &)> Agg::type_to_function(int agg_type)
    {
        return entry_of(agg_type).func;
    }

    std::string Agg::type_to_name(int agg_type)
    {
        return entry_of(agg_type).name;
    }
}
