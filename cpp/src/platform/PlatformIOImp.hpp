/*
 * PlatformIO over a list of IOGroups: name lookup (the most recently
 * registered IOGroup providing a name wins), batch bookkeeping and domain
 * conversion.
 */
#ifndef GEOPM_BRIDGE_PLATFORMIOIMP_HPP_INCLUDE
#define GEOPM_BRIDGE_PLATFORMIOIMP_HPP_INCLUDE

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "geopm/PlatformIO.hpp"
#include "ControlLedger.hpp"

namespace geopm
{
    class IOGroup;
    class PlatformTopo;

    class PlatformIOImp : public PlatformIO, public geopm_bridge::ControlLedger
    {
        public:
            /// One instance of every IOGroup in iogroup_factory(), in
            /// registration order; an IOGroup whose constructor throws is
            /// left out (it cannot work on this machine).
            explicit PlatformIOImp(const PlatformTopo &topo);
            virtual ~PlatformIOImp() = default;
            void register_iogroup(std::shared_ptr<IOGroup> iogroup) override;
            std::set<std::string> signal_names(void) const override;
            std::set<std::string> control_names(void) const override;
            int signal_domain_type(const std::string &signal_name) const override;
            int control_domain_type(const std::string &control_name) const override;
            int push_signal(const std::string &signal_name, int domain_type, int domain_idx) override;
            int push_control(const std::string &control_name, int domain_type, int domain_idx) override;
            double sample(int signal_idx) override;
            void adjust(int control_idx, double setting) override;
            void read_batch(void) override;
            void write_batch(void) override;
            double read_signal(const std::string &signal_name, int domain_type, int domain_idx) override;
            void write_control(const std::string &control_name, int domain_type, int domain_idx,
                               double setting) override;
            void save_control(void) override;
            void restore_control(void) override;
            std::function<double(const std::vector<double> &)> agg_function(const std::string &signal_name) const override;
            std::function<std::string(double)> format_function(const std::string &signal_name) const override;
            std::string signal_description(const std::string &signal_name) const override;
            std::string control_description(const std::string &control_name) const override;
            int signal_behavior(const std::string &signal_name) const override;
            void save_control(const std::string &save_dir) override;
            void restore_control(const std::string &save_dir) override;
            void start_batch_server(int client_pid,
                                    const std::vector<geopm_request_s> &signal_config,
                                    const std::vector<geopm_request_s> &control_config,
                                    int &server_pid,
                                    std::string &server_key) override;
            void stop_batch_server(int server_pid) override;
            /// The signals pushed so far, in push order, as "NAME@domain
            /// idx" (combined signals' operands included): what launch
            /// --verbose shows.
            std::vector<std::string> pushed_signals(void) const;
            /// The IOGroups it holds (built-in and plugins), by name.
            std::vector<std::string> iogroup_names(void) const;
            int num_control(void) const override;
            uint64_t num_push(int control_idx) const override;
            std::vector<int> control_operands(int control_idx) const override;
            std::tuple<std::string, int, int> control_request(int control_idx) const override;
            uint64_t num_adjust(int control_idx) const override;
            double adjusted_setting(int control_idx) const override;
        private:
            // A pushed signal or control: either an entry of one IOGroup,
            // or a combination of other pushed entries (coarser domain).
            struct Request
            {
                IOGroup *iogroup;
                int iogroup_idx;
                std::vector<int> operands;
                // Combined signal: how the operands reduce to one value,
                // and room for their values (sized once: sample() allocates
                // nothing, which matters with thousands of simulated nodes).
                std::function<double(const std::vector<double> &)> agg;
                std::vector<double> operand_values;
                // Combined control: share of the setting each operand gets.
                double factor;
            };
            using key_t = std::tuple<std::string, int, int>;

            IOGroup &signal_iogroup(const std::string &signal_name, const char *caller) const;
            IOGroup &control_iogroup(const std::string &control_name, const char *caller) const;
            void check_domain(const char *caller, int domain_type, int domain_idx) const;
            // Native-domain indices inside (domain_type, domain_idx); throws
            // when the native domain is not nested in domain_type.
            std::set<int> native_indices(const char *caller, const std::string &name,
                                         int native_domain, int domain_type, int domain_idx) const;
            // 1/n for controls whose signal aggregates by sum (a budget is
            // split), 1 otherwise (the same setting everywhere), as GEOPM.
            double control_share(IOGroup &iogroup, const std::string &control_name,
                                 size_t num_native) const;
            void add_iogroup(std::shared_ptr<IOGroup> iogroup);
            // Records that iogroup serves a pushed signal (or control) and
            // rebuilds the lists read_batch() and write_batch() walk.
            void note_pushed(const IOGroup &iogroup, bool is_control);
            void update_batch_lists(void);
            // push_control() without the ledger's entry (its own operands).
            int push_control_request(const std::string &control_name, int domain_type, int domain_idx);
            double sample_request(int signal_idx);
            void adjust_request(int control_idx, double setting);

            // First what sample(), adjust() and the batch calls touch, side
            // by side: with thousands of simulated nodes, every cache line
            // of a node counts.
            //
            // Per signal, its IOGroup and index when it is read directly
            // (nullptr when combined): a dense copy of what sample() needs.
            std::vector<std::pair<IOGroup *, int> > m_signal_direct;
            // The same dense table for adjust().
            std::vector<std::pair<IOGroup *, int> > m_control_direct;
            std::vector<IOGroup *> m_read_iogroups;
            std::vector<IOGroup *> m_write_iogroups;
            bool m_is_signal_active;
            bool m_is_control_active;
            bool m_is_saved;
            const PlatformTopo &m_topo;
            std::vector<std::shared_ptr<IOGroup> > m_iogroups;
            // Per IOGroup (same order): whether read_batch()/write_batch()
            // must reach it: an IOGroup declaring BatchOnPush only once it has
            // a push; any other IOGroup always, as in GEOPM.
            std::vector<bool> m_is_read_needed;
            std::vector<bool> m_is_write_needed;
            std::vector<Request> m_signals;
            std::vector<Request> m_controls;
            std::map<key_t, int> m_signal_index;
            std::map<key_t, int> m_control_index;
            // The ledger (ControlLedger): per control, its push_control()
            // and adjust() counts and last setting.
            std::vector<uint64_t> m_control_num_push;
            std::vector<uint64_t> m_control_num_adjust;
            std::vector<double> m_control_setting;
    };
}

#endif
