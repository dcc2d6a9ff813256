// frequency_governor: geopm::FrequencyGovernor on this process's node (the
// node model, GEOPM_BRIDGE_NODE_MODEL), outside any controller, as a
// program written against GEOPM 3.1 uses it. One "name value..." line per
// fact; errors as "name <code>".
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "geopm/Exception.hpp"
#include "geopm/FrequencyGovernor.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"

template <typename func_t>
static void report_error(const char *name, func_t func)
{
    try {
        func();
        std::printf("%s 0\n", name);
    }
    catch (const geopm::Exception &ex) {
        std::printf("%s %d\n", name, ex.err_value());
    }
}

int main(void)
{
    try {
        geopm::PlatformIO &pio = geopm::platform_io();
        std::unique_ptr<geopm::FrequencyGovernor> gov = geopm::FrequencyGovernor::make_unique();
        std::printf("limits %.17g %.17g %.17g\n", gov->get_frequency_min(), gov->get_frequency_max(),
                    gov->get_frequency_step());
        report_error("coarser domain", [&]() { gov->set_domain_type(GEOPM_DOMAIN_BOARD); });
        std::printf("domain %d\n", gov->frequency_domain_type());
        gov->init_platform_io();
        report_error("domain after init", [&]() { gov->set_domain_type(GEOPM_DOMAIN_BOARD); });
        report_error("bounds reversed", [&]() { gov->set_frequency_bounds(2.5e9, 1.5e9); });
        report_error("bounds outside", [&]() { gov->set_frequency_bounds(0.5e9, 2.5e9); });
        std::printf("bounds changed %d\n", (int)gov->set_frequency_bounds(1.5e9, 2.5e9));
        std::printf("bounds again %d\n", (int)gov->set_frequency_bounds(1.5e9, 2.5e9));
        double freq_min = NAN;
        double freq_max = NAN;
        gov->validate_policy(freq_min, freq_max);
        std::printf("default policy %.17g %.17g\n", freq_min, freq_max);
        freq_min = 1.0e9;
        freq_max = 2.9e9;
        gov->validate_policy(freq_min, freq_max);
        std::printf("clamped policy %.17g %.17g\n", freq_min, freq_max);
        freq_min = 2.0e9;
        freq_max = 1.8e9;
        report_error("policy reversed", [&]() { gov->validate_policy(freq_min, freq_max); });
        report_error("request size", [&]() { gov->adjust_platform({}); });
        // One request per board (the domain chosen above): above the bound.
        gov->adjust_platform({2.9e9});
        std::printf("write %d clamps %d\n", (int)gov->do_write_batch(), gov->get_clamp_count());
        pio.write_batch();
        std::printf("control %.17g\n", pio.read_signal("CPU_FREQUENCY_MAX_CONTROL", GEOPM_DOMAIN_BOARD, 0));
        gov->adjust_platform({2.9e9});
        std::printf("same again write %d clamps %d\n", (int)gov->do_write_batch(), gov->get_clamp_count());
        gov->adjust_platform({2.0e9});
        std::printf("within write %d clamps %d\n", (int)gov->do_write_batch(), gov->get_clamp_count());
        pio.write_batch();
        std::printf("control %.17g\n", pio.read_signal("CPU_FREQUENCY_MAX_CONTROL", GEOPM_DOMAIN_BOARD, 0));
    }
    catch (const geopm::Exception &ex) {
        std::fprintf(stderr, "frequency_governor: %s\n", ex.what());
        return 1;
    }
    return 0;
}
