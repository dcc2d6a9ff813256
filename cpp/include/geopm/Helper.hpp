/*
 * Small helpers shared by the runtime and by plugins: files, strings,
 * number formatting.
 */
#ifndef HELPER_HPP_INCLUDE
#define HELPER_HPP_INCLUDE

#include <sched.h>
#include <stdint.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "geopm_public.h"

namespace geopm
{
    /// Kept for plugins written before C++14.
    template <class Type, class ...Args>
    std::unique_ptr<Type> make_unique(Args &&...args)
    {
        return std::unique_ptr<Type>(new Type(std::forward<Args>(args)...));
    }

    /// Whole file contents; throws GEOPM_ERROR_INVALID naming the path.
    std::string GEOPM_PUBLIC
        read_file(const std::string &path);

    /// A number from a sysfs-style file holding "<value>[ <units>]";
    /// throws if the units differ from expected_units (when given).
    double GEOPM_PUBLIC
        read_double_from_file(const std::string &path, const std::string &expected_units);

    /// Replace the file contents; throws GEOPM_ERROR_INVALID naming the path.
    void GEOPM_PUBLIC
        write_file(const std::string &path, const std::string &contents);

    /// Split on every occurrence of delim: "a,,b" gives {"a", "", "b"},
    /// "" gives {}; an empty delim throws.
    std::vector<std::string> GEOPM_PUBLIC
        string_split(const std::string &str, const std::string &delim);

    std::string GEOPM_PUBLIC
        string_join(const std::vector<std::string> &string_list, const std::string &delim);

    /// This host's name.
    std::string GEOPM_PUBLIC
        hostname(void);

    /// Names of the entries in a directory (unsorted); an unreadable
    /// directory throws GEOPM_ERROR_RUNTIME naming it.
    std::vector<std::string> GEOPM_PUBLIC
        list_directory_files(const std::string &path);

    bool GEOPM_PUBLIC
        string_begins_with(const std::string &str, const std::string &key);

    bool GEOPM_PUBLIC
        string_ends_with(std::string str, std::string key);

    enum string_format_e {
        STRING_FORMAT_DOUBLE,
        STRING_FORMAT_INTEGER,
        STRING_FORMAT_HEX,
        STRING_FORMAT_RAW64,
    };
    std::function<std::string(double)> GEOPM_PUBLIC
        string_format_type_to_function(int format_type);
    /// "double", "integer", "hex", "raw64".
    std::function<std::string(double)> GEOPM_PUBLIC
        string_format_name_to_function(const std::string &format_name);
    int GEOPM_PUBLIC
        string_format_function_to_type(std::function<std::string(double)> format_function);
    /// Shortest text that reads back as the same double ("%.16g").
    std::string GEOPM_PUBLIC
        string_format_double(double signal);

    /// Single precision text ("%g").
    std::string GEOPM_PUBLIC
        string_format_float(double signal);

    /// The value truncated to an integer ("nan" for NaN).
    std::string GEOPM_PUBLIC
        string_format_integer(double signal);

    /// The value taken as an unsigned integer, in hex with at least 8
    /// digits ("NAN" for NaN).
    std::string GEOPM_PUBLIC
        string_format_hex(double signal);

    /// 0x followed by the 16 hex digits of the double's bit pattern.
    std::string GEOPM_PUBLIC
        string_format_raw64(double signal);

    static constexpr int hardware_destructive_interference_size = 64;

    /// The variable's value, or "" when unset.
    std::string GEOPM_PUBLIC
        get_env(const std::string &name);

    /// Owner user and group of a process (of its /proc entry).
    unsigned int GEOPM_PUBLIC
        pid_to_uid(const int pid);

    unsigned int GEOPM_PUBLIC
        pid_to_gid(const int pid);

    /// A heap cpu_set_t sized for num_cpu with the given CPUs set.
    std::unique_ptr<cpu_set_t, std::function<void(cpu_set_t *)> > GEOPM_PUBLIC
        make_cpu_set(int num_cpu, const std::set<int> &cpu_enabled);

    /// Whether this process (or process pid) has CAP_SYS_ADMIN.
    bool GEOPM_PUBLIC
        has_cap_sys_admin(void);

    bool GEOPM_PUBLIC
        has_cap_sys_admin(int pid);

    /// Prints a one-line deprecation warning to stderr.
    class GEOPM_PUBLIC DeprecationWarning
    {
        public:
            DeprecationWarning() = delete;
            DeprecationWarning(const std::string &function, const std::string &message);
            virtual ~DeprecationWarning() = default;
    };
}

#endif
