/*
 * Errors in both directions: geopm::Exception reaching Python becomes
 * geopm_bridge.GeopmError, and a Python exception leaving an agent hook
 * becomes a geopm::Exception that carries the Python traceback.
 */
#include <string>

#include "geopm/Exception.hpp"
#include "geopm_error.h"

#include "bindings.hpp"

namespace geopm_bridge
{
    namespace bindings
    {
        namespace
        {
            // Created once by init_exceptions(); never released, like any
            // type object of an extension module.
            PyObject *g_geopm_error = nullptr;

            const char *const GEOPM_ERROR_DOC =
                "An error of the GEOPM runtime.\n\n"
                "``error_code`` is one of the GEOPM_ERROR_* constants. An agent hook may\n"
                "raise ``GeopmError(message, error_code)`` to fail with a specific code.";

            void set_geopm_error(const char *what, int error_code)
            {
                try {
                    py::object error = py::handle(g_geopm_error)(what, error_code);
                    PyErr_SetObject(g_geopm_error, error.ptr());
                }
                catch (py::error_already_set &failure) {
                    failure.restore();
                }
            }

            std::string without_trailing_newlines(std::string text)
            {
                while (!text.empty() && text.back() == '\n') {
                    text.pop_back();
                }
                return text;
            }
        }

        py::handle geopm_error_type(void)
        {
            return g_geopm_error;
        }

        [[noreturn]] void throw_from_python(const std::string &where,
                                            py::error_already_set &error)
        {
            std::string type_name = "Exception";
            std::string message;
            std::string trace;
            int error_code = GEOPM_ERROR_RUNTIME;
            // Each piece is best effort: an exception whose __str__ fails
            // must still become a geopm::Exception.
            try {
                type_name = py::str(error.type().attr("__name__"));
                message = py::str(error.value());
                bool is_geopm_error =
                    PyObject_IsInstance(error.value().ptr(), g_geopm_error) == 1;
                if (is_geopm_error) {
                    error_code = error.value().attr("error_code").cast<int>();
                }
                // A GeopmError is the agent's message for the user (a policy
                // out of range), not a fault to debug: no traceback. No
                // frames: raised by the bindings converting a result.
                if (error.trace() && !is_geopm_error) {
                    py::object lines = py::module_::import("traceback").attr("format_exception")(
                        error.type(), error.value(), error.trace());
                    trace = py::str(py::str("").attr("join")(lines));
                }
            }
            catch (const std::exception &) {
                PyErr_Clear();
            }
            std::string text = where + ": " + type_name + ": " + message;
            if (!trace.empty()) {
                text += "\n" + without_trailing_newlines(trace);
            }
            throw geopm::Exception(text, error_code, nullptr, 0);
        }

        void init_exceptions(py::module_ &module)
        {
            g_geopm_error = PyErr_NewExceptionWithDoc("geopm_bridge.GeopmError", GEOPM_ERROR_DOC,
                                                      PyExc_RuntimeError, nullptr);
            if (g_geopm_error == nullptr) {
                throw py::error_already_set();
            }
            py::handle error_type(g_geopm_error);
            error_type.attr("__init__") = py::cpp_function(
                [](py::handle self, py::object message, int error_code) {
                    py::handle(PyExc_RuntimeError).attr("__init__")(self, message);
                    self.attr("error_code") = error_code;
                },
                py::is_method(error_type), py::arg("message") = "",
                py::arg("error_code") = int(GEOPM_ERROR_RUNTIME));
            module.attr("GeopmError") = error_type;

            py::register_exception_translator([](std::exception_ptr pending) {
                try {
                    if (pending) {
                        std::rethrow_exception(pending);
                    }
                }
                catch (const geopm::Exception &error) {
                    set_geopm_error(error.what(), error.err_value());
                }
            });

            module.attr("GEOPM_ERROR_RUNTIME") = int(GEOPM_ERROR_RUNTIME);
            module.attr("GEOPM_ERROR_LOGIC") = int(GEOPM_ERROR_LOGIC);
            module.attr("GEOPM_ERROR_INVALID") = int(GEOPM_ERROR_INVALID);
            module.attr("GEOPM_ERROR_FILE_PARSE") = int(GEOPM_ERROR_FILE_PARSE);
            module.attr("GEOPM_ERROR_LEVEL_RANGE") = int(GEOPM_ERROR_LEVEL_RANGE);
            module.attr("GEOPM_ERROR_NOT_IMPLEMENTED") = int(GEOPM_ERROR_NOT_IMPLEMENTED);
            module.attr("GEOPM_ERROR_PLATFORM_UNSUPPORTED") = int(GEOPM_ERROR_PLATFORM_UNSUPPORTED);
            module.attr("GEOPM_ERROR_MSR_OPEN") = int(GEOPM_ERROR_MSR_OPEN);
            module.attr("GEOPM_ERROR_MSR_READ") = int(GEOPM_ERROR_MSR_READ);
            module.attr("GEOPM_ERROR_MSR_WRITE") = int(GEOPM_ERROR_MSR_WRITE);
            module.attr("GEOPM_ERROR_AGENT_UNSUPPORTED") = int(GEOPM_ERROR_AGENT_UNSUPPORTED);
            module.attr("GEOPM_ERROR_AFFINITY") = int(GEOPM_ERROR_AFFINITY);
            module.attr("GEOPM_ERROR_NO_AGENT") = int(GEOPM_ERROR_NO_AGENT);
            module.attr("GEOPM_ERROR_DATA_STORE") = int(GEOPM_ERROR_DATA_STORE);

            module.def("error_message", &geopm::error_message, py::arg("error_code"),
                       "GEOPM's fixed description of an error code.");
        }
    }
}
