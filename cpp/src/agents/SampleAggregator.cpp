#include "SampleAggregatorImp.hpp"

#include <cmath>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/IOGroup.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformIOProf.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_hash.h"

namespace geopm
{
    std::unique_ptr<SampleAggregator> SampleAggregator::make_unique(void)
    {
        return geopm::make_unique<SampleAggregatorImp>();
    }

    void SampleAggregatorImp::Aggregate::add(double value, double value_weight)
    {
        sum += value * value_weight;
        weight += value_weight;
        interval_sum += value * value_weight;
        interval_weight += value_weight;
    }

    void SampleAggregatorImp::Aggregate::begin(void)
    {
        interval_sum = 0.0;
        interval_weight = 0.0;
    }

    void SampleAggregatorImp::Aggregate::end(void)
    {
        last_sum = interval_sum;
        last_weight = interval_weight;
    }

    SampleAggregatorImp::SampleAggregatorImp()
        : SampleAggregatorImp(PlatformIOProf::platform_io())
    {

    }

    SampleAggregatorImp::SampleAggregatorImp(PlatformIO &platform_io)
        : m_platform_io(platform_io)
        , m_time_idx(m_platform_io.push_signal("TIME", GEOPM_DOMAIN_BOARD, 0))
        , m_is_updated(false)
        , m_period_duration(0.0)
        , m_period_last(0)
    {

    }

    void SampleAggregatorImp::check_not_updated(const std::string &func) const
    {
        if (m_is_updated) {
            throw Exception("SampleAggregator::" + func + "(): called after update()",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }

    int SampleAggregatorImp::push_signal(const std::string &signal_name,
                                         int domain_type,
                                         int domain_idx)
    {
        int behavior = m_platform_io.signal_behavior(signal_name);
        if (behavior == IOGroup::M_SIGNAL_BEHAVIOR_MONOTONE) {
            return push_signal_total(signal_name, domain_type, domain_idx);
        }
        if (behavior == IOGroup::M_SIGNAL_BEHAVIOR_VARIABLE) {
            return push_signal_average(signal_name, domain_type, domain_idx);
        }
        throw Exception("SampleAggregator::push_signal(): signal \"" + signal_name + "\" is " +
                        (behavior == IOGroup::M_SIGNAL_BEHAVIOR_CONSTANT ? "constant" : "a label") +
                        ": it has no total or average over time",
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }

    int SampleAggregatorImp::push_signal_total(const std::string &signal_name,
                                               int domain_type,
                                               int domain_idx)
    {
        return push(signal_name, domain_type, domain_idx, false, __func__);
    }

    int SampleAggregatorImp::push_signal_average(const std::string &signal_name,
                                                 int domain_type,
                                                 int domain_idx)
    {
        return push(signal_name, domain_type, domain_idx, true, __func__);
    }

    int SampleAggregatorImp::push(const std::string &signal_name, int domain_type, int domain_idx,
                                  bool is_average, const std::string &func)
    {
        check_not_updated(func);
        int signal_idx = m_platform_io.push_signal(signal_name, domain_type, domain_idx);
        auto it = m_signal.find(signal_idx);
        if (it != m_signal.end()) {
            if (it->second.is_average != is_average) {
                throw Exception("SampleAggregator::" + func + "(): signal \"" + signal_name +
                                "\" was pushed already as " +
                                (is_average ? "a total" : "an average"),
                                GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            return signal_idx;
        }
        Signal signal;
        signal.is_average = is_average;
        signal.hash_idx = m_platform_io.push_signal("REGION_HASH", domain_type, domain_idx);
        signal.epoch_idx = m_platform_io.push_signal("EPOCH_COUNT", domain_type, domain_idx);
        signal.last_value = NAN;
        signal.last_time = NAN;
        signal.hash = GEOPM_REGION_HASH_INVALID;
        signal.epoch_count = 0.0;
        m_signal.emplace(signal_idx, signal);
        return signal_idx;
    }

    void SampleAggregatorImp::update(void)
    {
        double time = m_platform_io.sample(m_time_idx);
        int period = get_period();
        for (auto &item : m_signal) {
            Signal &signal = item.second;
            double sample = m_platform_io.sample(item.first);
            double hash_sample = m_platform_io.sample(signal.hash_idx);
            uint64_t hash = std::isnan(hash_sample) ? GEOPM_REGION_HASH_INVALID :
                            static_cast<uint64_t>(hash_sample);
            double epoch_count = m_platform_io.sample(signal.epoch_idx);
            if (std::isnan(epoch_count)) {
                // No process marks epochs here (now): nothing changed.
                epoch_count = signal.epoch_count;
            }
            if (!m_is_updated) {
                signal.last_value = sample;
                signal.last_time = time;
                signal.hash = hash;
                signal.epoch_count = epoch_count;
                signal.region[hash];
                continue;
            }
            // What happened since the previous update, credited to the
            // state the domain was in at that update.
            double value = 0.0;
            double weight = 1.0;
            if (signal.is_average) {
                weight = time - signal.last_time;
                signal.last_time = time;
                if (std::isnan(sample)) {
                    weight = 0.0;
                }
                else {
                    value = sample;
                }
            }
            else {
                if (std::isnan(sample)) {
                    // A gap: the next sample's increment covers it.
                    continue;
                }
                if (!std::isnan(signal.last_value)) {
                    value = sample - signal.last_value;
                }
                signal.last_value = sample;
            }
            signal.application.add(value, weight);
            if (signal.epoch_count != 0.0) {
                signal.epoch.add(value, weight);
            }
            signal.period.add(value, weight);
            signal.region[signal.hash].add(value, weight);
            // Then the boundaries crossed since.
            if (epoch_count != signal.epoch_count) {
                if (signal.epoch_count != 0.0) {
                    signal.epoch.end();
                }
                signal.epoch.begin();
                signal.epoch_count = epoch_count;
            }
            if (hash != signal.hash) {
                if (signal.hash != GEOPM_REGION_HASH_UNMARKED) {
                    signal.region[signal.hash].end();
                }
                if (hash != GEOPM_REGION_HASH_UNMARKED) {
                    signal.region[hash].begin();
                }
                signal.hash = hash;
            }
            if (period != m_period_last) {
                signal.period.end();
                signal.period.begin();
            }
        }
        m_period_last = period;
        m_is_updated = true;
    }

    const SampleAggregatorImp::Signal &SampleAggregatorImp::signal(int signal_idx,
                                                                   const std::string &func) const
    {
        auto it = m_signal.find(signal_idx);
        if (it == m_signal.end()) {
            throw Exception("SampleAggregator::" + func + "(): signal index " +
                            std::to_string(signal_idx) + " was not pushed with "
                            "push_signal_total() or push_signal_average()",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return it->second;
    }

    double SampleAggregatorImp::value(const Signal &signal, const Aggregate &aggregate, bool is_last)
    {
        double sum = is_last ? aggregate.last_sum : aggregate.sum;
        if (!signal.is_average) {
            return sum;
        }
        double weight = is_last ? aggregate.last_weight : aggregate.weight;
        return weight == 0.0 ? 0.0 : sum / weight;
    }

    double SampleAggregatorImp::sample_application(int signal_idx)
    {
        const Signal &sig = signal(signal_idx, __func__);
        return m_is_updated ? value(sig, sig.application, false) : NAN;
    }

    double SampleAggregatorImp::sample_epoch(int signal_idx)
    {
        const Signal &sig = signal(signal_idx, __func__);
        return m_is_updated ? value(sig, sig.epoch, false) : NAN;
    }

    double SampleAggregatorImp::sample_epoch_last(int signal_idx)
    {
        const Signal &sig = signal(signal_idx, __func__);
        return m_is_updated ? value(sig, sig.epoch, true) : NAN;
    }

    double SampleAggregatorImp::region_value(int signal_idx, uint64_t region_hash, bool is_last,
                                             const std::string &func) const
    {
        const Signal &sig = signal(signal_idx, func);
        if (!m_is_updated) {
            return NAN;
        }
        auto it = sig.region.find(region_hash);
        if (it == sig.region.end()) {
            return sig.is_average ? NAN : 0.0;
        }
        return value(sig, it->second, is_last);
    }

    double SampleAggregatorImp::sample_region(int signal_idx, uint64_t region_hash)
    {
        if (region_hash == GEOPM_REGION_HASH_EPOCH) {
            return sample_epoch(signal_idx);
        }
        if (region_hash == GEOPM_REGION_HASH_APP) {
            return sample_application(signal_idx);
        }
        return region_value(signal_idx, region_hash, false, __func__);
    }

    double SampleAggregatorImp::sample_region_last(int signal_idx, uint64_t region_hash)
    {
        if (region_hash == GEOPM_REGION_HASH_EPOCH) {
            return sample_epoch_last(signal_idx);
        }
        return region_value(signal_idx, region_hash, true, __func__);
    }

    void SampleAggregatorImp::period_duration(double duration)
    {
        check_not_updated(__func__);
        if (!(duration >= 0.0) || std::isinf(duration)) {
            throw Exception("SampleAggregator::period_duration(): the duration must be a finite "
                            "number of seconds >= 0, not " + std::to_string(duration),
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        m_period_duration = duration;
    }

    int SampleAggregatorImp::get_period(void)
    {
        if (m_period_duration == 0.0) {
            return 0;
        }
        return static_cast<int>(m_platform_io.sample(m_time_idx) / m_period_duration);
    }

    double SampleAggregatorImp::sample_period_last(int signal_idx)
    {
        const Signal &sig = signal(signal_idx, __func__);
        if (!m_is_updated || m_period_duration == 0.0) {
            return NAN;
        }
        return value(sig, sig.period, true);
    }
}
