/*
 * The job entry point: JobConfig and run_job(), which runs the whole control
 * loop in C++ with the GIL released (Python agents take it per hook call).
 */
#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include "geopm_bridge/ApplicationStartError.hpp"
#include "geopm_bridge/Controller.hpp"
#include "geopm_bridge/JobConfig.hpp"
#include "geopm_bridge/JobStatus.hpp"

#include "bindings.hpp"

namespace geopm_bridge
{
    namespace bindings
    {
        void init_job(py::module_ &module)
        {
            // A GeopmError subclass with the shell's exit status, so that
            // `launch` exits 127 or 126 as a shell in its place would.
            static PyObject *start_error = PyErr_NewExceptionWithDoc(
                "geopm_bridge.ApplicationStartError",
                "The job's application cannot be started. ``exit_status`` is what a shell\n"
                "gives for it: 127 when the program is not found, 126 when it is not\n"
                "executable.", geopm_error_type().ptr(), nullptr);
            if (start_error == nullptr) {
                throw py::error_already_set();
            }
            module.attr("ApplicationStartError") = py::handle(start_error);
            // Registered after the GeopmError translator, so tried first.
            py::register_exception_translator([](std::exception_ptr pending) {
                try {
                    if (pending) {
                        std::rethrow_exception(pending);
                    }
                }
                catch (const ApplicationStartError &error) {
                    try {
                        py::object value = py::handle(start_error)(error.what(), error.err_value());
                        value.attr("exit_status") = error.exit_status();
                        PyErr_SetObject(start_error, value.ptr());
                    }
                    catch (py::error_already_set &failure) {
                        failure.restore();
                    }
                }
            });

            py::class_<JobConfig> job_config(
                module, "JobConfig",
                "Settings of one job (see geopm_bridge/JobConfig.hpp). Keyword arguments set\n"
                "fields by name. List fields are copied in and out: assign a new list\n"
                "rather than appending to the one read.");
            // JobConfig::fields() is the one list of the fields.
            std::vector<const char *> field_names;
            // The properties' docstrings: pybind11 keeps the pointers.
            static std::deque<std::string> s_field_docs;
            JobConfig::fields([&](const char *name, auto member, const char *variable) {
                s_field_docs.push_back(variable != nullptr ?
                    std::string("The job's ") + name + ", as the variable " + variable + " sets it." :
                    std::string("The application's command line (the words after --)."));
                job_config.def_readwrite(name, member, s_field_docs.back().c_str());
                field_names.push_back(name);
            });
            job_config
                .def_static("from_environment", &JobConfig::from_environment,
                            "A JobConfig from the GEOPM_* environment variables, as geopmctl reads them.")
                .def(py::init([field_names](const py::kwargs &fields) {
                         JobConfig config;
                         // Set each field through its property, on a
                         // non-owning view of the new object.
                         py::object view = py::cast(&config, py::return_value_policy::reference);
                         for (auto item : fields) {
                             std::string key = py::str(item.first);
                             if (std::find(field_names.begin(), field_names.end(), key) ==
                                 field_names.end()) {
                                 throw py::type_error("JobConfig() got an unexpected keyword argument " +
                                                      std::string(py::repr(item.first)));
                             }
                             py::setattr(view, item.first, item.second);
                         }
                         return config;
                     }))
                .def("__repr__", [field_names](py::handle self) {
                    std::string text = "JobConfig(";
                    const char *separator = "";
                    for (const char *field : field_names) {
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
            module.attr("ATTACH_READY_LINE") = M_ATTACH_READY_LINE;

            py::class_<JobStatus>(module, "JobStatus",
                                  "A snapshot of this process's running job (see\n"
                                  "geopm_bridge/JobStatus.hpp); job_status() returns one.")
                .def_readonly("is_running", &JobStatus::is_running)
                .def_readonly("is_root", &JobStatus::is_root)
                .def_readonly("periods", &JobStatus::periods)
                .def_readonly("elapsed", &JobStatus::elapsed)
                .def_readonly("num_node", &JobStatus::num_node)
                .def_readonly("cpu_energy", &JobStatus::cpu_energy)
                .def_readonly("gpu_energy", &JobStatus::gpu_energy)
                .def_readonly("policy_names", &JobStatus::policy_names)
                .def_readonly("policy", &JobStatus::policy)
                .def_readonly("region_hash", &JobStatus::region_hash)
                .def_readonly("region", &JobStatus::region)
                .def_readonly("description", &JobStatus::description);
            module.def("job_status", &job_status,
                       "The last snapshot of this process's job, and a request that the\n"
                       "controller refresh it at the end of its next period: call it from\n"
                       "another thread about once a second while run_job() runs.");
        }
    }
}
