/*
 * The node model's parameters: the one reader of the "node_model" option's
 * text. The NODE_MODEL IOGroup takes its physics from them, the node's
 * topology its number of simulated GPUs (NodeContext::platform_topo(),
 * built before any IOGroup).
 */
#ifndef GEOPM_BRIDGE_NODEMODELPARAMS_HPP_INCLUDE
#define GEOPM_BRIDGE_NODEMODELPARAMS_HPP_INCLUDE

#include <string>

namespace geopm_bridge
{
    /// The parameters, "1" (the defaults) or comma-separated key=value
    /// (W, Hz, s). Per CPU package:
    ///
    ///   tdp=150           CPU_POWER_LIMIT_DEFAULT and the initial power limit
    ///   min_power=tdp/3   CPU_POWER_MIN_AVAIL
    ///   max_power=4*tdp/3 CPU_POWER_MAX_AVAIL
    ///   idle_power=tdp/5  power drawn at any frequency with no load
    ///   load=0.8          initial NODE_MODEL::LOAD: the workload's dynamic
    ///                     power at freq_max as a fraction of tdp-idle_power
    ///                     (above 1 it wants more than TDP)
    ///   freq_min=1e9, freq_max=3e9, freq_sticker=2.1e9 (this default is
    ///                     clamped into [freq_min, freq_max])
    ///   dram_power=10     DRAM power, constant
    ///   time_window=1     initial CPU_POWER_TIME_WINDOW_CONTROL
    ///
    /// The node's GPUs (defaults modelled on an NVIDIA H200), per GPU:
    ///
    ///   gpus=0            how many: an integer in [0, M_NODE_MODEL_MAX_GPUS]
    ///   gpu_tdp=700       GPU_POWER_LIMIT_DEFAULT and the initial power limit
    ///   gpu_min_power=200 GPU_POWER_LIMIT_MIN_AVAIL
    ///   gpu_max_power=gpu_tdp  GPU_POWER_LIMIT_MAX_AVAIL
    ///   gpu_idle_power=80 power drawn at any clock with nothing to do
    ///   gpu_load=0.8      initial NODE_MODEL::GPU_LOAD (in [0, 1]): the
    ///                     utilization, the dynamic power at gpu_freq_max
    ///                     as a fraction of gpu_tdp-gpu_idle_power
    ///   gpu_activity=1    GPU_CORE_ACTIVITY / GPU_UTILIZATION (in [0, 1]):
    ///                     the share of the compute units at work while the
    ///                     GPU is busy; scales the dynamic power as well
    ///   gpu_freq_min=345e6, gpu_freq_max=1980e6, gpu_freq_step=15e6
    struct NodeModelParams
    {
        double tdp;
        double min_power;
        double max_power;
        double idle_power;
        double load;
        double freq_min;
        double freq_max;
        double freq_sticker;
        double dram_power;
        double time_window;
        int gpus;
        double gpu_tdp;
        double gpu_min_power;
        double gpu_max_power;
        double gpu_idle_power;
        double gpu_load;
        double gpu_activity;
        double gpu_freq_min;
        double gpu_freq_max;
        double gpu_freq_step;
    };

    /// The most simulated GPUs a node may have (a typo such as gpus=4000
    /// must not build thousands of domains per simulated node).
    constexpr int M_NODE_MODEL_MAX_GPUS = 64;

    /// Parameters from the option text (blanks around items ignored);
    /// throws GEOPM_ERROR_INVALID naming the bad item: 'NODE_MODEL IOGroup:
    /// bad node_model parameter "ITEM" (GEOPM_BRIDGE_NODE_MODEL): why'.
    NodeModelParams parse_node_model_params(const std::string &text);
}

#endif
