/*
 * The profile trace (GEOPM_TRACE_PROFILE, "<path>-<hostname>"): the
 * application's region entries, exits and epochs, one row each, with their
 * time and process, in GEOPM's format (columns TIME|PROCESS|EVENT|SIGNAL;
 * SIGNAL is the region hash, or the epoch's count).
 */
#ifndef GEOPM_BRIDGE_PROFILETRACER_HPP_INCLUDE
#define GEOPM_BRIDGE_PROFILETRACER_HPP_INCLUDE

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "profile/ProfileSource.hpp"
#include "TraceFile.hpp"

namespace geopm_bridge
{
    class ProfileTracer
    {
        public:
            /// Times are seconds since GEOPM's time zero (the job's start).
            ProfileTracer(const std::string &path, const TraceHeader &header, size_t buffer_size);
            ~ProfileTracer();
            void update(const std::vector<ProfileProcessEvent> &events);
            void flush(void);
        private:
            std::unique_ptr<TraceFile> m_file;
            int64_t m_zero_ns;  // the time zero on the events' clock
    };
}

#endif
