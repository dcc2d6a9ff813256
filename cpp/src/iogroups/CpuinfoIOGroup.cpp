#include "CpuinfoIOGroup.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "geopm/Agg.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm_topo.h"

namespace geopm_bridge
{
    enum cpuinfo_id_e {
        M_FREQ_MIN,
        M_FREQ_STICKER,
        M_FREQ_MAX,
        M_FREQ_STEP,
    };

    static const std::string CPUFREQ_DIR = "/sys/devices/system/cpu/cpu0/cpufreq/";

    // A cpufreq frequency file (kHz) in Hz; NaN when absent or unreadable.
    static double cpufreq_hz(const std::string &file_name)
    {
        try {
            return 1e3 * read_host_number(host_path(CPUFREQ_DIR + file_name));
        }
        catch (const geopm::Exception &) {
            return NAN;
        }
    }

    // The value of the first "key : value" line of /proc/cpuinfo, or "".
    static std::string cpuinfo_field(const std::string &cpuinfo, const std::string &key)
    {
        std::istringstream lines(cpuinfo);
        std::string line;
        while (std::getline(lines, line)) {
            size_t colon = line.find(':');
            if (colon == std::string::npos) {
                continue;
            }
            std::string name = line.substr(0, colon);
            name.erase(name.find_last_not_of(" \t") + 1);
            if (name == key) {
                size_t start = line.find_first_not_of(" \t", colon + 1);
                return start == std::string::npos ? "" : line.substr(start);
            }
        }
        return "";
    }

    // Sticker frequency without cpufreq: the model name's "@ X.YZGHz",
    // else the current "cpu MHz"; NaN when neither is there.
    static double cpuinfo_sticker_hz(void)
    {
        std::string cpuinfo;
        try {
            cpuinfo = geopm::read_file(host_path("/proc/cpuinfo"));
        }
        catch (const geopm::Exception &) {
            return NAN;
        }
        double result = NAN;
        std::string model = cpuinfo_field(cpuinfo, "model name");
        size_t at = model.rfind('@');
        if (at != std::string::npos) {
            double ghz = std::strtod(model.c_str() + at + 1, nullptr);
            if (ghz > 0 && model.find("GHz", at) != std::string::npos) {
                result = ghz * 1e9;
            }
        }
        if (std::isnan(result)) {
            double mhz = std::strtod(cpuinfo_field(cpuinfo, "cpu MHz").c_str(), nullptr);
            if (mhz > 0) {
                result = mhz * 1e6;
            }
        }
        return result;
    }

    CpuinfoIOGroup::CpuinfoIOGroup()
        : BasicIOGroup(plugin_name())
        , m_value{cpufreq_hz("cpuinfo_min_freq"), cpufreq_hz("base_frequency"),
                  cpufreq_hz("cpuinfo_max_freq"), 100e6}
    {
        double &freq_min = m_value[M_FREQ_MIN];
        double &freq_max = m_value[M_FREQ_MAX];
        double &sticker = m_value[M_FREQ_STICKER];
        if (std::isnan(sticker)) {
            sticker = cpuinfo_sticker_hz();
        }
        if (std::isnan(sticker) && !std::isnan(freq_max)) {
            sticker = freq_max;
        }
        if (std::isnan(sticker)) {
            throw geopm::Exception("CPUINFO IOGroup: no processor frequency found in "
                                   "cpufreq or /proc/cpuinfo",
                                   GEOPM_ERROR_PLATFORM_UNSUPPORTED, __FILE__, __LINE__);
        }
        if (std::isnan(freq_min) || std::isnan(freq_max)) {
            freq_min = sticker;
            freq_max = sticker;
        }
        if (freq_min > freq_max) {
            throw geopm::Exception("CPUINFO IOGroup: cpuinfo_min_freq is above cpuinfo_max_freq",
                                   GEOPM_ERROR_PLATFORM_UNSUPPORTED, __FILE__, __LINE__);
        }
        sticker = std::clamp(sticker, freq_min, freq_max);

        struct {
            int id;
            const char *name;
            const char *alias;
            const char *description;
        } signals[] = {
            {M_FREQ_MIN, "CPUINFO::FREQ_MIN", "CPU_FREQUENCY_MIN_AVAIL",
             "Lowest frequency the processor can be set to"},
            {M_FREQ_STICKER, "CPUINFO::FREQ_STICKER", "CPU_FREQUENCY_STICKER",
             "Base (sticker) frequency of the processor"},
            {M_FREQ_MAX, "CPUINFO::FREQ_MAX", "CPU_FREQUENCY_MAX_AVAIL",
             "Highest frequency the processor can be set to"},
            {M_FREQ_STEP, "CPUINFO::FREQ_STEP", "CPU_FREQUENCY_STEP",
             "Distance between two settable processor frequencies"},
        };
        for (const auto &sig : signals) {
            add_signal(sig.name, {sig.id, GEOPM_DOMAIN_BOARD, M_UNITS_HERTZ,
                                  geopm::Agg::expect_same, M_SIGNAL_BEHAVIOR_CONSTANT,
                                  sig.description});
            add_alias(sig.alias, sig.name);
        }
    }

    std::string CpuinfoIOGroup::plugin_name(void)
    {
        return "CPUINFO";
    }

    std::unique_ptr<geopm::IOGroup> CpuinfoIOGroup::make_plugin(void)
    {
        return std::make_unique<CpuinfoIOGroup>();
    }

    double CpuinfoIOGroup::read_value(int id, int)
    {
        return m_value[id];
    }
}
