/*
 * TIME: seconds since the runtime's time origin (geopm::time_zero()).
 */
#ifndef GEOPM_BRIDGE_TIMEIOGROUP_HPP_INCLUDE
#define GEOPM_BRIDGE_TIMEIOGROUP_HPP_INCLUDE

#include "BasicIOGroup.hpp"

namespace geopm_bridge
{
    /// Signals TIME and TIME::ELAPSED, native at the cpu domain as in GEOPM
    /// (every CPU shows the same clock; coarser domains take the first).
    class TimeIOGroup : public BasicIOGroup
    {
        public:
            TimeIOGroup();
            virtual ~TimeIOGroup() = default;
            static std::string plugin_name(void);
            static std::unique_ptr<geopm::IOGroup> make_plugin(void);
        private:
            void refresh(void) override;
            double read_value(int id, int domain_idx) override;

            double m_elapsed;
    };
}

#endif
