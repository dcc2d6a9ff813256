/*
 * What the JobStatus check adds to one control period (bench_status.py
 * builds and runs it): the loop's
 *     if (board.is_wanted()) { publish }
 * when nobody asks, against the same loop without it; then the cost of
 * one publish() and one read (job_status()), which happen once a second
 * while launch's status line is shown.
 */
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "controller/JobStatusBoard.hpp"

namespace
{
    using clock_type = std::chrono::steady_clock;

    double ns_per(clock_type::time_point begin, long count)
    {
        return std::chrono::duration<double, std::nano>(clock_type::now() - begin).count() / count;
    }
}

int main(void)
{
    geopm_bridge::JobStatusBoard board;
    const long count = 200000000;
    long periods = 0;
    // A period's stand-in: a counter the compiler must keep (asm barrier).
    auto begin = clock_type::now();
    for (long idx = 0; idx < count; ++idx) {
        ++periods;
        asm volatile("" : "+r"(periods));
    }
    double bare = ns_per(begin, count);
    begin = clock_type::now();
    for (long idx = 0; idx < count; ++idx) {
        ++periods;
        asm volatile("" : "+r"(periods));
        if (board.is_wanted()) {
            board.publish([&](geopm_bridge::JobStatus &status) { status.periods = periods; });
        }
    }
    double checked = ns_per(begin, count);
    const long num_publish = 1000000;
    std::vector<double> policy(4, NAN);
    begin = clock_type::now();
    for (long idx = 0; idx < num_publish; ++idx) {
        board.publish([&](geopm_bridge::JobStatus &status) {
            status.periods = idx;
            status.policy = policy;
            status.region = "region_name";
        });
    }
    double publish = ns_per(begin, num_publish);
    begin = clock_type::now();
    for (long idx = 0; idx < num_publish; ++idx) {
        auto status = board.read();
        asm volatile("" : : "r"(status.periods));
    }
    double read = ns_per(begin, num_publish);
    std::printf("per period, nobody asking: %.3f ns (loop %.3f ns, with the check %.3f ns)\n",
                checked - bare, bare, checked);
    std::printf("one publish(): %.1f ns; one read (job_status()): %.1f ns\n", publish, read);
    return 0;
}
