/*
 * A plugin that cannot be loaded: it needs a symbol nothing provides, so
 * dlopen(RTLD_NOW) fails (tests/test_runtime_core.py).
 */
extern "C" void rtcore_symbol_nobody_defines(void);

static void __attribute__((constructor)) unresolved_load(void)
{
    rtcore_symbol_nobody_defines();
}
