#include "Tracer.hpp"

#include <cstdio>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_hash.h"
#include "geopm_hint.h"
#include "geopm_topo.h"

namespace geopm_bridge
{
    namespace
    {
        // GEOPM's leading columns. The application is not instrumented, so
        // where no IOGroup provides the region and epoch signals the trace
        // shows what GEOPM shows for code outside any marked region.
        struct DefaultColumn
        {
            const char *name;
            bool has_fallback;
            double fallback;
            std::string (*fallback_format)(double);
        };
        const DefaultColumn M_DEFAULT_COLUMNS[] = {
            {"TIME", false, 0.0, nullptr},
            {"EPOCH_COUNT", true, 0.0, geopm::string_format_integer},
            {"REGION_HASH", true, (double)GEOPM_REGION_HASH_UNMARKED, geopm::string_format_hex},
            {"REGION_HINT", true, (double)GEOPM_REGION_HINT_UNSET, geopm::string_format_hex},
            {"REGION_PROGRESS", true, 0.0, geopm::string_format_float},
            {"CPU_ENERGY", false, 0.0, nullptr},
            {"DRAM_ENERGY", false, 0.0, nullptr},
            {"CPU_POWER", false, 0.0, nullptr},
            {"DRAM_POWER", false, 0.0, nullptr},
            {"CPU_FREQUENCY_STATUS", false, 0.0, nullptr},
            {"CPU_CYCLES_THREAD", false, 0.0, nullptr},
            {"CPU_CYCLES_REFERENCE", false, 0.0, nullptr},
            {"CPU_CORE_TEMPERATURE", false, 0.0, nullptr},
        };

        bool is_double_format(const std::function<std::string(double)> &format)
        {
            auto target = format.target<std::string (*)(double)>();
            return target != nullptr && *target == &geopm::string_format_double;
        }
    }

    Tracer::Tracer(const std::string &path,
                   const TraceHeader &header,
                   geopm::PlatformIO &platform_io,
                   const geopm::PlatformTopo &platform_topo,
                   const std::vector<SignalRequest> &signals,
                   const std::vector<std::string> &agent_columns,
                   const std::vector<std::function<std::string(double)> > &agent_formats,
                   size_t buffer_size)
        : m_platform_io(platform_io)
    {
        if (!agent_formats.empty() && agent_formats.size() != agent_columns.size()) {
            throw geopm::Exception("agent \"" + header.agent + "\": trace_formats() gives " +
                                   std::to_string(agent_formats.size()) + " formats for " +
                                   std::to_string(agent_columns.size()) + " trace_names()",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        std::string row;
        auto add = [&row](std::vector<Column> &columns, const std::string &name, int signal_idx,
                          const std::function<std::string(double)> &format) {
            row += (row.empty() ? "" : "|") + name;
            columns.push_back({signal_idx, "", is_double_format(format), format});
        };
        auto all_names = platform_io.signal_names();
        for (const auto &column : M_DEFAULT_COLUMNS) {
            if (all_names.count(column.name) != 0) {
                add(m_platform_columns, column.name,
                    platform_io.push_signal(column.name, GEOPM_DOMAIN_BOARD, 0),
                    platform_io.format_function(column.name));
            }
            else if (column.has_fallback) {
                add(m_platform_columns, column.name, -1, nullptr);
                m_platform_columns.back().text = column.fallback_format(column.fallback);
            }
        }
        for (const auto &signal : signals) {
            int num_domain = platform_topo.num_domain(signal.domain_type);
            for (int idx = 0; idx < num_domain; ++idx) {
                std::string name = signal.name;
                if (signal.domain_type != GEOPM_DOMAIN_BOARD) {
                    name += "-" + geopm::PlatformTopo::domain_type_to_name(signal.domain_type) +
                            "-" + std::to_string(idx);
                }
                add(m_platform_columns, name,
                    platform_io.push_signal(signal.name, signal.domain_type, idx),
                    platform_io.format_function(signal.name));
            }
        }
        for (size_t idx = 0; idx < agent_columns.size(); ++idx) {
            add(m_agent_columns, agent_columns[idx], -1,
                agent_formats.empty() ? geopm::string_format_double : agent_formats[idx]);
        }

        m_file = std::make_unique<TraceFile>(path, header, row, buffer_size);
    }

    Tracer::~Tracer() = default;

    void Tracer::write_value(const Column &column, double value)
    {
        std::string &buffer = m_file->buffer();
        if (column.is_double) {
            char text[32];
            int size = snprintf(text, sizeof(text), "%.16g", value);
            buffer.append(text, size);
        }
        else {
            buffer += column.format(value);
        }
    }

    void Tracer::update(const std::vector<double> &agent_values)
    {
        std::string &buffer = m_file->buffer();
        bool is_first = true;
        for (const auto &column : m_platform_columns) {
            if (!is_first) {
                buffer += '|';
            }
            is_first = false;
            if (column.signal_idx == -1) {
                buffer += column.text;
            }
            else {
                write_value(column, m_platform_io.sample(column.signal_idx));
            }
        }
        for (size_t idx = 0; idx < m_agent_columns.size(); ++idx) {
            if (!is_first) {
                buffer += '|';
            }
            is_first = false;
            write_value(m_agent_columns[idx], agent_values[idx]);
        }
        buffer += '\n';
        m_file->row_done();
    }

    size_t Tracer::num_agent_column(void) const
    {
        return m_agent_columns.size();
    }

    void Tracer::flush(void)
    {
        m_file->flush();
    }
}
