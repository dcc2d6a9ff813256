// geopm::ModelRegion and the kinds model_region() provides: sleep, spin,
// ignore.
#include "geopm/ModelRegion.hpp"

#include <time.h>

#include <chrono>
#include <cmath>
#include <iostream>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/Profile.hpp"
#include "geopm_hint.h"
#include "geopm_imbalancer.h"

namespace
{
    using geopm::Exception;

    /// A region that waits big_o seconds, in m_num_progress_updates
    /// steps: sleeping, or spinning.
    class WaitModelRegion : public geopm::ModelRegion
    {
        public:
            WaitModelRegion(const std::string &kind, uint64_t hint, bool is_spin, double big_o_in,
                            int verbosity, bool do_imbalance, bool do_progress, bool do_unmarked)
                : ModelRegion(verbosity)
                , m_is_spin(is_spin)
                , m_step(0.0)
            {
                m_name = kind;
                m_do_imbalance = do_imbalance;
                m_do_progress = do_progress;
                m_do_unmarked = do_unmarked;
                ModelRegion::region(hint);
                big_o(big_o_in);
            }

            void big_o(double big_o_in) override
            {
                if (!(big_o_in >= 0.0) || std::isinf(big_o_in)) {
                    throw Exception("ModelRegion::big_o(): the " + m_name + " region's big-O must be "
                                    "a finite number of seconds >= 0, not " + std::to_string(big_o_in),
                                    GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                }
                num_progress_updates(big_o_in);
                m_step = big_o_in / m_num_progress_updates;
                m_big_o = big_o_in;
            }

            void run(void) override
            {
                if (m_big_o == 0.0) {
                    return;
                }
                if (m_verbosity > 0) {
                    std::cout << "Executing " << m_big_o << " second " << m_name << "." << std::endl;
                }
                region_enter();
                if (m_do_progress) {
                    geopm::Profile::default_profile().thread_init(
                        static_cast<uint32_t>(m_num_progress_updates));
                }
                for (uint64_t step = 0; step < m_num_progress_updates; ++step) {
                    loop_enter(step);
                    wait_step();
                    loop_exit();
                }
                region_exit();
            }
        private:
            void wait_step(void)
            {
                using clock_type = std::chrono::steady_clock;
                auto end = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                    std::chrono::duration<double>(m_step));
                if (m_is_spin) {
                    while (clock_type::now() < end) {
                    }
                    return;
                }
                struct timespec delay;
                delay.tv_sec = static_cast<time_t>(m_step);
                delay.tv_nsec = static_cast<long>((m_step - delay.tv_sec) * 1e9);
                while (clock_nanosleep(CLOCK_MONOTONIC, 0, &delay, &delay) == EINTR) {
                }
            }

            const bool m_is_spin;
            double m_step;
    };
}

namespace geopm
{
    bool ModelRegion::name_check(const std::string &name, const std::string &key)
    {
        return name.compare(0, key.size(), key) == 0 &&
               (name.size() == key.size() || name[key.size()] == '-');
    }

    std::unique_ptr<ModelRegion> ModelRegion::model_region(const std::string &name,
                                                           double big_o,
                                                           int verbosity)
    {
        bool do_imbalance = name.find("-imbalance") != std::string::npos;
        bool do_unmarked = name.find("-unmarked") != std::string::npos;
        // An unmarked region has no progress to report.
        bool do_progress = !do_unmarked && name.find("-progress") != std::string::npos;
        if (name_check(name, "sleep")) {
            return geopm::make_unique<WaitModelRegion>("sleep", GEOPM_REGION_HINT_UNKNOWN, false, big_o,
                                                       verbosity, do_imbalance, do_progress, do_unmarked);
        }
        if (name_check(name, "spin")) {
            return geopm::make_unique<WaitModelRegion>("spin", GEOPM_REGION_HINT_UNKNOWN, true, big_o,
                                                       verbosity, do_imbalance, do_progress, do_unmarked);
        }
        if (name_check(name, "ignore")) {
            return geopm::make_unique<WaitModelRegion>("ignore", GEOPM_REGION_HINT_IGNORE, false, big_o,
                                                       verbosity, do_imbalance, do_progress, do_unmarked);
        }
        for (const char *kind : {"dgemm", "stream", "scaling", "timed_scaling",
                                 "all2all", "barrier", "reduce"}) {
            if (name_check(name, kind)) {
                throw Exception("ModelRegion::model_region(): not implemented in geopm-bridge: the \"" +
                                std::string(kind) + "\" region needs GEOPM's compute, memory or MPI "
                                "kernels, which are not provided; \"sleep\", \"spin\" and \"ignore\" are",
                                GEOPM_ERROR_NOT_IMPLEMENTED, __FILE__, __LINE__);
            }
        }
        throw Exception("ModelRegion::model_region(): unknown region name \"" + name + "\"",
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }

    ModelRegion::ModelRegion(int verbosity)
        : m_big_o(0.0)
        , m_verbosity(verbosity)
        , m_region_id(0)
        , m_do_imbalance(false)
        , m_do_progress(false)
        , m_do_unmarked(false)
        , m_num_progress_updates(1)
        , m_norm(1.0)
    {

    }

    ModelRegion::~ModelRegion() = default;

    std::string ModelRegion::name(void)
    {
        return m_name;
    }

    double ModelRegion::big_o(void)
    {
        return m_big_o;
    }

    void ModelRegion::num_progress_updates(double big_o_in)
    {
        if (!m_do_progress) {
            m_num_progress_updates = 1;
        }
        else {
            // About 100 steps a unit of work, at least 100.
            m_num_progress_updates = big_o_in > 1.0 ? static_cast<uint64_t>(100.0 * big_o_in) : 100;
        }
        if (m_do_progress) {
            // Announced here as GEOPM does, and again at each entry (the
            // region's exit ends the count); a failure only loses progress.
            try {
                Profile::default_profile().thread_init(static_cast<uint32_t>(m_num_progress_updates));
            }
            catch (const Exception &) {
            }
        }
    }

    void ModelRegion::region(uint64_t hint)
    {
        if (!m_do_unmarked && !m_name.empty()) {
            m_region_id = Profile::default_profile().region(m_name, static_cast<long>(hint));
        }
    }

    void ModelRegion::region(void)
    {
        region(GEOPM_REGION_HINT_UNKNOWN);
    }

    void ModelRegion::region_enter(void)
    {
        if (!m_do_unmarked) {
            Profile::default_profile().enter(m_region_id);
        }
    }

    void ModelRegion::region_exit(void)
    {
        if (!m_do_unmarked) {
            Profile::default_profile().exit(m_region_id);
        }
    }

    void ModelRegion::loop_enter(uint64_t)
    {
        if (m_do_progress) {
            Profile::default_profile().thread_post(Profile::get_cpu());
        }
        if (m_do_imbalance) {
            (void)geopm_imbalancer_enter();
        }
    }

    void ModelRegion::loop_exit(void)
    {
        if (m_do_imbalance) {
            (void)geopm_imbalancer_exit();
        }
    }
}
