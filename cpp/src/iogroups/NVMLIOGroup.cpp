#include "NVMLIOGroup.hpp"

#include <cmath>

#include "geopm/Agg.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_topo.h"

#include "platform/NVMLDevicePool.hpp"

namespace geopm_bridge
{
    namespace
    {
        enum nvml_id_e {
            M_GPU_POWER,
            M_GPU_ENERGY,
            M_GPU_POWER_LIMIT,
        };
    }

    NVMLIOGroup::NVMLIOGroup()
        : NVMLIOGroup(nvml_device_pool())
    {
    }

    NVMLIOGroup::NVMLIOGroup(const NVMLDevicePool &pool)
        : BasicIOGroup(plugin_name())
        , m_pool(pool)
    {
        const int num_gpu = m_pool.num_gpu();
        if (num_gpu == 0 || num_gpu != m_topo.num_domain(GEOPM_DOMAIN_GPU)) {
            // No NVIDIA driver, or GPUs the topology does not take from NVML.
            throw geopm::Exception("NVML IOGroup: no NVML GPUs on this node",
                                   GEOPM_ERROR_PLATFORM_UNSUPPORTED, __FILE__, __LINE__);
        }
        const std::string prefix = plugin_name() + "::";
        add_signal(prefix + "GPU_POWER",
                   {M_GPU_POWER, GEOPM_DOMAIN_GPU, M_UNITS_WATTS, geopm::Agg::sum,
                    M_SIGNAL_BEHAVIOR_VARIABLE, "GPU power usage (nvmlDeviceGetPowerUsage)"});
        add_alias("GPU_POWER", prefix + "GPU_POWER");
        add_signal(prefix + "GPU_ENERGY_CONSUMPTION_TOTAL",
                   {M_GPU_ENERGY, GEOPM_DOMAIN_GPU, M_UNITS_JOULES, geopm::Agg::sum,
                    M_SIGNAL_BEHAVIOR_MONOTONE,
                    "GPU energy used since the driver was loaded "
                    "(nvmlDeviceGetTotalEnergyConsumption)"});
        add_alias("GPU_ENERGY", prefix + "GPU_ENERGY_CONSUMPTION_TOTAL");
        add_control(prefix + "GPU_POWER_LIMIT_CONTROL",
                    {M_GPU_POWER_LIMIT, GEOPM_DOMAIN_GPU, M_UNITS_WATTS, geopm::Agg::sum,
                     M_SIGNAL_BEHAVIOR_VARIABLE,
                     "GPU power limit; a setting outside the GPU's range is refused "
                     "(nvmlDeviceSetPowerManagementLimit)"});
        add_alias("GPU_POWER_LIMIT_CONTROL", prefix + "GPU_POWER_LIMIT_CONTROL");
    }

    std::string NVMLIOGroup::plugin_name(void)
    {
        return "NVML";
    }

    std::unique_ptr<geopm::IOGroup> NVMLIOGroup::make_plugin(void)
    {
        return std::make_unique<NVMLIOGroup>();
    }

    double NVMLIOGroup::read_value(int id, int domain_idx)
    {
        // The pool answers NaN for an NVML error; NaN * 1e-3 stays NaN.
        switch (id) {
            case M_GPU_POWER: return m_pool.power_usage(domain_idx) * 1e-3;
            case M_GPU_ENERGY: return m_pool.total_energy(domain_idx) * 1e-3;
            case M_GPU_POWER_LIMIT: return m_pool.power_limit(domain_idx) * 1e-3;
            default: return NAN;
        }
    }

    void NVMLIOGroup::write_value(int id, int domain_idx, double setting)
    {
        if (id != M_GPU_POWER_LIMIT) {
            BasicIOGroup::write_value(id, domain_idx, setting);
            return;
        }
        const double min_watts = m_pool.power_limit_min(domain_idx) * 1e-3;
        const double max_watts = m_pool.power_limit_max(domain_idx) * 1e-3;
        // As nvmlDeviceSetPowerManagementLimit() itself: refused, not clamped.
        if (!std::isfinite(setting) || setting < min_watts || setting > max_watts) {
            throw geopm::Exception("NVML::GPU_POWER_LIMIT_CONTROL: " +
                                   geopm::string_format_double(setting) + " W for GPU " +
                                   std::to_string(domain_idx) + " is outside its range " +
                                   geopm::string_format_double(min_watts) + " W to " +
                                   geopm::string_format_double(max_watts) + " W",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        m_pool.set_power_limit(domain_idx, static_cast<unsigned int>(std::lround(setting * 1e3)));
    }
}
