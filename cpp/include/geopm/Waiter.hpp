/*
 * Paces the control loop: wait() returns at the next multiple of the period
 * after the last reset, so time spent between waits does not add drift.
 */
#ifndef WAITER_HPP_INCLUDE
#define WAITER_HPP_INCLUDE

#include <memory>
#include <string>

#include "geopm_public.h"
#include "geopm_time.h"

namespace geopm
{
    class GEOPM_PUBLIC Waiter
    {
        public:
            /// A "sleep" waiter with the given period in seconds.
            static std::unique_ptr<Waiter> make_unique(double period);
            /// strategy must be "sleep" (the only one GEOPM 3.1 offers).
            static std::unique_ptr<Waiter> make_unique(double period,
                                                       std::string strategy);
            Waiter() = default;
            virtual ~Waiter() = default;
            /// Restart the schedule from now.
            virtual void reset(void) = 0;
            /// Restart the schedule from now with a new period.
            virtual void reset(double period) = 0;
            /// Sleep until the next period boundary (returns at once if it
            /// has passed, and skips boundaries that were missed).
            virtual void wait(void) = 0;
            virtual double period(void) const = 0;
    };

    class GEOPM_PUBLIC SleepWaiter : public Waiter
    {
        public:
            SleepWaiter(double period);
            virtual ~SleepWaiter() = default;
            void reset(void) override;
            void reset(double period) override;
            void wait(void) override;
            double period(void) const override;
        private:
            double m_period;
            geopm_time_s m_time_target;
            bool m_is_first_time;
    };
}

#endif
