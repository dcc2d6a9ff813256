/*
 * What a PlatformIO knows about who pushed and adjusted which control, for
 * the composite agent (agents/CompositeAgent.cpp): it tells a member's
 * controls apart from another's and reads the setting a member asked for.
 * The embedded runtime's PlatformIOImp provides it; GEOPM's PlatformIO does
 * not (a composite then neither checks nor merges controls).
 */
#ifndef GEOPM_BRIDGE_CONTROLLEDGER_HPP_INCLUDE
#define GEOPM_BRIDGE_CONTROLLEDGER_HPP_INCLUDE

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace geopm_bridge
{
    class ControlLedger
    {
        public:
            /// How many controls have been pushed (indices 0 to N - 1).
            virtual int num_control(void) const = 0;
            /// How many push_control() calls returned control_idx (the same
            /// request gives the same index: a count, not a log, so that an
            /// agent pushing every period grows nothing).
            virtual uint64_t num_push(int control_idx) const = 0;
            /// The controls at the native domain that control_idx writes:
            /// itself, or those of the finer domain it is split over.
            virtual std::vector<int> control_operands(int control_idx) const = 0;
            /// The (name, domain, index) pushed as control_idx.
            virtual std::tuple<std::string, int, int> control_request(int control_idx) const = 0;
            /// How many adjust() calls control_idx has had.
            virtual uint64_t num_adjust(int control_idx) const = 0;
            /// The setting of the last adjust() of control_idx (NaN: none).
            virtual double adjusted_setting(int control_idx) const = 0;
        protected:
            ~ControlLedger() = default;
    };
}

#endif
