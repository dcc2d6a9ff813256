/*
 * The controller's cost of reading its application's profiling channels:
 * ProfileSource::update() once per control period, with N application
 * processes writing their channels at the same time.
 *
 *     source_update SECONDS PERIOD_MS N...
 *
 * For each N: forks N processes that take the controller's key
 * (GEOPM_BRIDGE_PROFILE_KEY) and mark a region, its exit and an epoch in
 * bursts of 100, pausing 1 ms after each; waits until the source has found
 * and read all N; then calls update() once every PERIOD_MS for SECONDS and
 * times each call. The source looks for new and exited processes at most
 * every 50 ms (a scan: system calls); the calls are split into those with
 * a scan and those without by that schedule. One line of JSON: for each N,
 * the median and 90th percentile of both kinds in ns, and their counts.
 *
 * Built by benchmarks/bench_profile.py against the installed package
 * (-lgeopm) and this tree's private header ProfileSource.hpp.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "geopm_hint.h"
#include "geopm_prof.h"

#include "ProfileSource.hpp"

namespace
{
    constexpr int64_t M_SCAN_INTERVAL_NS = 50000000;  // ProfileSource's

    int64_t now_ns(void)
    {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    }

    void pause_ns(int64_t duration)
    {
        struct timespec pause = {(time_t)(duration / 1000000000), (long)(duration % 1000000000)};
        nanosleep(&pause, nullptr);
    }

    // An application process: marks regions and epochs until killed.
    [[noreturn]] void run_application(const std::string &key)
    {
        setenv("GEOPM_BRIDGE_PROFILE_KEY", key.c_str(), 1);
        uint64_t region_id = 0;
        if (geopm_prof_region("bench_loop", GEOPM_REGION_HINT_COMPUTE, &region_id) != 0) {
            _exit(10);
        }
        while (true) {
            for (int idx = 0; idx < 100; ++idx) {
                if (geopm_prof_enter(region_id) != 0 || geopm_prof_exit(region_id) != 0 ||
                    geopm_prof_epoch() != 0) {
                    _exit(11);
                }
            }
            pause_ns(1000000);
        }
    }

    struct Figures
    {
        std::vector<int64_t> steady;  // update() with no scan due
        std::vector<int64_t> scan;    // update() that scanned
    };

    int64_t percentile(std::vector<int64_t> values, double fraction)
    {
        if (values.empty()) {
            return -1;
        }
        std::sort(values.begin(), values.end());
        return values[(size_t)(fraction * (values.size() - 1))];
    }

    bool all_read(const geopm_bridge::ProfileSource &source, size_t num_process)
    {
        const auto &processes = source.processes();
        return processes.size() == num_process &&
               std::all_of(processes.begin(), processes.end(),
                           [](const geopm_bridge::ProfileProcess &process) {
                               return process.has_data && process.is_running;
                           });
    }

    Figures measure(int num_process, double seconds, int64_t period_ns)
    {
        std::string key = std::to_string(getpid());
        std::vector<pid_t> children;
        Figures result;
        {
            geopm_bridge::ProfileSource source(key);
            for (int idx = 0; idx < num_process; ++idx) {
                pid_t child = fork();
                if (child == 0) {
                    run_application(key);
                }
                children.push_back(child);
            }
            int64_t give_up = now_ns() + 10000000000LL;
            while (!all_read(source, num_process) && now_ns() < give_up) {
                source.update();
                pause_ns(period_ns);
            }
            if (!all_read(source, num_process)) {
                fprintf(stderr, "source_update: the source did not find %d processes\n",
                        num_process);
                exit(1);
            }
            // A call after a pause of the scan interval scans: from there
            // a call is a scan when the interval has passed since the last.
            pause_ns(M_SCAN_INTERVAL_NS);
            int64_t last_scan = now_ns();
            source.update();
            int64_t end = last_scan + (int64_t)(seconds * 1e9);
            while (now_ns() < end) {
                pause_ns(period_ns);
                int64_t start = now_ns();
                source.update();
                int64_t elapsed = now_ns() - start;
                if (start - last_scan >= M_SCAN_INTERVAL_NS) {
                    last_scan = start;
                    result.scan.push_back(elapsed);
                }
                else {
                    result.steady.push_back(elapsed);
                }
            }
            for (pid_t child : children) {
                kill(child, SIGKILL);
            }
            for (pid_t child : children) {
                waitpid(child, nullptr, 0);
            }
        }  // the source removes the channels it read
        return result;
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s SECONDS PERIOD_MS N...\n", argv[0]);
        return 2;
    }
    double seconds = atof(argv[1]);
    int64_t period_ns = (int64_t)(atof(argv[2]) * 1e6);
    if (!(seconds > 0.0) || period_ns <= 0) {
        fprintf(stderr, "source_update: SECONDS and PERIOD_MS must be positive numbers\n");
        return 2;
    }
    for (int arg = 3; arg < argc; ++arg) {
        int num_process = atoi(argv[arg]);
        if (num_process < 1 || num_process > 1024) {
            fprintf(stderr, "source_update: a process count must be 1 to 1024, not \"%s\"\n",
                    argv[arg]);
            return 2;
        }
    }
    printf("{");
    for (int arg = 3; arg < argc; ++arg) {
        int num_process = atoi(argv[arg]);
        Figures figures = measure(num_process, seconds, period_ns);
        printf("%s\"%d\": {\"steady_median\": %lld, \"steady_p90\": %lld, \"steady_calls\": %zu, "
               "\"scan_median\": %lld, \"scan_p90\": %lld, \"scan_calls\": %zu}",
               arg == 3 ? "" : ", ", num_process,
               (long long)percentile(figures.steady, 0.5), (long long)percentile(figures.steady, 0.9),
               figures.steady.size(), (long long)percentile(figures.scan, 0.5),
               (long long)percentile(figures.scan, 0.9), figures.scan.size());
        fflush(stdout);
    }
    printf("}\n");
    return 0;
}
