// geopm_sched.h: the machine's and a process's CPUs, from Linux.
#include "geopm_sched.h"

#include <errno.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "geopm_error.h"

namespace
{
    // Set in cpuset (num_cpu CPUs) the CPUs of a Linux hex mask such as
    // "ff,00000003" (most significant group first). False if it is not one.
    bool parse_cpu_mask(const std::string &mask, int num_cpu, cpu_set_t *cpuset)
    {
        const size_t set_size = CPU_ALLOC_SIZE(num_cpu);
        int cpu = 0;
        bool any_digit = false;
        for (auto it = mask.rbegin(); it != mask.rend(); ++it) {
            char cc = *it;
            if (cc == ',' || cc == ' ' || cc == '\t' || cc == '\n') {
                continue;
            }
            int value;
            if (cc >= '0' && cc <= '9') {
                value = cc - '0';
            }
            else if (cc >= 'a' && cc <= 'f') {
                value = cc - 'a' + 10;
            }
            else if (cc >= 'A' && cc <= 'F') {
                value = cc - 'A' + 10;
            }
            else {
                return false;
            }
            any_digit = true;
            for (int bit = 0; bit < 4; ++bit, ++cpu) {
                if ((value >> bit) & 1 && cpu < num_cpu) {
                    CPU_SET_S(cpu, set_size, cpuset);
                }
            }
        }
        return any_digit;
    }

    // The Cpus_allowed mask of process pid: 0, errno, or a GEOPM error.
    int read_cpus_allowed(int pid, int num_cpu, cpu_set_t *cpuset)
    {
        const std::string path = "/proc/" + std::to_string(pid) + "/status";
        std::ifstream status(path);
        if (!status) {
            return errno ? errno : GEOPM_ERROR_RUNTIME;
        }
        const std::string key = "Cpus_allowed:";
        std::string line;
        while (std::getline(status, line)) {
            if (line.compare(0, key.size(), key) == 0) {
                return parse_cpu_mask(line.substr(key.size()), num_cpu, cpuset) ? 0 : GEOPM_ERROR_RUNTIME;
            }
        }
        return GEOPM_ERROR_RUNTIME;
    }

    void set_all(int num_cpu, cpu_set_t *cpuset)
    {
        const size_t set_size = CPU_ALLOC_SIZE(num_cpu);
        for (int cpu = 0; cpu < num_cpu; ++cpu) {
            CPU_SET_S(cpu, set_size, cpuset);
        }
    }

    // The process's CPUs into a set of num_cpu CPUs, none at or past the
    // machine's count: as geopm_sched_proc_cpuset() after its size check.
    void process_cpus(int num_cpu, cpu_set_t *cpuset)
    {
        const int machine_cpu = geopm_sched_num_cpu();
        const size_t set_size = CPU_ALLOC_SIZE(num_cpu);
        // A failed read leaves every CPU set, as in GEOPM.
        (void)geopm_sched_proc_cpuset_pid(getpid(), num_cpu, cpuset);
        for (int cpu = machine_cpu; cpu < num_cpu; ++cpu) {
            CPU_CLR_S(cpu, set_size, cpuset);
        }
    }

    bool is_too_small(int num_cpu)
    {
        return num_cpu <= 0 || CPU_ALLOC_SIZE(num_cpu) < CPU_ALLOC_SIZE(geopm_sched_num_cpu());
    }
}

extern "C"
{
    int geopm_sched_num_cpu(void)
    {
        return static_cast<int>(sysconf(_SC_NPROCESSORS_CONF));
    }

    int geopm_sched_get_cpu(void)
    {
        return sched_getcpu();
    }

    int geopm_sched_proc_cpuset_pid(int pid, int num_cpu, cpu_set_t *cpuset)
    {
        if (num_cpu <= 0 || cpuset == nullptr) {
            return GEOPM_ERROR_INVALID;
        }
        CPU_ZERO_S(CPU_ALLOC_SIZE(num_cpu), cpuset);
        int err = read_cpus_allowed(pid, num_cpu, cpuset);
        if (err) {
            set_all(num_cpu, cpuset);
        }
        return err;
    }

    int geopm_sched_proc_cpuset(int num_cpu, cpu_set_t *proc_cpuset)
    {
        if (proc_cpuset == nullptr || is_too_small(num_cpu)) {
            return GEOPM_ERROR_INVALID;
        }
        process_cpus(num_cpu, proc_cpuset);
        return 0;
    }

    int geopm_sched_woomp(int num_cpu, cpu_set_t *woomp)
    {
        if (woomp == nullptr || num_cpu <= 0) {
            return EINVAL;
        }
        int err = 0;
        if (is_too_small(num_cpu)) {
            err = EINVAL;
        }
        else {
            // No OpenMP team to take CPUs away: the process's own CPUs.
            process_cpus(num_cpu, woomp);
        }
        if (err || CPU_COUNT_S(CPU_ALLOC_SIZE(num_cpu), woomp) == 0) {
            set_all(num_cpu, woomp);
        }
        return err;
    }
}
