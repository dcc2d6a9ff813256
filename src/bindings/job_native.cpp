/*
 * The native backend has no controller of ours: jobs run under GEOPM's own
 * geopmctl / geopmlaunch. JobConfig and run_job() exist so that the Python
 * API keeps its names, and say so when used.
 */
#include <string>

#include "geopm_error.h"

#include "bindings.hpp"

namespace geopm_bridge
{
    namespace bindings
    {
        namespace
        {
            /// Stands in for JobConfig; never constructed.
            struct NoJobConfig
            {
            };

            [[noreturn]] void embedded_only(const std::string &what)
            {
                std::string message =
                    what + " needs the embedded backend; this geopm_bridge is built against an "
                    "installed GEOPM: run the job with geopmlaunch --geopm-agent=AGENT (or "
                    "geopmctl with GEOPM_AGENT), GEOPM_PLUGIN_PATH set to the output of "
                    "`geopm-bridge plugin-path`";
                py::object error = geopm_error_type()(message, int(GEOPM_ERROR_NOT_IMPLEMENTED));
                PyErr_SetObject(geopm_error_type().ptr(), error.ptr());
                throw py::error_already_set();
            }
        }

        void init_job(py::module_ &module)
        {
            py::class_<NoJobConfig>(module, "JobConfig",
                                    "Not available with the native backend (use geopmlaunch).")
                .def(py::init([](const py::args &, const py::kwargs &) -> NoJobConfig {
                    embedded_only("JobConfig");
                }))
                .def_static("from_environment", [] { embedded_only("JobConfig.from_environment()"); });
            module.def("run_job", [](const py::object &) { embedded_only("run_job()"); },
                       py::arg("config"), "Not available with the native backend (use geopmlaunch).");
        }
    }
}
