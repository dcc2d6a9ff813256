// profile_imp EPOCHS: an application that makes its own geopm::ProfileImp
// (GEOPM 3.1's public implementation of geopm::Profile) and marks with it
// EPOCHS epochs, each holding one "own-work" region of about a millisecond.
// A second ProfileImp, made by the full constructor without do_profile,
// stays disabled even after connect(): its marks go nowhere.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <set>

#include "geopm/Exception.hpp"
#include "geopm/Profile.hpp"
#include "geopm_hint.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: profile_imp EPOCHS\n");
        return 2;
    }
    int num_epoch = std::atoi(argv[1]);
    try {
        geopm::ProfileImp profile;
        profile.connect();
        uint64_t region_id = profile.region("own-work", GEOPM_REGION_HINT_COMPUTE);
        if (profile.region("own-work", GEOPM_REGION_HINT_COMPUTE) != region_id) {
            return 3;
        }
        geopm::ProfileImp disabled("other", "", 1, std::set<int>{0}, nullptr, nullptr, false,
                                   nullptr, nullptr, -2);
        disabled.connect();
        uint64_t other_id = disabled.region("other-work", GEOPM_REGION_HINT_COMPUTE);
        timespec pause = {0, 1000000};
        for (int epoch = 0; epoch < num_epoch; ++epoch) {
            profile.epoch();
            profile.enter(region_id);
            nanosleep(&pause, nullptr);
            profile.exit(region_id);
            disabled.enter(other_id);
            disabled.exit(other_id);
        }
        std::printf("region id: 0x%llx\n", static_cast<unsigned long long>(region_id));
        std::printf("regions:");
        for (const auto &name : profile.region_names()) {
            std::printf(" %s", name.c_str());
        }
        std::printf("\ndisabled regions: %zu\n", disabled.region_names().size());
    }
    catch (const geopm::Exception &ex) {
        std::fprintf(stderr, "profile_imp: %s\n", ex.what());
        return 4;
    }
    return 0;
}
