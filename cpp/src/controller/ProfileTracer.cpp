#include "ProfileTracer.hpp"

#include <cstdio>

#include "geopm/Helper.hpp"
#include "geopm_time.h"

namespace geopm_bridge
{
    namespace
    {
        const char *event_name(uint64_t kind)
        {
            switch (kind) {
                case M_PROFILE_EVENT_ENTER:
                    return "REGION_ENTRY";
                case M_PROFILE_EVENT_EXIT:
                    return "REGION_EXIT";
                default:
                    return "EPOCH_COUNT";
            }
        }
    }

    ProfileTracer::ProfileTracer(const std::string &path, const TraceHeader &header,
                                 size_t buffer_size)
        : m_file(std::make_unique<TraceFile>(path, header, "TIME|PROCESS|EVENT|SIGNAL", buffer_size))
    {
        // GEOPM's time zero is on its own clock: its place on the events'.
        geopm_time_s zero = geopm::time_zero();
        m_zero_ns = profile_now_ns() - (int64_t)(geopm_time_since(&zero) * 1e9);
    }

    ProfileTracer::~ProfileTracer() = default;

    void ProfileTracer::update(const std::vector<ProfileProcessEvent> &events)
    {
        std::string &buffer = m_file->buffer();
        for (const auto &item : events) {
            const ProfileEvent &event = item.event;
            char text[96];
            int size = snprintf(text, sizeof(text), "%.16g|%d|%s|", 1e-9 * (event.time_ns - m_zero_ns),
                                item.pid, event_name(event.kind));
            buffer.append(text, size);
            buffer += event.kind == M_PROFILE_EVENT_EPOCH ? geopm::string_format_integer(event.hash)
                                                          : geopm::string_format_hex(event.hash);
            buffer += '\n';
            m_file->row_done();
        }
    }

    void ProfileTracer::flush(void)
    {
        m_file->flush();
    }
}
