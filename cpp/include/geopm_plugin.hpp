/*
 * Loading of plugin shared objects found in GEOPM_PLUGIN_PATH.
 */
#ifndef GEOPM_PLUGIN_HPP_INCLUDE
#define GEOPM_PLUGIN_HPP_INCLUDE

#include <string>

#include "geopm_public.h"

namespace geopm
{
    /// dlopen() every plugin whose file name starts with plugin_prefix in
    /// the GEOPM_PLUGIN_PATH directories (later directories first). Throws
    /// geopm::Exception for a missing directory or a plugin that fails to
    /// load or register.
    void GEOPM_PUBLIC
        plugin_load(const std::string &plugin_prefix);
    /// Kept for source compatibility; the embedded runtime never unloads
    /// plugins (their factories may still hold functions from them).
    void GEOPM_PUBLIC
        plugin_reset(void);
}

#endif
