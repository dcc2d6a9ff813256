/*
 * SampleAggregatorImp: the per-signal aggregates of SampleAggregator, kept
 * from the values PlatformIO sampled at each update().
 */
#ifndef GEOPM_BRIDGE_SAMPLEAGGREGATORIMP_HPP_INCLUDE
#define GEOPM_BRIDGE_SAMPLEAGGREGATORIMP_HPP_INCLUDE

#include <map>

#include "geopm/SampleAggregator.hpp"

namespace geopm
{
    class PlatformIO;

    class SampleAggregatorImp : public SampleAggregator
    {
        public:
            SampleAggregatorImp();
            explicit SampleAggregatorImp(PlatformIO &platform_io);
            virtual ~SampleAggregatorImp() = default;
            int push_signal(const std::string &signal_name,
                            int domain_type,
                            int domain_idx) override;
            int push_signal_total(const std::string &signal_name,
                                  int domain_type,
                                  int domain_idx) override;
            int push_signal_average(const std::string &signal_name,
                                    int domain_type,
                                    int domain_idx) override;
            void update(void) override;
            double sample_application(int signal_idx) override;
            double sample_epoch(int signal_idx) override;
            double sample_region(int signal_idx, uint64_t region_hash) override;
            double sample_epoch_last(int signal_idx) override;
            double sample_region_last(int signal_idx, uint64_t region_hash) override;
            void period_duration(double duration) override;
            int get_period(void) override;
            double sample_period_last(int signal_idx) override;
        private:
            /// A sum of increments (weight unused), or a weighted mean:
            /// over everything added, over the interval in progress, and
            /// over the last completed interval.
            struct Aggregate
            {
                double sum = 0.0;
                double weight = 0.0;
                double interval_sum = 0.0;
                double interval_weight = 0.0;
                double last_sum = 0.0;
                double last_weight = 0.0;
                void add(double value, double value_weight);
                void begin(void);
                void end(void);
            };

            /// One pushed signal, with the region hash and epoch count of
            /// its domain at the previous update.
            struct Signal
            {
                bool is_average;
                int hash_idx;
                int epoch_idx;
                double last_value;   // totals: the previous sample
                double last_time;    // averages: TIME at the previous update
                uint64_t hash;
                double epoch_count;
                Aggregate application;
                Aggregate epoch;
                Aggregate period;
                std::map<uint64_t, Aggregate> region;
            };

            int push(const std::string &signal_name, int domain_type, int domain_idx,
                     bool is_average, const std::string &func);
            const Signal &signal(int signal_idx, const std::string &func) const;
            /// The aggregate's value for the signal's kind: all of it, or
            /// its last completed interval.
            static double value(const Signal &signal, const Aggregate &aggregate, bool is_last);
            double region_value(int signal_idx, uint64_t region_hash, bool is_last,
                                const std::string &func) const;
            void check_not_updated(const std::string &func) const;

            PlatformIO &m_platform_io;
            const int m_time_idx;
            bool m_is_updated;
            double m_period_duration;
            int m_period_last;
            std::map<int, Signal> m_signal;
    };
}

#endif
