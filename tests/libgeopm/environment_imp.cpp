// environment_imp DEFAULT_FILE OVERRIDE_FILE: prints, one per line as
// name=value, what a geopm::EnvironmentImp made from the two settings files
// and the process environment gives, and what geopm::environment() gives
// (the process environment alone). A malformed file prints the error's
// code and exits 5.
#include <cstdio>
#include <string>

#include "geopm/Environment.hpp"
#include "geopm/Exception.hpp"

namespace
{
    void show(const char *who, const geopm::Environment &env)
    {
        std::printf("%s.agent=%s\n", who, env.agent().c_str());
        std::printf("%s.policy=%s\n", who, env.policy().c_str());
        std::printf("%s.endpoint=%s\n", who, env.endpoint().c_str());
        std::printf("%s.do_endpoint=%d\n", who, env.do_endpoint() ? 1 : 0);
        std::printf("%s.timeout=%d\n", who, env.timeout());
        std::printf("%s.default_config_path=%s\n", who, env.default_config_path().c_str());
        std::printf("%s.override_config_path=%s\n", who, env.override_config_path().c_str());
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: environment_imp DEFAULT_FILE OVERRIDE_FILE\n");
        return 2;
    }
    try {
        std::printf("all_vars=%zu\n", geopm::EnvironmentImp::get_all_vars().size());
        std::printf("default_file_entries=%zu\n",
                    geopm::Environment::parse_environment_file(argv[1]).size());
        geopm::EnvironmentImp files(argv[1], argv[2]);
        show("imp", files);
        show("process", geopm::environment());
    }
    catch (const geopm::Exception &ex) {
        std::printf("error=%d\n", ex.err_value());
        return 5;
    }
    return 0;
}
