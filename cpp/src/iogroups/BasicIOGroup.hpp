/*
 * Shared machinery of the built-in IOGroups: a table of named quantities,
 * each at one native domain, plus batching, descriptions and save/restore.
 */
#ifndef GEOPM_BRIDGE_BASICIOGROUP_HPP_INCLUDE
#define GEOPM_BRIDGE_BASICIOGROUP_HPP_INCLUDE

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "geopm/Helper.hpp"
#include "geopm/IOGroup.hpp"
#include "geopm_bridge/BatchOnPush.hpp"

namespace geopm
{
    class PlatformTopo;
    class SaveControl;
}

namespace geopm_bridge
{
    /// Where a host file (an absolute sysfs or procfs path) is read on this
    /// node: under the node's "sysfs_root" option (else
    /// GEOPM_BRIDGE_SYSFS_ROOT, else "/"), so tests can use a fake tree.
    std::string host_path(const std::string &path);

    /// Read a host file that holds one number; NaN when the text is not a
    /// number (sysfs shows e.g. "<unsupported>"). Throws when unreadable.
    double read_host_number(const std::string &path);

    /// Base of the built-in IOGroups. A subclass lists its quantities with
    /// add_signal()/add_control()/add_alias(), each tagged with an id of its
    /// own, and implements read_value() (and write_value() if it has
    /// controls). This class does name lookup, domain and index checks,
    /// push/sample/adjust bookkeeping, descriptions and save/restore. Its
    /// batch calls touch only what was pushed (BatchOnPush).
    class BasicIOGroup : public geopm::IOGroup, public BatchOnPush
    {
        public:
            virtual ~BasicIOGroup();
            std::set<std::string> signal_names(void) const override;
            std::set<std::string> control_names(void) const override;
            bool is_valid_signal(const std::string &signal_name) const override;
            bool is_valid_control(const std::string &control_name) const override;
            int signal_domain_type(const std::string &signal_name) const override;
            int control_domain_type(const std::string &control_name) const override;
            int push_signal(const std::string &signal_name, int domain_type, int domain_idx) override;
            int push_control(const std::string &control_name, int domain_type, int domain_idx) override;
            void read_batch(void) override;
            void write_batch(void) override;
            double sample(int sample_idx) override;
            void adjust(int control_idx, double setting) override;
            double read_signal(const std::string &signal_name, int domain_type, int domain_idx) override;
            void write_control(const std::string &control_name, int domain_type, int domain_idx,
                               double setting) override;
            void save_control(void) override;
            void restore_control(void) override;
            void save_control(const std::string &save_path) override;
            void restore_control(const std::string &save_path) override;
            std::function<double(const std::vector<double> &)> agg_function(const std::string &signal_name) const override;
            std::function<std::string(double)> format_function(const std::string &signal_name) const override;
            std::string signal_description(const std::string &signal_name) const override;
            std::string control_description(const std::string &control_name) const override;
            int signal_behavior(const std::string &signal_name) const override;
            std::string name(void) const override;
        protected:
            /// How one quantity looks to PlatformIO.
            struct info_s {
                int id;          // the subclass's own tag, given to read_value()/write_value()
                int domain;      // native domain (GEOPM_DOMAIN_*)
                m_units_e units;
                std::function<double(const std::vector<double> &)> agg;
                m_signal_behavior_e behavior;
                std::string description;
                std::string (*format)(double) = geopm::string_format_double;
            };

            /// name: the IOGroup name, prefix of its low-level names
            /// ("NAME::..."). Takes the current node's platform_topo().
            explicit BasicIOGroup(const std::string &name);
            /// A read-only quantity.
            void add_signal(const std::string &name, const info_s &info);
            /// A writable quantity; it can be read back as a signal too,
            /// which save_control() relies on.
            void add_control(const std::string &name, const info_s &info);
            /// A second name for a signal and/or control added before.
            void add_alias(const std::string &alias, const std::string &name);

            /// Called once before the values of a read_batch() or a
            /// read_signal() are taken: snapshot state shared by many values.
            virtual void refresh(void);
            /// The current value of quantity id at native domain index
            /// domain_idx (in SI units), as part of read_batch().
            virtual double read_value(int id, int domain_idx) = 0;
            /// Same for read_signal(); differs only for rates that need two
            /// readings (the batch uses the previous batch as the first).
            virtual double read_value_now(int id, int domain_idx);
            /// Apply a setting of control id at native domain index
            /// domain_idx. The default throws: override if you add controls.
            virtual void write_value(int id, int domain_idx, double setting);

            const geopm::PlatformTopo &m_topo;
        private:
            struct entry_s {
                info_s info;
                bool is_signal;
                bool is_control;
                std::string alias_for;
            };
            const entry_s &entry(const std::string &method, const std::string &name,
                                 bool want_control) const;
            const entry_s &checked_entry(const std::string &method, const std::string &name,
                                         bool want_control, int domain_type,
                                         int domain_idx) const;
            [[noreturn]] void fail(const std::string &method, const std::string &what) const;
            std::string describe(const entry_s &ent, bool with_agg) const;

            // What the batch touches, one record per pushed entry (with
            // thousands of simulated nodes, fewer cache lines per node).
            struct pushed_signal_s {
                int id;
                int domain_idx;
                double value;      // from the last read_batch()
            };
            struct pushed_control_s {
                int id;
                int domain_idx;
                double setting;    // the last adjust()
                bool is_adjusted;  // since the last write_batch()
            };
            // First (after the vtable and m_topo) what the batch touches.
            bool m_is_batch_read;
            std::vector<pushed_signal_s> m_pushed_signal;
            std::vector<pushed_control_s> m_pushed_control;
            const std::string m_name;
            std::map<std::string, entry_s> m_entries;
            std::unique_ptr<geopm::SaveControl> m_saved;
            // (id, native domain index) of each control written since
            // save_control(): restore_control() writes back only these.
            std::set<std::pair<int, int> > m_written;
    };
}

#endif
