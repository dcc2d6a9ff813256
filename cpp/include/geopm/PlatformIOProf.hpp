/*
 * GEOPM's agents reach PlatformIO through this class so that profiling
 * IOGroups are attached; in the embedded runtime it is the current node's
 * PlatformIO.
 */
#ifndef PLATFORMIOPROF_HPP_INCLUDE
#define PLATFORMIOPROF_HPP_INCLUDE

#include <string>

#include "geopm_public.h"

namespace geopm
{
    class PlatformIO;

    class GEOPM_PUBLIC PlatformIOProf
    {
        public:
            /// Same object as geopm::platform_io().
            static PlatformIO &platform_io(void);
            virtual ~PlatformIOProf() = default;
        private:
            PlatformIOProf() = delete;
            /// Declared as in GEOPM, where it reports an IOGroup that failed
            /// to load; the embedded runtime never makes this class, so it
            /// has no definition (GEOPM does not export one either).
            void GEOPM_PRIVATE
                print_load_warning(const std::string &io_group_name,
                                   const std::string &what) const;
    };
}

#endif
