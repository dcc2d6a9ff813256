/*
 * ScratchIOGroup: an IOGroup plugin written the way a GEOPM 3.1 user writes
 * one. It offers
 *   SCRATCH::UPTIME      (board)  seconds since boot, from /proc/uptime
 *   SCRATCH::READ_COUNT  (board)  read_batch() calls that read something
 *   SCRATCH::REGISTER    (cpu)    a value per CPU, also a control
 * Build: g++ -std=c++17 -shared -fPIC -I<include> ScratchIOGroup.cpp
 *        -L<lib> -lgeopmd -o libgeopmiogroup_scratch.so.2.1.0
 */
#ifndef SCRATCHIOGROUP_HPP_INCLUDE
#define SCRATCHIOGROUP_HPP_INCLUDE

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "geopm/IOGroup.hpp"

namespace geopm
{
    class PlatformTopo;
}

class ScratchIOGroup : public geopm::IOGroup
{
    public:
        ScratchIOGroup();
        virtual ~ScratchIOGroup() = default;
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
        double sample(int batch_idx) override;
        void adjust(int batch_idx, double setting) override;
        double read_signal(const std::string &signal_name, int domain_type, int domain_idx) override;
        void write_control(const std::string &control_name, int domain_type, int domain_idx,
                           double setting) override;
        void save_control(void) override;
        void restore_control(void) override;
        void save_control(const std::string &save_path) override;
        void restore_control(const std::string &save_path) override;
        std::function<double(const std::vector<double> &)> agg_function(const std::string &signal_name) const override;
        std::string signal_description(const std::string &signal_name) const override;
        std::string control_description(const std::string &control_name) const override;
        int signal_behavior(const std::string &signal_name) const override;
        std::string name(void) const override;

        static std::string plugin_name(void);
        static std::unique_ptr<geopm::IOGroup> make_plugin(void);
    private:
        enum m_signal_e {
            M_SIGNAL_UPTIME,
            M_SIGNAL_READ_COUNT,
            M_SIGNAL_REGISTER,
            M_NUM_SIGNAL
        };
        // Index into m_signal_e, or -1 for an unknown name.
        int signal_type(const std::string &signal_name) const;
        void check_request(int signal, int domain_type, int domain_idx) const;
        double current_value(int signal, int domain_idx) const;
        std::string save_file(const std::string &save_path) const;
        static double read_uptime(void);

        const geopm::PlatformTopo &m_topo;
        std::vector<double> m_register;
        std::vector<double> m_saved_register;
        double m_read_count;
        double m_uptime;
        bool m_is_batch_read;
        std::vector<std::pair<int, int> > m_pushed_signal;  // (signal, domain index)
        std::vector<double> m_pushed_value;
        std::vector<int> m_pushed_control;                   // CPU index
        std::vector<double> m_control_setting;
        std::vector<bool> m_is_adjusted;
};

#endif
