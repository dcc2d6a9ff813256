/*
 * A read-only libnvidia-ml.so for the tests on a real GPU: it forwards the
 * NVML read calls geopm-bridge makes to the library READONLY_NVML_LIBRARY
 * names (default libnvidia-ml.so.1) and has no setter at all. Named in
 * GEOPM_BRIDGE_NVML_LIBRARY, it makes the NVML IOGroup offer no control, so
 * a job cannot write to the GPU even by mistake.
 *
 * A call the real library lacks answers NVML_ERROR_FUNCTION_NOT_FOUND.
 */
#include <dlfcn.h>
#include <stdlib.h>

typedef int nvmlReturn_t;
typedef struct nvml_device *nvmlDevice_t;

enum {
    NVML_ERROR_LIBRARY_NOT_FOUND = 12,
    NVML_ERROR_FUNCTION_NOT_FOUND = 13,
};

static void *real_library(void)
{
    static void *handle = NULL;
    if (handle == NULL) {
        const char *path = getenv("READONLY_NVML_LIBRARY");
        handle = dlopen(path != NULL && *path != '\0' ? path : "libnvidia-ml.so.1",
                        RTLD_NOW | RTLD_LOCAL);
    }
    return handle;
}

static void *real_symbol(const char *name)
{
    void *handle = real_library();
    return handle != NULL ? dlsym(handle, name) : NULL;
}

/* One forwarded call: RETURN NAME PARAMS, passing ARGS on. */
#define FORWARD(NAME, PARAMS, ARGS)                                           \
    nvmlReturn_t NAME PARAMS                                                  \
    {                                                                         \
        static nvmlReturn_t (*real) PARAMS = NULL;                            \
        if (real == NULL) {                                                   \
            *(void **)&real = real_symbol(#NAME);                             \
        }                                                                     \
        return real != NULL ? real ARGS : NVML_ERROR_FUNCTION_NOT_FOUND;      \
    }

nvmlReturn_t nvmlInit_v2(void)
{
    nvmlReturn_t (*real)(void) = NULL;
    if (real_library() == NULL) {
        return NVML_ERROR_LIBRARY_NOT_FOUND;
    }
    *(void **)&real = real_symbol("nvmlInit_v2");
    return real != NULL ? real() : NVML_ERROR_FUNCTION_NOT_FOUND;
}

FORWARD(nvmlShutdown, (void), ())
FORWARD(nvmlDeviceGetCount_v2, (unsigned int *count), (count))
FORWARD(nvmlDeviceGetHandleByIndex_v2, (unsigned int index, nvmlDevice_t *device),
        (index, device))
FORWARD(nvmlDeviceGetCpuAffinity, (nvmlDevice_t device, unsigned int size, unsigned long *mask),
        (device, size, mask))
FORWARD(nvmlDeviceGetPowerUsage, (nvmlDevice_t device, unsigned int *mw), (device, mw))
FORWARD(nvmlDeviceGetTotalEnergyConsumption, (nvmlDevice_t device, unsigned long long *mj),
        (device, mj))
FORWARD(nvmlDeviceGetPowerManagementLimit, (nvmlDevice_t device, unsigned int *mw), (device, mw))
FORWARD(nvmlDeviceGetPowerManagementLimitConstraints,
        (nvmlDevice_t device, unsigned int *min_mw, unsigned int *max_mw),
        (device, min_mw, max_mw))
FORWARD(nvmlDeviceGetPowerManagementDefaultLimit, (nvmlDevice_t device, unsigned int *mw),
        (device, mw))
FORWARD(nvmlDeviceGetClockInfo, (nvmlDevice_t device, int type, unsigned int *mhz),
        (device, type, mhz))
FORWARD(nvmlDeviceGetSupportedGraphicsClocks,
        (nvmlDevice_t device, unsigned int mem_mhz, unsigned int *count, unsigned int *mhz),
        (device, mem_mhz, count, mhz))
/* The utilization and process entries are passed through untouched. */
FORWARD(nvmlDeviceGetUtilizationRates, (nvmlDevice_t device, void *rates), (device, rates))
FORWARD(nvmlDeviceGetTemperature, (nvmlDevice_t device, int sensor, unsigned int *celsius),
        (device, sensor, celsius))
FORWARD(nvmlDeviceGetCurrentClocksThrottleReasons, (nvmlDevice_t device, unsigned long long *mask),
        (device, mask))
FORWARD(nvmlDeviceGetPerformanceState, (nvmlDevice_t device, int *state), (device, state))
FORWARD(nvmlDeviceGetPcieThroughput, (nvmlDevice_t device, int counter, unsigned int *kib),
        (device, counter, kib))
FORWARD(nvmlDeviceGetComputeRunningProcesses,
        (nvmlDevice_t device, unsigned int *count, void *infos), (device, count, infos))
FORWARD(nvmlDeviceGetComputeRunningProcesses_v3,
        (nvmlDevice_t device, unsigned int *count, void *infos), (device, count, infos))
