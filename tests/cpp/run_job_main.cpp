/*
 * Runs one job the way the CLI will: the configuration from the GEOPM_*
 * environment, the command line as the application. Exits with run_job()'s
 * result, or prints "error: <what>" and exits 1 (127 or 126, as a shell, for
 * an application that cannot start).
 */
#include <cstdio>
#include <exception>

#include "geopm/Exception.hpp"
#include "geopm_bridge/ApplicationStartError.hpp"
#include "geopm_bridge/Controller.hpp"

int main(int argc, char **argv)
{
    try {
        geopm_bridge::JobConfig config = geopm_bridge::JobConfig::from_environment();
        config.app_argv.assign(argv + 1, argv + argc);
        return geopm_bridge::run_job(config);
    }
    catch (const geopm_bridge::ApplicationStartError &ex) {
        fprintf(stderr, "error: %s\n", ex.what());
        return ex.exit_status();
    }
    catch (const geopm::Exception &ex) {
        fprintf(stderr, "error: %s\n", ex.what());
    }
    catch (const std::exception &ex) {
        fprintf(stderr, "error (not a geopm::Exception): %s\n", ex.what());
    }
    return 1;
}
