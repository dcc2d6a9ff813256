/*
 * What the CPUID instruction tells about this processor: its family and
 * model, hardware P-state support, nominal ("sticker") frequency, resource
 * director (RDT) monitoring and the width of its performance counters. On a
 * processor that is not x86, or for a leaf the processor does not report,
 * every answer is zero (false).
 */
#ifndef CPUID_HPP_INCLUDE
#define CPUID_HPP_INCLUDE

#include <stdint.h>

#include <memory>

#include "geopm_public.h"

namespace geopm
{
    class GEOPM_PUBLIC Cpuid
    {
        public:
            /// Resource director technology: whether the processor monitors
            /// L3 use per RMID, how many bits an RMID takes, and the factor
            /// that turns a memory-bandwidth counter into bytes.
            struct rdt_info_s
            {
                bool rdt_support;
                uint32_t rmid_bit_width;
                uint32_t mbm_scalar;
            };

            /// The processor this process runs on.
            static std::unique_ptr<Cpuid> make_unique(void);
            Cpuid() = default;
            virtual ~Cpuid() = default;
            /// (family << 8) + model, the extended fields folded in as the
            /// processor manuals prescribe (the key GEOPM's MSR tables use).
            virtual int cpuid(void) const = 0;
            /// True when hardware-controlled P-states (HWP) are available.
            virtual bool is_hwp_supported(void) const = 0;
            /// The base frequency in Hz (CPUID leaf 0x16; 0 without it).
            virtual double freq_sticker(void) const = 0;
            virtual rdt_info_s rdt_info(void) const = 0;
            /// Bits in each general-purpose performance counter.
            virtual uint32_t pmc_bit_width(void) const = 0;
    };
}

#endif
