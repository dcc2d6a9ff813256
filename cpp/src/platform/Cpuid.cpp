// geopm::Cpuid: the CPUID instruction on x86, zeros elsewhere.
#include "geopm/Cpuid.hpp"

#include <cmath>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define GEOPM_BRIDGE_HAVE_CPUID 1
#endif

namespace geopm
{
    namespace
    {
        struct Registers
        {
            uint32_t eax = 0;
            uint32_t ebx = 0;
            uint32_t ecx = 0;
            uint32_t edx = 0;
        };

        // One CPUID leaf (and subleaf); all zero where the processor does
        // not report that leaf, or is no x86.
        Registers query(uint32_t leaf, uint32_t subleaf = 0)
        {
            Registers result;
#ifdef GEOPM_BRIDGE_HAVE_CPUID
            if (leaf <= __get_cpuid_max(0, nullptr)) {
                __cpuid_count(leaf, subleaf, result.eax, result.ebx, result.ecx, result.edx);
            }
#else
            (void)leaf;
            (void)subleaf;
#endif
            return result;
        }

        uint32_t bits(uint32_t word, int low, int count)
        {
            return (word >> low) & ((1u << count) - 1u);
        }
    }

    class CpuidImp : public Cpuid
    {
        public:
            CpuidImp() = default;
            virtual ~CpuidImp() = default;
            int cpuid(void) const override;
            bool is_hwp_supported(void) const override;
            double freq_sticker(void) const override;
            rdt_info_s rdt_info(void) const override;
            uint32_t pmc_bit_width(void) const override;
    };

    std::unique_ptr<Cpuid> Cpuid::make_unique(void)
    {
        return std::make_unique<CpuidImp>();
    }

    int CpuidImp::cpuid(void) const
    {
        // Leaf 1, EAX: model in bits 4-7, family in 8-11, extended model in
        // 16-19, extended family in 20-27. Families 6 and 15 extend the
        // model; family 15 extends the family as well.
        uint32_t signature = query(1).eax;
        uint32_t model = bits(signature, 4, 4);
        uint32_t family = bits(signature, 8, 4);
        if (family == 6 || family == 15) {
            model += bits(signature, 16, 4) << 4;
        }
        if (family == 15) {
            family += bits(signature, 20, 8);
        }
        return static_cast<int>((family << 8) + model);
    }

    bool CpuidImp::is_hwp_supported(void) const
    {
        // Leaf 6 (thermal and power management), EAX bit 7: HWP.
        return bits(query(6).eax, 7, 1) != 0;
    }

    double CpuidImp::freq_sticker(void) const
    {
        // Leaf 0x16, EAX bits 0-15: the base frequency in MHz.
        return bits(query(0x16).eax, 0, 16) * 1e6;
    }

    Cpuid::rdt_info_s CpuidImp::rdt_info(void) const
    {
        // Leaf 0xF subleaf 0: EDX bit 1 says L3 monitoring exists, EBX is
        // the highest RMID; subleaf 1, EBX: the counter-to-bytes factor.
        Registers monitoring = query(0x0F, 0);
        rdt_info_s result {};
        result.rdt_support = bits(monitoring.edx, 1, 1) != 0;
        result.rmid_bit_width = static_cast<uint32_t>(std::ceil(std::log2(monitoring.ebx + 1.0)));
        result.mbm_scalar = result.rdt_support ? query(0x0F, 1).ebx : 0;
        return result;
    }

    uint32_t CpuidImp::pmc_bit_width(void) const
    {
        // Leaf 0xA (architectural performance monitoring), EAX bits 16-23.
        return bits(query(0x0A).eax, 16, 8);
    }
}
