/*
 * Memory latency by working-set size, for benchmarks/bench_tree.py: a
 * dependent walk over a random cycle of 64-byte lines, so that each load
 * waits for the previous one and no prefetcher can guess the next. The
 * latency jumps where the working set leaves a cache level: this is where
 * the cost per simulated node steps up when the tree's nodes no longer fit.
 *
 * Prints one line per size: "<KiB> <nanoseconds per load>".
 * Built by the benchmark: g++ -O2 -std=c++17 memory_latency.cpp
 */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

namespace
{
    struct alignas(64) Line
    {
        const Line *next;
    };

    double nanoseconds_per_load(size_t num_line)
    {
        std::vector<size_t> order(num_line);
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), std::mt19937(12345));
        std::vector<Line> lines(num_line);
        for (size_t pos = 0; pos < num_line; ++pos) {
            lines[order[pos]].next = &lines[order[(pos + 1) % num_line]];
        }
        const Line *line = &lines[order[0]];
        // One lap to warm the caches, then enough loads to time.
        for (size_t step = 0; step < num_line; ++step) {
            line = line->next;
        }
        const size_t num_load = std::max<size_t>(4 * num_line, 4000000);
        auto begin = std::chrono::steady_clock::now();
        for (size_t step = 0; step < num_load; ++step) {
            line = line->next;
        }
        auto end = std::chrono::steady_clock::now();
        // Keep the walk from being optimized away.
        if (line == nullptr) {
            std::puts("");
        }
        return std::chrono::duration<double, std::nano>(end - begin).count() / num_load;
    }
}

int main()
{
    for (size_t kib : {256, 1024, 4096, 8192, 16384, 65536}) {
        std::printf("%zu %.1f\n", kib, nanoseconds_per_load(kib * 1024 / sizeof(Line)));
    }
    return 0;
}
