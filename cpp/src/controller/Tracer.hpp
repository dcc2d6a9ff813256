/*
 * The per-node trace (GEOPM_TRACE) in GEOPM's format (TraceFile): one row
 * per control iteration, GEOPM's columns, the GEOPM_TRACE_SIGNALS and the
 * agent's.
 */
#ifndef GEOPM_BRIDGE_TRACER_HPP_INCLUDE
#define GEOPM_BRIDGE_TRACER_HPP_INCLUDE

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "SignalRequest.hpp"
#include "TraceFile.hpp"

namespace geopm
{
    class PlatformIO;
    class PlatformTopo;
}

namespace geopm_bridge
{
    class Tracer
    {
        public:
            /// Opens "<path>-<hostname>", pushes the platform columns
            /// (call before the first read_batch()) and writes the header.
            /// agent_formats is empty (all "%.16g") or one per column.
            /// buffer_size: bytes of rows kept before they are written.
            Tracer(const std::string &path,
                   const TraceHeader &header,
                   geopm::PlatformIO &platform_io,
                   const geopm::PlatformTopo &platform_topo,
                   const std::vector<SignalRequest> &signals,
                   const std::vector<std::string> &agent_columns,
                   const std::vector<std::function<std::string(double)> > &agent_formats,
                   size_t buffer_size = M_DEFAULT_BUFFER_SIZE);
            ~Tracer();
            /// Large enough that a long run writes rarely.
            static constexpr size_t M_DEFAULT_BUFFER_SIZE = 1 << 20;
            /// One row: the platform columns, sampled now, then agent_values.
            void update(const std::vector<double> &agent_values);
            /// Number of values update() takes.
            size_t num_agent_column(void) const;
            /// Write out everything buffered; throws on a write error.
            void flush(void);
        private:
            struct Column
            {
                int signal_idx;      // -1: the value is fixed (text)
                std::string text;    // pre-formatted fixed value
                bool is_double;      // "%.16g", formatted without allocation
                std::function<std::string(double)> format;
            };
            void write_value(const Column &column, double value);

            geopm::PlatformIO &m_platform_io;
            std::unique_ptr<TraceFile> m_file;
            std::vector<Column> m_platform_columns;
            std::vector<Column> m_agent_columns;
    };
}

#endif
