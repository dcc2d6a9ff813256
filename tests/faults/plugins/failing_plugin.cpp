/*
 * A plugin whose load-time code fails before it can register anything: a
 * static constructor that throws, or (built with -DFAIL_BY_FAULT) one that
 * dereferences a null pointer.
 */
#include <stdexcept>

namespace
{
    int fail_at_load(void)
    {
#ifdef FAIL_BY_FAULT
        volatile int *nowhere = nullptr;
        *nowhere = 1;
        return *nowhere;
#else
        throw std::runtime_error("the plugin's table is missing");
#endif
    }

    int g_loaded = fail_at_load();
}

int failing_plugin_loaded(void)
{
    return g_loaded;
}
