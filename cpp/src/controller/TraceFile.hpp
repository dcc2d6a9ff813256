/*
 * A trace file in GEOPM's format: '#' header lines, a '|'-separated row of
 * column names, then rows. Rows are built in a memory buffer and appended
 * to the file when it fills and at flush(); the file is open only while it
 * is written, so that a process simulating thousands of nodes holds no
 * descriptor per node. The per-node trace (Tracer) and the profile trace
 * (ProfileTracer) both write one.
 */
#ifndef GEOPM_BRIDGE_TRACEFILE_HPP_INCLUDE
#define GEOPM_BRIDGE_TRACEFILE_HPP_INCLUDE

#include <cstddef>
#include <string>

namespace geopm_bridge
{
    struct TraceHeader
    {
        std::string start_time;
        std::string profile;
        std::string hostname;
        std::string agent;
    };

    class TraceFile
    {
        public:
            /// Starts "<path>-<hostname>" with the header and the column
            /// row; throws now, before the run, if it cannot be written.
            /// buffer_size: bytes of rows kept before they are written.
            TraceFile(const std::string &path, const TraceHeader &header,
                      const std::string &column_row, size_t buffer_size);
            /// Where a row is appended, ending with '\n'; then row_done().
            std::string &buffer(void);
            void row_done(void);
            /// Write out everything buffered; throws on a write error.
            void flush(void);
        private:
            /// Append the buffer to the file ("w": start it) and empty it.
            void write_out(const char *mode);

            std::string m_path;
            size_t m_buffer_size;
            std::string m_buffer;
    };
}

#endif
