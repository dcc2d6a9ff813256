#include "NodeModelParams.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"

namespace geopm_bridge
{
    namespace
    {
        [[noreturn]] void bad_param(const std::string &item, const std::string &why)
        {
            throw geopm::Exception("NODE_MODEL IOGroup: bad node_model parameter \"" + item +
                                   "\" (GEOPM_BRIDGE_NODE_MODEL): " + why,
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }

        std::string trim(const std::string &text)
        {
            size_t begin = text.find_first_not_of(" \t\n");
            size_t end = text.find_last_not_of(" \t\n");
            return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
        }
    }

    NodeModelParams parse_node_model_params(const std::string &text)
    {
        std::map<std::string, double> given;
        // Each key the user gave and the item as given, for the errors.
        std::map<std::string, std::string> given_item;
        if (trim(text) != "1") {
            for (const auto &raw_item : geopm::string_split(trim(text), ",")) {
                std::string item = trim(raw_item);
                size_t equal = item.find('=');
                if (equal == std::string::npos) {
                    bad_param(item, "expected key=value");
                }
                std::string key = trim(item.substr(0, equal));
                std::string value = trim(item.substr(equal + 1));
                char *end = nullptr;
                double number = std::strtod(value.c_str(), &end);
                if (value.empty() || *end != '\0' || !std::isfinite(number)) {
                    bad_param(item, "\"" + value + "\" is not a finite number");
                }
                if (!given.emplace(key, number).second) {
                    bad_param(item, "\"" + key + "\" is given twice");
                }
                given_item[key] = item;
            }
        }
        auto take = [&given](const std::string &key, double default_value) {
            auto it = given.find(key);
            if (it == given.end()) {
                return default_value;
            }
            double result = it->second;
            given.erase(it);
            return result;
        };
        NodeModelParams result {};
        result.tdp = take("tdp", 150.0);
        result.min_power = take("min_power", result.tdp / 3);
        result.max_power = take("max_power", result.tdp * 4 / 3);
        result.idle_power = take("idle_power", result.tdp / 5);
        result.load = take("load", 0.8);
        result.freq_min = take("freq_min", 1.0e9);
        result.freq_max = take("freq_max", 3.0e9);
        result.freq_sticker = take("freq_sticker",
                                   std::clamp(2.1e9, result.freq_min,
                                              std::max(result.freq_min, result.freq_max)));
        result.dram_power = take("dram_power", 10.0);
        result.time_window = take("time_window", 1.0);
        // Kept as given until checked: 2.5 must not pass as 2.
        double gpus = take("gpus", 0.0);
        result.gpu_tdp = take("gpu_tdp", 700.0);
        result.gpu_min_power = take("gpu_min_power", 200.0);
        result.gpu_max_power = take("gpu_max_power", result.gpu_tdp);
        result.gpu_idle_power = take("gpu_idle_power", 80.0);
        result.gpu_load = take("gpu_load", 0.8);
        result.gpu_activity = take("gpu_activity", 1.0);
        result.gpu_freq_min = take("gpu_freq_min", 345.0e6);
        result.gpu_freq_max = take("gpu_freq_max", 1980.0e6);
        result.gpu_freq_step = take("gpu_freq_step", 15.0e6);
        if (!given.empty()) {
            bad_param(given_item[given.begin()->first], "unknown key; known keys are tdp, "
                      "min_power, max_power, idle_power, load, freq_min, freq_max, "
                      "freq_sticker, dram_power, time_window, gpus, gpu_tdp, gpu_min_power, "
                      "gpu_max_power, gpu_idle_power, gpu_load, gpu_activity, gpu_freq_min, gpu_freq_max, "
                      "gpu_freq_step");
        }

        auto number_text = [](double value) { return geopm::string_format_double(value); };
        // related: the key a default is computed from (min_power is tdp/3
        // unless given) or compared with, so that an error names what the
        // user gave: the key itself if given, else the related one.
        struct {
            bool is_ok;
            const char *key;
            double value;
            std::string rule;
            const char *related;
        } checks[] = {
            {result.min_power > 0, "min_power", result.min_power, "must be above 0", "tdp"},
            {result.tdp >= result.min_power, "tdp", result.tdp,
             "must be at least min_power (" + number_text(result.min_power) + ")", "min_power"},
            {result.max_power >= result.tdp, "max_power", result.max_power,
             "must be at least tdp (" + number_text(result.tdp) + ")", "tdp"},
            {result.idle_power >= 0 && result.idle_power <= result.tdp, "idle_power",
             result.idle_power, "must be in [0, tdp] ([0, " + number_text(result.tdp) + "])", "tdp"},
            {result.load >= 0, "load", result.load, "must be at least 0", nullptr},
            {result.freq_min > 0, "freq_min", result.freq_min, "must be above 0", nullptr},
            {result.freq_max >= result.freq_min, "freq_max", result.freq_max,
             "must be at least freq_min (" + number_text(result.freq_min) + ")", "freq_min"},
            {result.freq_sticker >= result.freq_min && result.freq_sticker <= result.freq_max,
             "freq_sticker", result.freq_sticker, "must be in [freq_min, freq_max] ([" +
             number_text(result.freq_min) + ", " + number_text(result.freq_max) + "])", "freq_min"},
            {result.dram_power >= 0, "dram_power", result.dram_power, "must be at least 0", nullptr},
            {result.time_window > 0, "time_window", result.time_window, "must be above 0", nullptr},
            {gpus >= 0 && gpus <= M_NODE_MODEL_MAX_GPUS && gpus == std::floor(gpus), "gpus", gpus,
             "must be an integer in [0, " + std::to_string(M_NODE_MODEL_MAX_GPUS) + "]", nullptr},
            {result.gpu_min_power > 0, "gpu_min_power", result.gpu_min_power, "must be above 0",
             nullptr},
            {result.gpu_tdp >= result.gpu_min_power, "gpu_tdp", result.gpu_tdp,
             "must be at least gpu_min_power (" + number_text(result.gpu_min_power) + ")",
             "gpu_min_power"},
            {result.gpu_max_power >= result.gpu_tdp, "gpu_max_power", result.gpu_max_power,
             "must be at least gpu_tdp (" + number_text(result.gpu_tdp) + ")", "gpu_tdp"},
            {result.gpu_idle_power >= 0 && result.gpu_idle_power <= result.gpu_tdp,
             "gpu_idle_power", result.gpu_idle_power, "must be in [0, gpu_tdp] ([0, " +
             number_text(result.gpu_tdp) + "])", "gpu_tdp"},
            {result.gpu_load >= 0 && result.gpu_load <= 1, "gpu_load", result.gpu_load,
             "must be in [0, 1]", nullptr},
            {result.gpu_activity >= 0 && result.gpu_activity <= 1, "gpu_activity",
             result.gpu_activity, "must be in [0, 1]", nullptr},
            {result.gpu_freq_min > 0, "gpu_freq_min", result.gpu_freq_min, "must be above 0",
             nullptr},
            {result.gpu_freq_max >= result.gpu_freq_min, "gpu_freq_max", result.gpu_freq_max,
             "must be at least gpu_freq_min (" + number_text(result.gpu_freq_min) + ")",
             "gpu_freq_min"},
            {result.gpu_freq_step > 0, "gpu_freq_step", result.gpu_freq_step, "must be above 0",
             nullptr},
        };
        for (const auto &check : checks) {
            if (check.is_ok) {
                continue;
            }
            std::string what = std::string(check.key) + " " + check.rule;
            auto own = given_item.find(check.key);
            if (own != given_item.end()) {
                bad_param(own->second, what);
            }
            auto related = check.related != nullptr ? given_item.find(check.related)
                                                    : given_item.end();
            if (related != given_item.end()) {
                bad_param(related->second, std::string(check.key) + " (" +
                          number_text(check.value) + ") " + check.rule);
            }
            bad_param(std::string(check.key) + "=" + number_text(check.value), what);
        }
        result.gpus = static_cast<int>(gpus);
        return result;
    }
}
