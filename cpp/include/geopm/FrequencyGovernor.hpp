/*
 * Writes CPU frequency limits (CPU_FREQUENCY_MAX_CONTROL) for agents: one
 * request per control domain, clamped to the bounds the policy allows, and
 * only written when a value changes.
 */
#ifndef FREQUENCYGOVERNOR_HPP_INCLUDE
#define FREQUENCYGOVERNOR_HPP_INCLUDE

#include <memory>
#include <vector>

#include "geopm_public.h"

namespace geopm
{
    class PlatformIO;
    class PlatformTopo;

    class GEOPM_PUBLIC FrequencyGovernor
    {
        public:
            FrequencyGovernor() = default;
            virtual ~FrequencyGovernor() = default;
            /// Push one CPU_FREQUENCY_MAX_CONTROL per domain of
            /// frequency_domain_type() (call from Agent::init()).
            virtual void init_platform_io(void) = 0;
            /// The domain the requests are given in (by default the
            /// control's own).
            virtual int frequency_domain_type(void) const = 0;
            /// Give requests in a coarser domain that contains the
            /// control's own; only before init_platform_io().
            virtual void set_domain_type(int domain_type) = 0;
            /// Adjust each domain's control to its request (hertz) clamped
            /// to the bounds; one request per domain.
            virtual void adjust_platform(const std::vector<double> &frequency_request) = 0;
            /// Whether the last adjust_platform() changed a value.
            virtual bool do_write_batch(void) const = 0;
            /// Set the bounds requests are clamped to; they must lie within
            /// the platform's limits, freq_min <= freq_max
            /// (GEOPM_ERROR_INVALID). Returns whether they changed.
            virtual bool set_frequency_bounds(double freq_min, double freq_max) = 0;
            virtual double get_frequency_min() const = 0;
            virtual double get_frequency_max() const = 0;
            /// The platform's frequency step (hertz).
            virtual double get_frequency_step() const = 0;
            /// How many requests were clamped so far.
            virtual int get_clamp_count() const = 0;
            /// Fill a policy's NaN bounds with the platform's minimum and
            /// sticker frequency, and bring them within the current
            /// bounds; freq_min > freq_max is GEOPM_ERROR_INVALID.
            virtual void validate_policy(double &freq_min, double &freq_max) const = 0;
            /// A governor over the current node's PlatformIO and topology.
            static std::unique_ptr<FrequencyGovernor> make_unique(void);
            static std::shared_ptr<FrequencyGovernor> make_shared(void);
    };
}

#endif
