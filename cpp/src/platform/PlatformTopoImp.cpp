#include "PlatformTopoImp.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm_bridge/NodeContext.hpp"

#include "GPUTopo.hpp"

namespace geopm
{
    namespace
    {
        const int NO_ID = -1;

        // (package id, core id) as the kernel reports them, per CPU index.
        struct RawCpu
        {
            int package_id = NO_ID;
            int core_id = NO_ID;
        };

        std::string join_root(const std::string &root, const std::string &path)
        {
            if (root.empty() || root == "/") {
                return path;
            }
            return (root.back() == '/' ? root.substr(0, root.size() - 1) : root) + path;
        }

        int read_int_file(const std::string &path)
        {
            std::ifstream input(path);
            int value = NO_ID;
            if (!(input >> value)) {
                return NO_ID;
            }
            return value;
        }

        // CPU indices that have a cpu<N> directory in sysfs.
        std::vector<int> sysfs_cpus(const std::string &cpu_dir)
        {
            std::vector<int> result;
            std::vector<std::string> names;
            try {
                names = list_directory_files(cpu_dir);
            }
            catch (const Exception &) {
                return result;
            }
            for (const auto &name : names) {
                if (name.size() > 3 && string_begins_with(name, "cpu") &&
                    std::all_of(name.begin() + 3, name.end(), ::isdigit)) {
                    result.push_back(std::stoi(name.substr(3)));
                }
            }
            std::sort(result.begin(), result.end());
            return result;
        }

        // "processor", "physical id" and "core id" of each /proc/cpuinfo block.
        std::map<int, RawCpu> cpuinfo_cpus(const std::string &path)
        {
            std::map<int, RawCpu> result;
            std::ifstream input(path);
            std::string line;
            int processor = NO_ID;
            while (std::getline(input, line)) {
                size_t colon = line.find(':');
                if (colon == std::string::npos) {
                    continue;
                }
                std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
                std::istringstream value(line.substr(colon + 1));
                int number = NO_ID;
                if (!(value >> number)) {
                    continue;
                }
                if (key == "processor") {
                    processor = number;
                    result[processor];
                }
                else if (processor != NO_ID && key == "physical id") {
                    result[processor].package_id = number;
                }
                else if (processor != NO_ID && key == "core id") {
                    result[processor].core_id = number;
                }
            }
            return result;
        }

        // Number packages and cores in order of first appearance by CPU
        // index, which is how lscpu (and so GEOPM) numbers them.
        void number_domains(const std::vector<RawCpu> &raw,
                            std::vector<int> &cpu_package, std::vector<int> &cpu_core)
        {
            std::map<int, int> package_index;
            std::map<std::pair<int, int>, int> core_index;
            cpu_package.clear();
            cpu_core.clear();
            for (size_t cpu = 0; cpu < raw.size(); ++cpu) {
                int package = package_index.emplace(raw[cpu].package_id,
                                                    package_index.size()).first->second;
                // A CPU without a core id is a core of its own.
                std::pair<int, int> core_key(raw[cpu].package_id,
                                             raw[cpu].core_id == NO_ID ?
                                                 -1 - static_cast<int>(cpu) : raw[cpu].core_id);
                int core = core_index.emplace(core_key, core_index.size()).first->second;
                cpu_package.push_back(package);
                cpu_core.push_back(core);
            }
        }

        bool complete(const std::vector<RawCpu> &raw)
        {
            return !raw.empty() &&
                   std::all_of(raw.begin(), raw.end(), [](const RawCpu &cpu) {
                       return cpu.package_id != NO_ID && cpu.core_id != NO_ID;
                   });
        }
    }

    // Sources, best first: sysfs topology files of every CPU; the "physical
    // id"/"core id" fields of /proc/cpuinfo; else one package with one core
    // per CPU (CPU count from sysfs, cpuinfo or the running system).
    PlatformTopoImp::PlatformTopoImp(const std::string &root)
        : PlatformTopoImp(root, geopm_bridge::make_gpu_topo)
    {
    }

    PlatformTopoImp::PlatformTopoImp(const std::string &root, const geopm_bridge::GPUTopo &gpu_topo)
        : m_num_package(0)
        , m_num_core(0)
        , m_num_gpu(0)
    {
        read_cpus(root);
        set_gpus(gpu_topo);
    }

    PlatformTopoImp::PlatformTopoImp(const std::string &root,
                                     const std::function<std::unique_ptr<geopm_bridge::GPUTopo>(int num_cpu)>
                                         &make_gpu_topo)
        : m_num_package(0)
        , m_num_core(0)
        , m_num_gpu(0)
    {
        read_cpus(root);
        set_gpus(*make_gpu_topo(num_domain(GEOPM_DOMAIN_CPU)));
    }

    void PlatformTopoImp::set_gpus(const geopm_bridge::GPUTopo &gpu_topo)
    {
        m_num_gpu = gpu_topo.num_gpu(GEOPM_DOMAIN_GPU);
        m_cpu_gpu.assign(m_cpu_package.size(), NO_ID);
        for (int gpu = 0; gpu < m_num_gpu; ++gpu) {
            for (int cpu : gpu_topo.cpu_affinity_ideal(GEOPM_DOMAIN_GPU, gpu)) {
                if (cpu >= 0 && cpu < static_cast<int>(m_cpu_gpu.size()) &&
                    m_cpu_gpu[cpu] == NO_ID) {
                    m_cpu_gpu[cpu] = gpu;
                }
            }
        }
    }

    void PlatformTopoImp::read_cpus(const std::string &root)
    {
        const std::string cpu_dir = join_root(root, "/sys/devices/system/cpu");
        std::vector<int> cpus = sysfs_cpus(cpu_dir);
        std::map<int, RawCpu> from_cpuinfo = cpuinfo_cpus(join_root(root, "/proc/cpuinfo"));
        int num_cpu = 0;
        if (!cpus.empty()) {
            num_cpu = cpus.back() + 1;
        }
        else if (!from_cpuinfo.empty()) {
            num_cpu = from_cpuinfo.rbegin()->first + 1;
        }
        else {
            num_cpu = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
        }
        std::vector<RawCpu> raw(num_cpu);
        for (int cpu = 0; cpu < num_cpu; ++cpu) {
            std::string topo = cpu_dir + "/cpu" + std::to_string(cpu) + "/topology/";
            raw[cpu].package_id = read_int_file(topo + "physical_package_id");
            raw[cpu].core_id = read_int_file(topo + "core_id");
        }
        if (!complete(raw)) {
            for (int cpu = 0; cpu < num_cpu; ++cpu) {
                auto it = from_cpuinfo.find(cpu);
                raw[cpu] = it == from_cpuinfo.end() ? RawCpu() : it->second;
            }
        }
        if (!complete(raw)) {
            for (int cpu = 0; cpu < num_cpu; ++cpu) {
                raw[cpu] = RawCpu{0, cpu};
            }
        }
        number_domains(raw, m_cpu_package, m_cpu_core);
        m_num_package = *std::max_element(m_cpu_package.begin(), m_cpu_package.end()) + 1;
        m_num_core = *std::max_element(m_cpu_core.begin(), m_cpu_core.end()) + 1;
    }

    int PlatformTopoImp::num_domain(int domain_type) const
    {
        switch (domain_type) {
            case GEOPM_DOMAIN_BOARD: return 1;
            case GEOPM_DOMAIN_PACKAGE: return m_num_package;
            case GEOPM_DOMAIN_CORE: return m_num_core;
            case GEOPM_DOMAIN_CPU: return static_cast<int>(m_cpu_package.size());
            case GEOPM_DOMAIN_MEMORY:
            case GEOPM_DOMAIN_PACKAGE_INTEGRATED_MEMORY:
            case GEOPM_DOMAIN_NIC:
            case GEOPM_DOMAIN_PACKAGE_INTEGRATED_NIC:
            case GEOPM_DOMAIN_PACKAGE_INTEGRATED_GPU:
                return 0;
            case GEOPM_DOMAIN_GPU:
            case GEOPM_DOMAIN_GPU_CHIP:
                return m_num_gpu;
            default:
                throw Exception("PlatformTopo::num_domain(): invalid domain type " +
                                std::to_string(domain_type), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }

    int PlatformTopoImp::domain_idx(int domain_type, int cpu_idx) const
    {
        int num_cpu = num_domain(GEOPM_DOMAIN_CPU);
        if (cpu_idx < 0 || cpu_idx >= num_cpu) {
            throw Exception("PlatformTopo::domain_idx(): cpu index " + std::to_string(cpu_idx) +
                            " is out of range (the node has " + std::to_string(num_cpu) + " CPUs)",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        switch (domain_type) {
            case GEOPM_DOMAIN_BOARD: return 0;
            case GEOPM_DOMAIN_PACKAGE: return m_cpu_package[cpu_idx];
            case GEOPM_DOMAIN_CORE: return m_cpu_core[cpu_idx];
            case GEOPM_DOMAIN_CPU: return cpu_idx;
            // As GEOPM: -1 for a CPU that belongs to no GPU.
            case GEOPM_DOMAIN_GPU:
            case GEOPM_DOMAIN_GPU_CHIP:
                return m_cpu_gpu[cpu_idx];
            default:
                throw Exception("PlatformTopo::domain_idx(): the node has no " +
                                domain_type_to_name(domain_type) + " domain holding CPUs",
                                GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }

    bool PlatformTopoImp::is_nested_domain(int inner_domain, int outer_domain) const
    {
        // Validates both types (throws for an unknown one).
        domain_type_to_name(inner_domain);
        domain_type_to_name(outer_domain);
        if (inner_domain == outer_domain || outer_domain == GEOPM_DOMAIN_BOARD) {
            return true;
        }
        switch (outer_domain) {
            case GEOPM_DOMAIN_PACKAGE:
                return inner_domain == GEOPM_DOMAIN_CORE ||
                       inner_domain == GEOPM_DOMAIN_CPU ||
                       inner_domain == GEOPM_DOMAIN_PACKAGE_INTEGRATED_MEMORY ||
                       inner_domain == GEOPM_DOMAIN_PACKAGE_INTEGRATED_NIC ||
                       inner_domain == GEOPM_DOMAIN_PACKAGE_INTEGRATED_GPU;
            case GEOPM_DOMAIN_CORE:
            case GEOPM_DOMAIN_MEMORY:
            case GEOPM_DOMAIN_GPU_CHIP:
                return inner_domain == GEOPM_DOMAIN_CPU;
            case GEOPM_DOMAIN_GPU:
                return inner_domain == GEOPM_DOMAIN_CPU || inner_domain == GEOPM_DOMAIN_GPU_CHIP;
            default:
                return false;
        }
    }

    std::set<int> PlatformTopoImp::domain_nested(int inner_domain, int outer_domain, int outer_idx) const
    {
        if (!is_nested_domain(inner_domain, outer_domain)) {
            throw Exception("PlatformTopo::domain_nested(): " + domain_type_to_name(inner_domain) +
                            " is not nested in " + domain_type_to_name(outer_domain),
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        int num_outer = num_domain(outer_domain);
        if (outer_idx < 0 || outer_idx >= num_outer) {
            throw Exception("PlatformTopo::domain_nested(): " + domain_type_to_name(outer_domain) +
                            " index " + std::to_string(outer_idx) + " is out of range (the node has " +
                            std::to_string(num_outer) + ")", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        std::set<int> result;
        if (num_domain(inner_domain) == 0) {
            return result;
        }
        // GPUs and their chips (one per GPU) exist with or without CPUs
        // of their own: not found through the CPUs.
        if (inner_domain == GEOPM_DOMAIN_GPU || inner_domain == GEOPM_DOMAIN_GPU_CHIP) {
            if (outer_domain == GEOPM_DOMAIN_BOARD) {
                for (int gpu = 0; gpu < m_num_gpu; ++gpu) {
                    result.insert(gpu);
                }
            }
            else {
                result.insert(outer_idx);
            }
            return result;
        }
        for (int cpu = 0; cpu < num_domain(GEOPM_DOMAIN_CPU); ++cpu) {
            if (domain_idx(outer_domain, cpu) == outer_idx &&
                domain_idx(inner_domain, cpu) != NO_ID) {
                result.insert(domain_idx(inner_domain, cpu));
            }
        }
        return result;
    }

    namespace
    {
        // Indexed by geopm_domain_e.
        const char *const DOMAIN_NAMES[GEOPM_NUM_DOMAIN] = {
            "board", "package", "core", "cpu", "memory", "package_integrated_memory",
            "nic", "package_integrated_nic", "gpu", "package_integrated_gpu", "gpu_chip",
        };
    }

    std::vector<std::string> PlatformTopo::domain_names(void)
    {
        return std::vector<std::string>(std::begin(DOMAIN_NAMES), std::end(DOMAIN_NAMES));
    }

    std::map<std::string, int> PlatformTopo::domain_types(void)
    {
        std::map<std::string, int> result;
        for (int type = 0; type < GEOPM_NUM_DOMAIN; ++type) {
            result[DOMAIN_NAMES[type]] = type;
        }
        return result;
    }

    std::string PlatformTopo::domain_type_to_name(int domain_type)
    {
        if (domain_type < 0 || domain_type >= GEOPM_NUM_DOMAIN) {
            throw Exception("PlatformTopo::domain_type_to_name(): unknown domain type " +
                            std::to_string(domain_type), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return DOMAIN_NAMES[domain_type];
    }

    int PlatformTopo::domain_name_to_type(const std::string &domain_name)
    {
        for (int type = 0; type < GEOPM_NUM_DOMAIN; ++type) {
            if (domain_name == DOMAIN_NAMES[type]) {
                return type;
            }
        }
        throw Exception("PlatformTopo::domain_name_to_type(): unknown domain name \"" +
                        domain_name + "\"", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }

    void PlatformTopo::create_cache(void)
    {
        platform_topo();
    }

    const PlatformTopo &platform_topo(void)
    {
        return geopm_bridge::current_node().platform_topo();
    }
}
