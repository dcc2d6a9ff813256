/*
 * Signals and controls of one node, gathered from every IOGroup. Agents
 * push what they need in init(), then read_batch()/sample() and
 * adjust()/write_batch() once per control period.
 */
#ifndef PLATFORMIO_HPP_INCLUDE
#define PLATFORMIO_HPP_INCLUDE

#include <climits>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "geopm_pio.h"
#include "geopm_public.h"

/// One signal or control request for a batch server.
struct GEOPM_PUBLIC geopm_request_s {
    int domain_type;
    int domain_idx;
    char name[NAME_MAX];
};

namespace geopm
{
    class IOGroup;
    class ProfileIOGroup;

    class GEOPM_PUBLIC PlatformIO
    {
        public:
            PlatformIO() = default;
            virtual ~PlatformIO() = default;
            /// Add an IOGroup; its names take precedence over earlier ones.
            virtual void register_iogroup(std::shared_ptr<IOGroup> iogroup) = 0;
            /// All signal names (sorted).
            virtual std::set<std::string> signal_names(void) const = 0;
            /// All control names (sorted).
            virtual std::set<std::string> control_names(void) const = 0;
            /// Native domain of a signal.
            virtual int signal_domain_type(const std::string &signal_name) const = 0;
            /// Native domain of a control.
            virtual int control_domain_type(const std::string &control_name) const = 0;
            /// Add a signal to the batch and return its index for sample().
            /// The same request returns the same index. A domain coarser
            /// than the native one aggregates with agg_function(). Throws
            /// once read_batch() or adjust() has been called.
            virtual int push_signal(const std::string &signal_name,
                                    int domain_type,
                                    int domain_idx) = 0;
            /// Add a control to the batch and return its index for adjust();
            /// a coarser domain than native writes every nested domain.
            virtual int push_control(const std::string &control_name,
                                     int domain_type,
                                     int domain_idx) = 0;
            /// Value of a pushed signal as of the last read_batch().
            virtual double sample(int signal_idx) = 0;
            /// Stage a setting for a pushed control until write_batch().
            virtual void adjust(int control_idx,
                                double setting) = 0;
            /// Read every pushed signal.
            virtual void read_batch(void) = 0;
            /// Write every adjusted control.
            virtual void write_batch(void) = 0;
            /// Read one signal now, outside the batch.
            virtual double read_signal(const std::string &signal_name,
                                       int domain_type,
                                       int domain_idx) = 0;
            /// Write one control now, outside the batch.
            virtual void write_control(const std::string &control_name,
                                       int domain_type,
                                       int domain_idx,
                                       double setting) = 0;
            /// Remember the current value of every control (in memory).
            virtual void save_control(void) = 0;
            /// Write back what save_control() remembered.
            virtual void restore_control(void) = 0;
            /// How a signal combines over domains (an Agg function).
            virtual std::function<double(const std::vector<double> &)> agg_function(const std::string &signal_name) const = 0;
            /// How a signal is printed.
            virtual std::function<std::string(double)> format_function(const std::string &signal_name) const = 0;
            virtual std::string signal_description(const std::string &signal_name) const = 0;
            virtual std::string control_description(const std::string &control_name) const = 0;
            /// An IOGroup::m_signal_behavior_e value.
            virtual int signal_behavior(const std::string &signal_name) const = 0;
            /// Save every IOGroup's controls to files in save_dir.
            virtual void save_control(const std::string &save_dir) = 0;
            /// Restore controls from the files written by save_control(dir).
            virtual void restore_control(const std::string &save_dir) = 0;
            /// Not provided by the embedded runtime (GEOPM_ERROR_NOT_IMPLEMENTED).
            virtual void start_batch_server(int client_pid,
                                            const std::vector<geopm_request_s> &signal_config,
                                            const std::vector<geopm_request_s> &control_config,
                                            int &server_pid,
                                            std::string &server_key) = 0;
            /// Not provided by the embedded runtime (GEOPM_ERROR_NOT_IMPLEMENTED).
            virtual void stop_batch_server(int server_pid) = 0;

            /// False for NaN: the value of a signal that could not be read.
            static bool is_valid_value(double value);
    };

    /// The PlatformIO of the current node (see geopm_bridge::current_node()).
    PlatformIO GEOPM_PUBLIC &
        platform_io(void);
}

#endif
