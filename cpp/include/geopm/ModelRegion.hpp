/*
 * Synthetic regions for benchmarks and tests: a region of known work
 * ("big-O") marked through geopm::Profile, optionally reporting progress
 * and made imbalanced (geopm_imbalancer.h).
 *
 * model_region() makes "sleep", "spin" and "ignore" (a sleep with the
 * IGNORE hint); a name may end in "-imbalance", "-progress" and
 * "-unmarked". The compute, memory and MPI kernels of GEOPM ("dgemm",
 * "stream", "scaling", "timed_scaling", "all2all", "barrier", "reduce") are
 * not provided: they throw GEOPM_ERROR_NOT_IMPLEMENTED.
 */
#ifndef MODELREGION_HPP_INCLUDE
#define MODELREGION_HPP_INCLUDE

#include <cstdint>
#include <memory>
#include <string>

#include "geopm_public.h"

namespace geopm
{
    class GEOPM_PUBLIC ModelRegion
    {
        public:
            /// The region called name with big_o units of work (seconds
            /// for the provided kinds); verbosity > 0 prints what runs.
            static std::unique_ptr<ModelRegion> model_region(const std::string &name,
                                                             double big_o,
                                                             int verbosity);
            ModelRegion(int verbosity);
            virtual ~ModelRegion();
            std::string name(void);
            double big_o(void);
            /// Register the region under m_name with the unknown hint.
            virtual void region(void);
            /// Register the region under m_name with hint.
            virtual void region(uint64_t hint);
            /// Enter and leave the region (nothing when unmarked).
            virtual void region_enter(void);
            virtual void region_exit(void);
            /// Around each of the m_num_progress_updates steps of run():
            /// progress and imbalance.
            virtual void loop_enter(uint64_t iteration);
            virtual void loop_exit(void);
            /// Set the amount of work.
            virtual void big_o(double big_o_in) = 0;
            /// Do the work once, inside the region.
            virtual void run(void) = 0;
        protected:
            /// Choose the number of steps of run() for big_o_in (1 without
            /// progress) and announce them to the profile.
            virtual void num_progress_updates(double big_o_in);
            /// Whether name is key, alone or followed by '-'.
            static bool name_check(const std::string &name, const std::string &key);
            std::string m_name;
            double m_big_o;
            int m_verbosity;
            uint64_t m_region_id;
            bool m_do_imbalance;
            bool m_do_progress;
            bool m_do_unmarked;
            uint64_t m_num_progress_updates;
            double m_norm;
    };
}

#endif
