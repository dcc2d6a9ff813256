/*
 * A fake libnvidia-ml.so for the tests: the NVML calls geopm-bridge uses,
 * over a table of GPUs read from the file named by FAKE_NVML_CONFIG, one
 * GPU per line of key=value words:
 *
 *   power_mw=150000 energy_mj=2000000 sm_mhz=1410 mem_mhz=1215 util=37 temp=55
 *   throttle=4 pstate=2 clocks=300,600,1410 limit_mw=250000 affinity=0-3 error=0
 *   mem_util=12 pcie_rx_kib=2048 pcie_tx_kib=1024 limit_min_mw=100000
 *   limit_max_mw=300000 limit_default_mw=250000 pids=1234,5678
 *
 * affinity is a CPU list ("0-3,8"); pids the processes running compute
 * work on the GPU; limit_default_mw is limit_mw unless given; error=N
 * makes every read of that GPU return NVML error N. Setters append a line
 * to FAKE_NVML_LOG (if set). FAKE_NVML_INIT_ERROR=N makes nvmlInit_v2()
 * fail with N.
 * Built with -DFAKE_NVML_OLD_DRIVER it lacks nvmlDeviceGetTotalEnergyConsumption,
 * nvmlDeviceSetGpuLockedClocks, nvmlDeviceGetPowerManagementDefaultLimit and
 * nvmlDeviceGetComputeRunningProcesses_v3 (it keeps the unversioned one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
typedef struct fake_gpu *nvmlDevice_t;

enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
};

#define MAX_GPU 16
#define MAX_CPU 1024

struct fake_gpu {
    int index;
    unsigned int power_mw;
    unsigned long long energy_mj;
    unsigned int sm_mhz;
    unsigned int mem_mhz;
    unsigned int util;
    unsigned int temp;
    unsigned long long throttle;
    int pstate;
    unsigned int num_clock;
    unsigned int clocks[64];
    unsigned int limit_mw;
    unsigned int limit_min_mw;
    unsigned int limit_max_mw;
    unsigned int limit_default_mw;
    unsigned int mem_util;
    unsigned int pcie_rx_kib;
    unsigned int pcie_tx_kib;
    unsigned int num_pid;
    unsigned int pids[64];
    int error;
    unsigned char affinity[MAX_CPU];
};

static struct fake_gpu g_gpu[MAX_GPU];
static unsigned int g_num_gpu = 0;
static int g_is_init = 0;

static void parse_cpus(const char *text, unsigned char *cpus)
{
    char *end = NULL;
    while (*text != '\0') {
        long first = strtol(text, &end, 10);
        long last = first;
        if (end == text) {
            return;
        }
        if (*end == '-') {
            text = end + 1;
            last = strtol(text, &end, 10);
        }
        for (long cpu = first; cpu <= last && cpu < MAX_CPU; ++cpu) {
            if (cpu >= 0) {
                cpus[cpu] = 1;
            }
        }
        text = *end == ',' ? end + 1 : end;
        if (end == text && *end != '\0') {
            return;
        }
    }
}

static void load(void)
{
    const char *path = getenv("FAKE_NVML_CONFIG");
    FILE *file = path ? fopen(path, "r") : NULL;
    char line[4096];
    g_num_gpu = 0;
    if (file == NULL) {
        return;
    }
    while (g_num_gpu < MAX_GPU && fgets(line, sizeof(line), file) != NULL) {
        struct fake_gpu *gpu = &g_gpu[g_num_gpu];
        memset(gpu, 0, sizeof(*gpu));
        gpu->index = (int)g_num_gpu;
        gpu->limit_mw = 250000;
        gpu->limit_min_mw = 100000;
        gpu->limit_max_mw = 300000;
        int has_word = 0;
        int has_default = 0;
        for (char *word = strtok(line, " \t\n"); word; word = strtok(NULL, " \t\n")) {
            char *eq = strchr(word, '=');
            if (eq == NULL) {
                continue;
            }
            *eq = '\0';
            const char *value = eq + 1;
            has_word = 1;
            if (strcmp(word, "power_mw") == 0) gpu->power_mw = (unsigned int)strtoul(value, NULL, 10);
            else if (strcmp(word, "energy_mj") == 0) gpu->energy_mj = strtoull(value, NULL, 10);
            else if (strcmp(word, "sm_mhz") == 0) gpu->sm_mhz = (unsigned int)strtoul(value, NULL, 10);
            else if (strcmp(word, "mem_mhz") == 0) gpu->mem_mhz = (unsigned int)strtoul(value, NULL, 10);
            else if (strcmp(word, "util") == 0) gpu->util = (unsigned int)strtoul(value, NULL, 10);
            else if (strcmp(word, "temp") == 0) gpu->temp = (unsigned int)strtoul(value, NULL, 10);
            else if (strcmp(word, "throttle") == 0) gpu->throttle = strtoull(value, NULL, 10);
            else if (strcmp(word, "pstate") == 0) gpu->pstate = atoi(value);
            else if (strcmp(word, "clocks") == 0) {
                char *end = NULL;
                while (*value != '\0' && gpu->num_clock < 64) {
                    gpu->clocks[gpu->num_clock++] = (unsigned int)strtoul(value, &end, 10);
                    value = *end == ',' ? end + 1 : end;
                    if (end == value && *end != ',') break;
                }
            }
            else if (strcmp(word, "limit_mw") == 0) gpu->limit_mw = (unsigned int)strtoul(value, NULL, 10);
            else if (strcmp(word, "limit_min_mw") == 0) gpu->limit_min_mw = (unsigned int)strtoul(value, NULL, 10);
            else if (strcmp(word, "limit_max_mw") == 0) gpu->limit_max_mw = (unsigned int)strtoul(value, NULL, 10);
            else if (strcmp(word, "limit_default_mw") == 0) {
                gpu->limit_default_mw = (unsigned int)strtoul(value, NULL, 10);
                has_default = 1;
            }
            else if (strcmp(word, "mem_util") == 0) gpu->mem_util = (unsigned int)strtoul(value, NULL, 10);
            else if (strcmp(word, "pcie_rx_kib") == 0) gpu->pcie_rx_kib = (unsigned int)strtoul(value, NULL, 10);
            else if (strcmp(word, "pcie_tx_kib") == 0) gpu->pcie_tx_kib = (unsigned int)strtoul(value, NULL, 10);
            else if (strcmp(word, "pids") == 0) {
                char *end = NULL;
                while (*value != '\0' && gpu->num_pid < 64) {
                    gpu->pids[gpu->num_pid++] = (unsigned int)strtoul(value, &end, 10);
                    value = *end == ',' ? end + 1 : end;
                    if (end == value && *end != ',') break;
                }
            }
            else if (strcmp(word, "error") == 0) gpu->error = atoi(value);
            else if (strcmp(word, "affinity") == 0) parse_cpus(value, gpu->affinity);
        }
        if (!has_default) {
            gpu->limit_default_mw = gpu->limit_mw;
        }
        if (has_word) {
            ++g_num_gpu;
        }
    }
    fclose(file);
}

static void log_call(const char *text)
{
    const char *path = getenv("FAKE_NVML_LOG");
    FILE *file = path ? fopen(path, "a") : NULL;
    if (file != NULL) {
        fprintf(file, "%s\n", text);
        fclose(file);
    }
}

/* The device's error for a read, or NVML_SUCCESS. */
static nvmlReturn_t check(nvmlDevice_t device)
{
    if (!g_is_init) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (device == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    return device->error;
}

nvmlReturn_t nvmlInit_v2(void)
{
    const char *fail = getenv("FAKE_NVML_INIT_ERROR");
    if (fail != NULL && atoi(fail) != 0) {
        return atoi(fail);
    }
    load();
    g_is_init = 1;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void)
{
    g_is_init = 0;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
    if (!g_is_init) return NVML_ERROR_UNINITIALIZED;
    *count = g_num_gpu;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    if (!g_is_init) return NVML_ERROR_UNINITIALIZED;
    if (index >= g_num_gpu) return NVML_ERROR_INVALID_ARGUMENT;
    *device = &g_gpu[index];
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCpuAffinity(nvmlDevice_t device, unsigned int size, unsigned long *mask)
{
    const unsigned int bits = sizeof(unsigned long) * 8;
    nvmlReturn_t result = check(device);
    if (result != NVML_SUCCESS) return result;
    memset(mask, 0, size * sizeof(unsigned long));
    for (unsigned int cpu = 0; cpu < MAX_CPU && cpu < size * bits; ++cpu) {
        if (device->affinity[cpu]) {
            mask[cpu / bits] |= 1UL << (cpu % bits);
        }
    }
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power_mw)
{
    nvmlReturn_t result = check(device);
    if (result == NVML_SUCCESS) *power_mw = device->power_mw;
    return result;
}

/* An old driver (built with -DFAKE_NVML_OLD_DRIVER) lacks the energy call
 * and the clock locking. */
#ifndef FAKE_NVML_OLD_DRIVER
nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy_mj)
{
    nvmlReturn_t result = check(device);
    if (result == NVML_SUCCESS) *energy_mj = device->energy_mj;
    return result;
}
#endif

nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t device, unsigned int *limit_mw)
{
    nvmlReturn_t result = check(device);
    if (result == NVML_SUCCESS) *limit_mw = device->limit_mw;
    return result;
}

nvmlReturn_t nvmlDeviceGetPowerManagementLimitConstraints(nvmlDevice_t device,
                                                          unsigned int *min_mw, unsigned int *max_mw)
{
    nvmlReturn_t result = check(device);
    if (result == NVML_SUCCESS) {
        *min_mw = device->limit_min_mw;
        *max_mw = device->limit_max_mw;
    }
    return result;
}

#ifndef FAKE_NVML_OLD_DRIVER
nvmlReturn_t nvmlDeviceGetPowerManagementDefaultLimit(nvmlDevice_t device, unsigned int *limit_mw)
{
    nvmlReturn_t result = check(device);
    if (result == NVML_SUCCESS) *limit_mw = device->limit_default_mw;
    return result;
}
#endif

nvmlReturn_t nvmlDeviceSetPowerManagementLimit(nvmlDevice_t device, unsigned int limit_mw)
{
    char text[128];
    nvmlReturn_t result = check(device);
    if (result != NVML_SUCCESS) return result;
    if (limit_mw < device->limit_min_mw || limit_mw > device->limit_max_mw) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    device->limit_mw = limit_mw;
    snprintf(text, sizeof(text), "nvmlDeviceSetPowerManagementLimit %d %u", device->index, limit_mw);
    log_call(text);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned int *mhz)
{
    nvmlReturn_t result = check(device);
    if (result != NVML_SUCCESS) return result;
    if (type == 1) *mhz = device->sm_mhz;       /* NVML_CLOCK_SM */
    else if (type == 2) *mhz = device->mem_mhz; /* NVML_CLOCK_MEM */
    else return NVML_ERROR_INVALID_ARGUMENT;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetSupportedGraphicsClocks(nvmlDevice_t device, unsigned int mem_mhz,
                                                  unsigned int *count, unsigned int *mhz)
{
    nvmlReturn_t result = check(device);
    if (result != NVML_SUCCESS) return result;
    if (mem_mhz != device->mem_mhz) return NVML_ERROR_INVALID_ARGUMENT;
    if (*count < device->num_clock || mhz == NULL) {
        *count = device->num_clock;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    /* Highest first, as NVML lists them. */
    for (unsigned int idx = 0; idx < device->num_clock; ++idx) {
        mhz[idx] = device->clocks[device->num_clock - 1 - idx];
    }
    *count = device->num_clock;
    return NVML_SUCCESS;
}

typedef struct {
    unsigned int gpu;
    unsigned int memory;
} nvmlUtilization_t;

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *rates)
{
    nvmlReturn_t result = check(device);
    if (result == NVML_SUCCESS) {
        rates->gpu = device->util;
        rates->memory = device->mem_util;
    }
    return result;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int *celsius)
{
    nvmlReturn_t result = check(device);
    if (result != NVML_SUCCESS) return result;
    if (sensor != 0) return NVML_ERROR_INVALID_ARGUMENT;
    *celsius = device->temp;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device, unsigned long long *mask)
{
    nvmlReturn_t result = check(device);
    if (result == NVML_SUCCESS) *mask = device->throttle;
    return result;
}

nvmlReturn_t nvmlDeviceGetPerformanceState(nvmlDevice_t device, int *state)
{
    nvmlReturn_t result = check(device);
    if (result == NVML_SUCCESS) *state = device->pstate;
    return result;
}

#ifndef FAKE_NVML_OLD_DRIVER
nvmlReturn_t nvmlDeviceSetGpuLockedClocks(nvmlDevice_t device, unsigned int min_mhz,
                                          unsigned int max_mhz)
{
    char text[128];
    nvmlReturn_t result = check(device);
    if (result != NVML_SUCCESS) return result;
    if (min_mhz > max_mhz) return NVML_ERROR_INVALID_ARGUMENT;
    snprintf(text, sizeof(text), "nvmlDeviceSetGpuLockedClocks %d %u %u", device->index,
             min_mhz, max_mhz);
    log_call(text);
    return NVML_SUCCESS;
}
#endif

nvmlReturn_t nvmlDeviceResetGpuLockedClocks(nvmlDevice_t device)
{
    char text[128];
    nvmlReturn_t result = check(device);
    if (result != NVML_SUCCESS) return result;
    snprintf(text, sizeof(text), "nvmlDeviceResetGpuLockedClocks %d", device->index);
    log_call(text);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPcieThroughput(nvmlDevice_t device, int counter, unsigned int *kib_per_s)
{
    nvmlReturn_t result = check(device);
    if (result != NVML_SUCCESS) return result;
    if (counter == 0) *kib_per_s = device->pcie_tx_kib;      /* NVML_PCIE_UTIL_TX_BYTES */
    else if (counter == 1) *kib_per_s = device->pcie_rx_kib; /* NVML_PCIE_UTIL_RX_BYTES */
    else return NVML_ERROR_INVALID_ARGUMENT;
    return NVML_SUCCESS;
}

/* nvmlProcessInfo_v1_t (the unversioned call) and nvmlProcessInfo_v2_t
 * (the _v3 call): the same pid first, different sizes. */
typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
} nvmlProcessInfo_v1_t;

typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
} nvmlProcessInfo_v2_t;

/* NVML's protocol: too small a count answers INSUFFICIENT_SIZE with the
 * count needed. */
#define FAKE_PROCESSES(INFO_T)                                      \
    nvmlReturn_t result = check(device);                            \
    if (result != NVML_SUCCESS) return result;                      \
    if (*count < device->num_pid || (infos == NULL && device->num_pid != 0)) { \
        *count = device->num_pid;                                   \
        return NVML_ERROR_INSUFFICIENT_SIZE;                        \
    }                                                               \
    for (unsigned int idx = 0; idx < device->num_pid; ++idx) {      \
        memset(&infos[idx], 0, sizeof(INFO_T));                     \
        infos[idx].pid = device->pids[idx];                         \
    }                                                               \
    *count = device->num_pid;                                       \
    return NVML_SUCCESS;

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int *count,
                                                  nvmlProcessInfo_v1_t *infos)
{
    FAKE_PROCESSES(nvmlProcessInfo_v1_t)
}

#ifndef FAKE_NVML_OLD_DRIVER
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *count,
                                                     nvmlProcessInfo_v2_t *infos)
{
    FAKE_PROCESSES(nvmlProcessInfo_v2_t)
}
#endif
