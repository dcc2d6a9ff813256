/*
 * Several agents run as one (geopm_bridge/Composite.hpp names them): each
 * hook runs on every member in member order with the member's own slice of
 * the vectors. A control two members push is refused unless the name gives
 * it a merge rule; then the composite writes the merged setting. Both need
 * the embedded runtime's ControlLedger: on GEOPM (native build) neither is
 * done, and CompositeSpec refuses merge rules.
 */
#ifndef GEOPM_BRIDGE_COMPOSITEAGENT_HPP_INCLUDE
#define GEOPM_BRIDGE_COMPOSITEAGENT_HPP_INCLUDE

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "geopm/Agent.hpp"
#include "geopm_bridge/AgentPeriod.hpp"

#include "CompositeSpec.hpp"

namespace geopm
{
    class PlatformIO;
}

namespace geopm_bridge
{
    class ControlLedger;

    class CompositeAgent : public geopm::Agent, public AgentPeriod
    {
        public:
            /// Makes every member (the current node's platform is theirs).
            explicit CompositeAgent(std::shared_ptr<const CompositeSpec> spec);
            virtual ~CompositeAgent() = default;
            void init(int level, const std::vector<int> &fan_in, bool is_level_root) override;
            void validate_policy(std::vector<double> &policy) const override;
            void split_policy(const std::vector<double> &in_policy,
                              std::vector<std::vector<double> > &out_policy) override;
            bool do_send_policy(void) const override;
            void aggregate_sample(const std::vector<std::vector<double> > &in_sample,
                                  std::vector<double> &out_sample) override;
            bool do_send_sample(void) const override;
            void adjust_platform(const std::vector<double> &in_policy) override;
            bool do_write_batch(void) const override;
            void sample_platform(std::vector<double> &out_sample) override;
            void wait(void) override;
            double period(void) const override;
            std::vector<std::pair<std::string, std::string> > report_header(void) const override;
            std::vector<std::pair<std::string, std::string> > report_host(void) const override;
            std::map<uint64_t, std::vector<std::pair<std::string, std::string> > > report_region(void) const override;
            std::vector<std::string> trace_names(void) const override;
            std::vector<std::function<std::string(double)> > trace_formats(void) const override;
            void trace_values(std::vector<double> &values) override;
            void enforce_policy(const std::vector<double> &policy) const override;
        private:
            // A control more than one member pushes, merged by its rule.
            struct SharedControl
            {
                int control_idx;
                composite_merge_e rule;
                std::vector<size_t> members;
                // Per member (same order): its last setting (NaN: none yet).
                std::vector<double> setting;
            };
            // Each member's own vectors, reused every period.
            struct Slice
            {
                std::vector<double> policy;
                std::vector<double> sample;
                // The sample the member last said to send, and whether it has.
                std::vector<double> sent;
                bool has_sent = false;
                std::vector<std::vector<double> > child_policy;
                std::vector<std::vector<double> > child_sample;
                std::vector<double> trace;
                size_t trace_offset = 0;
            };
            // Member m's slice of all, through map.
            static void gather(const std::vector<double> &all, const std::vector<int> &map,
                               std::vector<double> &slice);
            // Back into all: every entry, or only the owned ones.
            static void scatter(const std::vector<double> &slice, const std::vector<int> &map,
                                const std::vector<bool> *owned, std::vector<double> &all);
            // Pairs under "member/" keys.
            std::vector<std::pair<std::string, std::string> > prefixed(
                size_t member, const std::vector<std::pair<std::string, std::string> > &pairs) const;
            // Each control's push count now (empty without a ledger).
            std::vector<uint64_t> push_counts(void) const;
            // The controls pushed since before was taken.
            std::set<int> pushes_since(const std::vector<uint64_t> &before) const;
            // "NAME (domain index)" of a pushed control, for errors.
            std::string control_text(int control_idx) const;
            // Refuses a control two members push at different domains.
            void check_overlaps(const std::vector<std::set<int> > &pushed) const;
            void find_shared_controls(const std::vector<std::set<int> > &pushed);
            // The members' samples into out_sample; sets m_is_sample_sent.
            void pass_samples(std::vector<double> &out_sample);

            std::shared_ptr<const CompositeSpec> m_spec;
            geopm::PlatformIO &m_platform_io;
            ControlLedger *m_ledger;
            std::vector<std::unique_ptr<geopm::Agent> > m_member;
            // Controls each member pushed while it was made.
            std::vector<std::set<int> > m_made_pushes;
            mutable std::vector<Slice> m_slice;
            std::vector<SharedControl> m_shared;
            // Per member: indices into m_shared of the controls it shares.
            std::vector<std::vector<size_t> > m_member_shared;
            // Per shared control: its adjust() count before the member's
            // adjust_platform(), and whether a member adjusted it this period.
            std::vector<uint64_t> m_adjust_count;
            std::vector<bool> m_is_shared_adjusted;
            bool m_is_sample_sent;
            bool m_is_merge_written;
            size_t m_wait_member;
            double m_period;
    };
}

#endif
