/*
 * One node's part of power balancing (the power_balancer agent's method):
 * under a power cap shared by all nodes, first measure how long an epoch
 * takes here; then, given the slowest node's epoch time, lower this node's
 * power limit step by step until its epochs take about as long, so that
 * the power saved (the slack) can be handed to the nodes that need it.
 */
#ifndef POWERBALANCER_HPP_INCLUDE
#define POWERBALANCER_HPP_INCLUDE

#include <memory>

#include "geopm_public.h"

namespace geopm
{
    class GEOPM_PUBLIC PowerBalancer
    {
        public:
            PowerBalancer() = default;
            virtual ~PowerBalancer() = default;
            /// Set a new cap (watts): the limit becomes the cap and the
            /// measurements and target start over. Given at the start of
            /// the run and whenever the budget grows.
            virtual void power_cap(double cap) = 0;
            /// The cap: the limit may not rise above it.
            virtual double power_cap(void) const = 0;
            /// The power limit this node should run under now (watts).
            virtual double power_limit(void) const = 0;
            /// Tell the limit actually applied (the governor may clamp the
            /// requested one); a change restarts the measurements. A limit
            /// above the request means the floor is reached: the target
            /// counts as met.
            virtual void power_limit_adjusted(double limit) = 0;
            /// Add one epoch's duration measured under the current limit
            /// (ignored while the limit is newer than the control latency,
            /// or when NaN); true once enough were collected for
            /// runtime_sample() to be trusted.
            virtual bool is_runtime_stable(double measured_runtime) = 0;
            /// The expected epoch duration under the current limit: the
            /// median of the durations collected.
            virtual double runtime_sample(void) const = 0;
            /// Recompute runtime_sample() from the durations collected.
            virtual void calculate_runtime_sample(void) = 0;
            /// Set the target from the largest expected epoch duration of
            /// all nodes (a little below it, to leave room for noise).
            virtual void target_runtime(double largest_runtime) = 0;
            /// Add one epoch's duration; once stable, either the node is
            /// as slow as the target (met: true) or the limit is lowered by
            /// the trial step for the next epochs (false).
            virtual bool is_target_met(double measured_runtime) = 0;
            /// The cap minus the limit (watts); when 0 the trial step is
            /// halved, down to a minimum.
            virtual double power_slack(void) = 0;
            /// A balancer for a platform whose power limit takes effect
            /// ctl_latency seconds after it is written.
            static std::unique_ptr<PowerBalancer> make_unique(double ctl_latency);
            static std::shared_ptr<PowerBalancer> make_shared(double ctl_latency);
    };
}

#endif
