/*
 * Totals of sampled signals over the application, its epochs, its regions
 * and fixed periods of time, for agents.
 *
 * Each signal pushed here is pushed to PlatformIO together with
 * REGION_HASH and EPOCH_COUNT over the same domain. After each
 * PlatformIO::read_batch() the agent calls update(): the change since the
 * previous update is credited to the application, to the region the domain
 * was in at the previous update and, once the first epoch was seen, to the
 * epochs. Region and epoch boundaries are therefore known to a control
 * period.
 *
 * A "total" signal (a monotone one, like an energy or a time) adds up its
 * increments; an "average" signal (a variable one, like a power or a
 * frequency) is averaged, weighted by the time between updates.
 */
#ifndef SAMPLEAGGREGATOR_HPP_INCLUDE
#define SAMPLEAGGREGATOR_HPP_INCLUDE

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "geopm_public.h"

namespace geopm
{
    class GEOPM_PUBLIC SampleAggregator
    {
        public:
            /// An aggregator over the current node's PlatformIO (make it
            /// in Agent::init(): it pushes signals).
            static std::unique_ptr<SampleAggregator> make_unique(void);
            virtual ~SampleAggregator() = default;
            /// push_signal_total() for a monotone signal,
            /// push_signal_average() for a variable one; a constant or
            /// label signal cannot be aggregated (GEOPM_ERROR_INVALID).
            /// Returns the PlatformIO::push_signal() index, which names the
            /// signal in the sample methods.
            virtual int push_signal(const std::string &signal_name,
                                    int domain_type,
                                    int domain_idx) = 0;
            /// Aggregate the signal's increments between updates. Only
            /// before the first update().
            virtual int push_signal_total(const std::string &signal_name,
                                          int domain_type,
                                          int domain_idx) = 0;
            /// Aggregate the signal's time-weighted mean. Only before the
            /// first update().
            virtual int push_signal_average(const std::string &signal_name,
                                            int domain_type,
                                            int domain_idx) = 0;
            /// Take in the values of the last read_batch(); call it after
            /// every one.
            virtual void update(void) = 0;
            /// Over the whole run (NaN before the first update()).
            virtual double sample_application(int signal_idx) = 0;
            /// Since the first epoch seen on the signal's domain (NaN
            /// before the first update()).
            virtual double sample_epoch(int signal_idx) = 0;
            /// While the domain was in region_hash: 0 for a total and NaN
            /// for an average when it never was (NaN before the first
            /// update()). GEOPM_REGION_HASH_EPOCH gives sample_epoch(),
            /// GEOPM_REGION_HASH_APP sample_application().
            virtual double sample_region(int signal_idx, uint64_t region_hash) = 0;
            /// Over the last completed epoch (NaN before the first
            /// update()).
            virtual double sample_epoch_last(int signal_idx) = 0;
            /// Over the last completed stay in region_hash (not the one in
            /// progress): 0 for a total and NaN for an average when there
            /// was none (NaN before the first update()).
            virtual double sample_region_last(int signal_idx, uint64_t region_hash) = 0;
            /// Also aggregate over periods of duration seconds of the TIME
            /// signal (0: no periods). Only before the first update().
            virtual void period_duration(double duration) = 0;
            /// The index of the current period (TIME / duration), 0
            /// without periods.
            virtual int get_period(void) = 0;
            /// Over the last completed period (NaN before the first
            /// update() or without periods).
            virtual double sample_period_last(int signal_idx) = 0;
        protected:
            SampleAggregator() = default;
    };
}

#endif
