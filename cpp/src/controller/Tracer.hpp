/*
 * The per-node trace (GEOPM_TRACE): '#' header lines, a '|'-separated
 * header row, one row per control iteration, in GEOPM's format. Rows are
 * formatted into a large stdio buffer and reach the file when it fills
 * and at flush().
 */
#ifndef GEOPM_BRIDGE_TRACER_HPP_INCLUDE
#define GEOPM_BRIDGE_TRACER_HPP_INCLUDE

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "SignalRequest.hpp"

namespace geopm
{
    class PlatformIO;
    class PlatformTopo;
}

namespace geopm_bridge
{
    struct TraceHeader
    {
        std::string start_time;
        std::string profile;
        std::string hostname;
        std::string agent;
    };

    class Tracer
    {
        public:
            /// Opens "<path>-<hostname>", pushes the platform columns
            /// (call before the first read_batch()) and writes the header.
            /// agent_formats is empty (all "%.16g") or one per column.
            Tracer(const std::string &path,
                   const TraceHeader &header,
                   geopm::PlatformIO &platform_io,
                   const geopm::PlatformTopo &platform_topo,
                   const std::vector<SignalRequest> &signals,
                   const std::vector<std::string> &agent_columns,
                   const std::vector<std::function<std::string(double)> > &agent_formats);
            ~Tracer();
            Tracer(const Tracer &other) = delete;
            Tracer &operator=(const Tracer &other) = delete;
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
            std::string m_path;
            FILE *m_file;
            std::vector<char> m_buffer;
            std::vector<Column> m_platform_columns;
            std::vector<Column> m_agent_columns;
    };
}

#endif
