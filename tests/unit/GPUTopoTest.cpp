/*
 * GPUTopoImp's simulated GPUs (the node model's door) and how
 * PlatformTopoImp turns a GPUTopo into the gpu and gpu_chip domains. NVML's
 * GPUs are tested against a fake libnvidia-ml.so in tests/test_nvml.py.
 */
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "unit_test_helpers.hpp"

#include "geopm_topo.h"

#include "GPUTopo.hpp"
#include "PlatformTopoImp.hpp"

using geopm_bridge::GPUTopoImp;
using unit_test::error_code;

TEST(GPUTopoTest, simulated_gpus_split_the_cpus_evenly)
{
    GPUTopoImp topo(3, 8);
    EXPECT_EQ(3, topo.num_gpu(GEOPM_DOMAIN_GPU));
    EXPECT_EQ(3, topo.num_gpu(GEOPM_DOMAIN_GPU_CHIP));
    EXPECT_EQ(0, topo.num_gpu(GEOPM_DOMAIN_PACKAGE));
    // The first GPUs take the remainder.
    EXPECT_EQ(std::set<int>({0, 1, 2}), topo.cpu_affinity_ideal(GEOPM_DOMAIN_GPU, 0));
    EXPECT_EQ(std::set<int>({3, 4, 5}), topo.cpu_affinity_ideal(GEOPM_DOMAIN_GPU, 1));
    EXPECT_EQ(std::set<int>({6, 7}), topo.cpu_affinity_ideal(GEOPM_DOMAIN_GPU, 2));
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([&] { topo.cpu_affinity_ideal(GEOPM_DOMAIN_GPU, 3); }));
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([&] { topo.cpu_affinity_ideal(GEOPM_DOMAIN_GPU, -1); }));
}

TEST(GPUTopoTest, more_gpus_than_cpus_and_none)
{
    GPUTopoImp topo(4, 2);
    EXPECT_EQ(4, topo.num_gpu(GEOPM_DOMAIN_GPU));
    EXPECT_EQ(std::set<int>({0}), topo.cpu_affinity_ideal(GEOPM_DOMAIN_GPU, 0));
    EXPECT_EQ(std::set<int>(), topo.cpu_affinity_ideal(GEOPM_DOMAIN_GPU, 3));
    EXPECT_EQ(0, GPUTopoImp().num_gpu(GEOPM_DOMAIN_GPU));
    EXPECT_EQ(0, GPUTopoImp(-2, 8).num_gpu(GEOPM_DOMAIN_GPU));
}

TEST(GPUTopoTest, platform_topo_domains_from_simulated_gpus)
{
    // No sysfs under this root: the running system's CPU count, one package.
    geopm::PlatformTopoImp cpus_only("/nonexistent-root", GPUTopoImp());
    const int num_cpu = cpus_only.num_domain(GEOPM_DOMAIN_CPU);
    EXPECT_EQ(0, cpus_only.num_domain(GEOPM_DOMAIN_GPU));
    EXPECT_EQ(-1, cpus_only.domain_idx(GEOPM_DOMAIN_GPU, 0));

    geopm::PlatformTopoImp topo("/nonexistent-root", GPUTopoImp(2, num_cpu));
    EXPECT_EQ(2, topo.num_domain(GEOPM_DOMAIN_GPU));
    EXPECT_EQ(2, topo.num_domain(GEOPM_DOMAIN_GPU_CHIP));
    EXPECT_EQ(0, topo.domain_idx(GEOPM_DOMAIN_GPU, 0));
    EXPECT_EQ(0, topo.domain_idx(GEOPM_DOMAIN_GPU_CHIP, 0));
    EXPECT_EQ(num_cpu > 1 ? 1 : 0, topo.domain_idx(GEOPM_DOMAIN_GPU, num_cpu - 1));
    EXPECT_EQ(std::set<int>({0, 1}), topo.domain_nested(GEOPM_DOMAIN_GPU, GEOPM_DOMAIN_BOARD, 0));
    EXPECT_EQ(std::set<int>({1}), topo.domain_nested(GEOPM_DOMAIN_GPU_CHIP, GEOPM_DOMAIN_GPU, 1));
    std::set<int> first_cpus = topo.domain_nested(GEOPM_DOMAIN_CPU, GEOPM_DOMAIN_GPU, 0);
    EXPECT_EQ(static_cast<size_t>((num_cpu + 1) / 2), first_cpus.size());
    EXPECT_TRUE(topo.is_nested_domain(GEOPM_DOMAIN_CPU, GEOPM_DOMAIN_GPU));
    EXPECT_FALSE(topo.is_nested_domain(GEOPM_DOMAIN_GPU, GEOPM_DOMAIN_PACKAGE));
    EXPECT_EQ(GEOPM_ERROR_INVALID,
              error_code([&] { topo.domain_nested(GEOPM_DOMAIN_CPU, GEOPM_DOMAIN_GPU, 2); }));
}
