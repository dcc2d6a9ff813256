// The artificial imbalance of geopm_imbalancer.h.
#include "geopm_imbalancer.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"

#include "platform/CApiGuard.hpp"

namespace
{
    using geopm::Exception;
    using clock_type = std::chrono::steady_clock;

    void check_frac(double frac, const std::string &where)
    {
        if (!(frac >= 0.0) || std::isinf(frac)) {
            throw Exception(where + ": the delay fraction must be a finite number >= 0, not " +
                            std::to_string(frac), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }

    /// This host's fraction in the IMBALANCER_CONFIG file (0 without one).
    double configured_frac(void)
    {
        const char *path = getenv("IMBALANCER_CONFIG");
        if (path == nullptr || *path == '\0') {
            return 0.0;
        }
        std::ifstream file(path);
        if (!file.good()) {
            throw Exception(std::string("cannot open IMBALANCER_CONFIG \"") + path + "\": " +
                            strerror(errno), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        const std::string host = geopm::hostname();
        double result = 0.0;
        std::string line;
        for (int line_num = 1; std::getline(file, line); ++line_num) {
            std::istringstream words(line);
            std::string name;
            if (!(words >> name)) {
                continue;  // a blank line
            }
            double frac = NAN;
            std::string extra;
            std::string where = std::string("IMBALANCER_CONFIG \"") + path + "\" line " +
                                std::to_string(line_num);
            if (!(words >> frac) || (words >> extra)) {
                throw Exception(where + ": expected \"hostname fraction\"",
                                GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            check_frac(frac, where);
            if (name == host) {
                result = frac;
            }
        }
        return result;
    }

    class Imbalancer
    {
        public:
            Imbalancer()
                : m_frac(configured_frac())
            {

            }

            void frac(double value)
            {
                check_frac(value, "geopm_imbalancer_frac()");
                m_frac = value;
            }

            void enter(void)
            {
                enter_time() = clock_type::now();
            }

            void exit(void)
            {
                double value = m_frac;
                if (value == 0.0) {
                    return;
                }
                clock_type::time_point start = enter_time();
                clock_type::time_point stop = clock_type::now();
                auto end = stop + std::chrono::duration_cast<clock_type::duration>(
                    (stop - start) * value);
                // Spin, as a busy region would.
                while (clock_type::now() < end) {
                }
            }
        private:
            // Each thread brackets its own regions.
            static clock_type::time_point &enter_time(void)
            {
                static thread_local clock_type::time_point time = clock_type::now();
                return time;
            }

            std::atomic<double> m_frac;
    };

    Imbalancer &imbalancer(void)
    {
        static Imbalancer instance;
        return instance;
    }
}

extern "C"
{
    int geopm_imbalancer_frac(double frac)
    {
        return geopm_bridge::guarded([&]() {
            imbalancer().frac(frac);
            return 0;
        });
    }

    int geopm_imbalancer_enter(void)
    {
        return geopm_bridge::guarded([&]() {
            imbalancer().enter();
            return 0;
        });
    }

    int geopm_imbalancer_exit(void)
    {
        return geopm_bridge::guarded([&]() {
            imbalancer().exit();
            return 0;
        });
    }
}
