/*
 * The job entry point: JobConfig and run_job(), which runs the whole control
 * loop in C++ with the GIL released (Python agents take it per hook call).
 */
#include <string>

#include <pybind11/stl.h>

#include "geopm_bridge/Controller.hpp"

#include "bindings.hpp"

namespace geopm_bridge
{
    namespace bindings
    {
        void init_job(py::module_ &module)
        {
            py::class_<JobConfig> job_config(
                module, "JobConfig",
                "Settings of one job (see geopm_bridge/Controller.hpp). Keyword arguments set\n"
                "fields by name. List fields are copied in and out: assign a new list\n"
                "rather than appending to the one read.");
            job_config
                .def_readwrite("agent", &JobConfig::agent)
                .def_readwrite("policy_path", &JobConfig::policy_path)
                .def_readwrite("endpoint", &JobConfig::endpoint)
                .def_readwrite("report_path", &JobConfig::report_path)
                .def_readwrite("trace_path", &JobConfig::trace_path)
                .def_readwrite("profile", &JobConfig::profile)
                .def_readwrite("report_signals", &JobConfig::report_signals)
                .def_readwrite("trace_signals", &JobConfig::trace_signals)
                .def_readwrite("max_fan_out", &JobConfig::max_fan_out)
                .def_readwrite("simulate_nodes", &JobConfig::simulate_nodes)
                .def_readwrite("max_iterations", &JobConfig::max_iterations)
                .def_readwrite("app_argv", &JobConfig::app_argv)
                .def_static("from_environment", &JobConfig::from_environment,
                            "A JobConfig from the GEOPM_* environment variables, as geopmctl reads them.")
                .def(py::init([](const py::kwargs &fields) {
                         JobConfig config;
                         // Set each field through its property, on a
                         // non-owning view of the new object.
                         py::object view = py::cast(&config, py::return_value_policy::reference);
                         for (auto item : fields) {
                             if (!py::hasattr(py::type::of<JobConfig>(), item.first)) {
                                 throw py::type_error("JobConfig() got an unexpected keyword argument " +
                                                      std::string(py::repr(item.first)));
                             }
                             py::setattr(view, item.first, item.second);
                         }
                         return config;
                     }))
                .def("__repr__", [](py::handle self) {
                    std::string text = "JobConfig(";
                    const char *separator = "";
                    for (const char *field : {"agent", "policy_path", "endpoint", "report_path",
                                              "trace_path", "profile", "report_signals",
                                              "trace_signals", "max_fan_out", "simulate_nodes",
                                              "max_iterations", "app_argv"}) {
                        text += separator + std::string(field) + "=" +
                                std::string(py::repr(self.attr(field)));
                        separator = ", ";
                    }
                    return text + ")";
                });

            module.def("run_job", &run_job, py::arg("config"),
                       py::call_guard<py::gil_scoped_release>(),
                       "Run the job's application under the controller on this node and return\n"
                       "its exit code. The GIL is released for the whole run.");
        }
    }
}
