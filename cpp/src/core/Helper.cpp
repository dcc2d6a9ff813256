#include "geopm/Helper.hpp"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits.h>
#include <sstream>

#include "geopm/Exception.hpp"
#include "geopm_field.h"

namespace geopm
{
    namespace
    {
        template <class... Args>
        std::string format(const char *fmt, Args... args)
        {
            char buffer[64];
            snprintf(buffer, sizeof(buffer), fmt, args...);
            return buffer;
        }

        struct stat stat_proc(int pid)
        {
            struct stat result;
            std::string path = "/proc/" + std::to_string(pid);
            if (stat(path.c_str(), &result) != 0) {
                throw Exception("cannot stat " + path, errno ? errno : GEOPM_ERROR_RUNTIME,
                                __FILE__, __LINE__);
            }
            return result;
        }
    }

    std::string read_file(const std::string &path)
    {
        std::ifstream input(path);
        if (!input.is_open()) {
            throw Exception("read_file(): cannot open \"" + path + "\": " + strerror(errno),
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        std::ostringstream contents;
        contents << input.rdbuf();
        if (input.bad()) {
            throw Exception("read_file(): cannot read \"" + path + "\"",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return contents.str();
    }

    double read_double_from_file(const std::string &path, const std::string &expected_units)
    {
        std::string contents = read_file(path);
        std::istringstream stream(contents);
        double value = NAN;
        std::string units;
        std::string extra;
        stream >> value;
        if (stream.fail()) {
            throw Exception("read_double_from_file(): no number in \"" + path + "\"",
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        stream >> units >> extra;
        if (units != expected_units || !extra.empty()) {
            throw Exception("read_double_from_file(): unexpected format in \"" + path +
                            "\" (expected units \"" + expected_units + "\")",
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        return value;
    }

    void write_file(const std::string &path, const std::string &contents)
    {
        std::ofstream output(path);
        if (!output.is_open()) {
            throw Exception("write_file(): cannot open \"" + path + "\" for writing: " +
                            strerror(errno), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        output << contents;
        output.flush();
        if (!output.good()) {
            throw Exception("write_file(): cannot write \"" + path + "\"",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }

    std::vector<std::string> string_split(const std::string &str, const std::string &delim)
    {
        if (delim.empty()) {
            throw Exception("string_split(): empty delimiter",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        std::vector<std::string> pieces;
        if (str.empty()) {
            return pieces;
        }
        size_t begin = 0;
        size_t end = str.find(delim);
        while (end != std::string::npos) {
            pieces.push_back(str.substr(begin, end - begin));
            begin = end + delim.size();
            end = str.find(delim, begin);
        }
        pieces.push_back(str.substr(begin));
        return pieces;
    }

    std::string string_join(const std::vector<std::string> &string_list, const std::string &delim)
    {
        std::string result;
        for (size_t idx = 0; idx < string_list.size(); ++idx) {
            if (idx != 0) {
                result += delim;
            }
            result += string_list[idx];
        }
        return result;
    }

    std::string hostname(void)
    {
        char name[HOST_NAME_MAX + 1] = {};
        if (gethostname(name, HOST_NAME_MAX) != 0) {
            throw Exception("hostname(): gethostname() failed", errno, __FILE__, __LINE__);
        }
        return name;
    }

    std::vector<std::string> list_directory_files(const std::string &path)
    {
        DIR *dir = opendir(path.c_str());
        if (dir == nullptr) {
            throw Exception("list_directory_files(): cannot open directory \"" + path + "\": " +
                            strerror(errno), GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        std::vector<std::string> names;
        for (struct dirent *entry = readdir(dir); entry != nullptr; entry = readdir(dir)) {
            names.emplace_back(entry->d_name);
        }
        closedir(dir);
        return names;
    }

    bool string_begins_with(const std::string &str, const std::string &key)
    {
        return str.compare(0, key.size(), key) == 0;
    }

    bool string_ends_with(std::string str, std::string key)
    {
        return str.size() >= key.size() &&
               str.compare(str.size() - key.size(), key.size(), key) == 0;
    }

    std::string string_format_double(double signal)
    {
        return format("%.16g", signal);
    }

    std::string string_format_float(double signal)
    {
        return format("%g", signal);
    }

    std::string string_format_integer(double signal)
    {
        if (std::isnan(signal)) {
            return format("%g", signal);
        }
        return format("%lld", static_cast<long long>(signal));
    }

    std::string string_format_hex(double signal)
    {
        if (std::isnan(signal)) {
            return "NAN";
        }
        return format("0x%08" PRIx64, static_cast<uint64_t>(signal));
    }

    std::string string_format_raw64(double signal)
    {
        return format("0x%016" PRIx64, geopm_signal_to_field(signal));
    }

    namespace
    {
        using format_ptr_t = std::string (*)(double);

        struct FormatEntry
        {
            int type;
            const char *name;
            format_ptr_t func;
        };

        const FormatEntry FORMATS[] = {
            {STRING_FORMAT_DOUBLE, "double", string_format_double},
            {STRING_FORMAT_INTEGER, "integer", string_format_integer},
            {STRING_FORMAT_HEX, "hex", string_format_hex},
            {STRING_FORMAT_RAW64, "raw64", string_format_raw64},
        };
    }

    std::function<std::string(double)> string_format_type_to_function(int format_type)
    {
        for (const auto &entry : FORMATS) {
            if (entry.type == format_type) {
                return entry.func;
            }
        }
        throw Exception("string_format_type_to_function(): format type out of range: " +
                        std::to_string(format_type), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }

    std::function<std::string(double)> string_format_name_to_function(const std::string &format_name)
    {
        for (const auto &entry : FORMATS) {
            if (format_name == entry.name) {
                return entry.func;
            }
        }
        throw Exception("string_format_name_to_function(): unknown format name: \"" +
                        format_name + "\"", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }

    int string_format_function_to_type(std::function<std::string(double)> format_function)
    {
        const format_ptr_t *target = format_function.target<format_ptr_t>();
        for (const auto &entry : FORMATS) {
            if (target != nullptr && *target == entry.func) {
                return entry.type;
            }
        }
        throw Exception("string_format_function_to_type(): not a geopm string_format function",
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }

    std::string get_env(const std::string &name)
    {
        const char *value = getenv(name.c_str());
        return value == nullptr ? "" : value;
    }

    unsigned int pid_to_uid(const int pid)
    {
        return stat_proc(pid).st_uid;
    }

    unsigned int pid_to_gid(const int pid)
    {
        return stat_proc(pid).st_gid;
    }

    std::unique_ptr<cpu_set_t, std::function<void(cpu_set_t *)> >
        make_cpu_set(int num_cpu, const std::set<int> &cpu_enabled)
    {
        // Never smaller than the glibc default so CPU_* macros on it are safe.
        num_cpu = std::max(num_cpu, 128);
        std::unique_ptr<cpu_set_t, std::function<void(cpu_set_t *)> > result(
            CPU_ALLOC(num_cpu), [](cpu_set_t *ptr) { CPU_FREE(ptr); });
        size_t set_size = CPU_ALLOC_SIZE(num_cpu);
        CPU_ZERO_S(set_size, result.get());
        for (int cpu_idx : cpu_enabled) {
            if (cpu_idx >= 0 && cpu_idx < num_cpu) {
                CPU_SET_S(cpu_idx, set_size, result.get());
            }
        }
        return result;
    }

    bool has_cap_sys_admin(void)
    {
        return has_cap_sys_admin(getpid());
    }

    bool has_cap_sys_admin(int pid)
    {
        struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, pid};
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
        if (syscall(SYS_capget, &header, data) != 0) {
            throw Exception("has_cap_sys_admin(): capget() failed for pid " + std::to_string(pid),
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        return (data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN)) != 0;
    }

    DeprecationWarning::DeprecationWarning(const std::string &function, const std::string &message)
    {
        std::cerr << "Warning: <geopm> " << function << " is deprecated: " << message << std::endl;
    }
}
