#include "TraceFile.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "geopm/Exception.hpp"
#include "geopm_version.h"

#include "Format.hpp"

namespace geopm_bridge
{
    TraceFile::TraceFile(const std::string &path, const TraceHeader &header,
                         const std::string &column_row, size_t buffer_size)
        : m_path(path + "-" + header.hostname)
        , m_buffer_size(buffer_size)
    {
        m_buffer.reserve(m_buffer_size + 4096);
        // The commented lines are YAML (geopmpy reads them so): names quoted where needed.
        m_buffer = std::string("# geopm_version: ") + geopm_version() +
                   "\n# start_time: " + header.start_time +
                   "\n# profile_name: " + yaml_text(header.profile) +
                   "\n# node_name: " + yaml_text(header.hostname) +
                   "\n# agent: " + yaml_text(header.agent) + "\n" + column_row + "\n";
        write_out("w");
    }

    std::string &TraceFile::buffer(void)
    {
        return m_buffer;
    }

    void TraceFile::row_done(void)
    {
        if (m_buffer.size() >= m_buffer_size) {
            write_out("a");
        }
    }

    void TraceFile::flush(void)
    {
        write_out("a");
    }

    void TraceFile::write_out(const char *mode)
    {
        FILE *file = fopen(m_path.c_str(), mode);
        bool is_ok = file != nullptr &&
                     fwrite(m_buffer.data(), 1, m_buffer.size(), file) == m_buffer.size();
        is_ok = file != nullptr && fclose(file) == 0 && is_ok;
        if (!is_ok) {
            throw geopm::Exception("cannot write the trace file \"" + m_path + "\": " + strerror(errno),
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        m_buffer.clear();
    }
}
