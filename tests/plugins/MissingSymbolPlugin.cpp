/*
 * A plugin the runtime cannot load: it calls a geopm:: function that no
 * runtime defines (as a plugin built against a newer GEOPM might), so its
 * dlopen() fails on the undefined symbol. tests/test_plugins.py checks that
 * it is left out with one warning naming the file and the function, and
 * that the plugins next to it still load.
 */
#include <string>
#include <vector>

#include "geopm/Exception.hpp"
#include "geopm_public.h"

namespace geopm
{
    std::vector<double> GEOPM_PUBLIC
        frequency_steps(const std::string &domain_name, int count);
}

static void __attribute__((constructor)) missing_symbol_plugin_load(void)
{
    if (geopm::frequency_steps("cpu", 4).empty()) {
        throw geopm::Exception("no frequency steps", GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
    }
}
