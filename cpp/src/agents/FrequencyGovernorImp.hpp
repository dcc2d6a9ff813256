/*
 * FrequencyGovernorImp: CPU_FREQUENCY_MAX_CONTROL per domain, within the
 * platform's limits (CPU_FREQUENCY_MIN_AVAIL, CPU_FREQUENCY_MAX_AVAIL).
 */
#ifndef GEOPM_BRIDGE_FREQUENCYGOVERNORIMP_HPP_INCLUDE
#define GEOPM_BRIDGE_FREQUENCYGOVERNORIMP_HPP_INCLUDE

#include <string>

#include "geopm/FrequencyGovernor.hpp"

namespace geopm
{
    class FrequencyGovernorImp : public FrequencyGovernor
    {
        public:
            FrequencyGovernorImp();
            FrequencyGovernorImp(PlatformIO &platform_io, const PlatformTopo &platform_topo);
            virtual ~FrequencyGovernorImp() = default;
            void init_platform_io(void) override;
            int frequency_domain_type(void) const override;
            void set_domain_type(int domain_type) override;
            void adjust_platform(const std::vector<double> &frequency_request) override;
            bool do_write_batch(void) const override;
            bool set_frequency_bounds(double freq_min, double freq_max) override;
            double get_frequency_min() const override;
            double get_frequency_max() const override;
            double get_frequency_step() const override;
            int get_clamp_count() const override;
            void validate_policy(double &freq_min, double &freq_max) const override;
        private:
            /// The board's value of a constant signal.
            double read_limit(const std::string &signal_name) const;

            PlatformIO &m_platform_io;
            const PlatformTopo &m_platform_topo;
            const double m_freq_step;
            const double m_platform_min;
            const double m_platform_max;
            double m_freq_min;
            double m_freq_max;
            int m_clamp_count;
            bool m_do_write_batch;
            int m_domain_type;
            bool m_is_initialized;
            std::vector<int> m_control_idx;
            std::vector<double> m_last_setting;
    };
}

#endif
