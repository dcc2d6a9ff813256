// model_app EPOCHS SECONDS: an application written against GEOPM 3.1's
// C++ profiling interfaces. Each of EPOCHS epochs (geopm::Profile) runs a
// "spin-imbalance" region of SECONDS (geopm::ModelRegion), made half as
// long again by geopm_imbalancer_frac(0.5), then a "sleep-progress" region
// of SECONDS.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "geopm/Exception.hpp"
#include "geopm/ModelRegion.hpp"
#include "geopm/Profile.hpp"
#include "geopm_imbalancer.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: model_app EPOCHS SECONDS\n");
        return 2;
    }
    int num_epoch = std::atoi(argv[1]);
    double seconds = std::atof(argv[2]);
    try {
        if (geopm_imbalancer_frac(0.5) != 0) {
            return 3;
        }
        std::unique_ptr<geopm::ModelRegion> spin =
            geopm::ModelRegion::model_region("spin-imbalance", seconds, 0);
        std::unique_ptr<geopm::ModelRegion> sleep =
            geopm::ModelRegion::model_region("sleep-progress", seconds, 0);
        geopm::Profile &profile = geopm::Profile::default_profile();
        for (int epoch = 0; epoch < num_epoch; ++epoch) {
            profile.epoch();
            spin->run();
            sleep->run();
        }
        std::printf("regions:");
        for (const auto &name : profile.region_names()) {
            std::printf(" %s", name.c_str());
        }
        std::printf("\ncpu: %d\n", geopm::Profile::get_cpu());
    }
    catch (const geopm::Exception &ex) {
        std::fprintf(stderr, "model_app: %s\n", ex.what());
        return 4;
    }
    return 0;
}
