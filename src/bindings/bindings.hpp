/*
 * Shared declarations of the geopm_bridge._core extension: each binding file
 * adds one concept to the module through its init_*() function.
 */
#ifndef GEOPM_BRIDGE_BINDINGS_HPP_INCLUDE
#define GEOPM_BRIDGE_BINDINGS_HPP_INCLUDE

#include <functional>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace geopm_bridge
{
    namespace bindings
    {
        void init_exceptions(py::module_ &module);
        void init_agent(py::module_ &module);
        void init_factory(py::module_ &module);
        void init_platform(py::module_ &module);
        void init_job(py::module_ &module);  // embedded backend only

        /// The geopm_bridge.GeopmError type (a RuntimeError subclass).
        py::handle geopm_error_type(void);

        /// Turn the Python exception held by error into a geopm::Exception
        /// whose message is "<where>: <Type>: <message>" followed by the
        /// formatted traceback; the code is GEOPM_ERROR_RUNTIME, or the
        /// error_code of a GeopmError. Needs the GIL.
        [[noreturn]] void throw_from_python(const std::string &where,
                                            py::error_already_set &error);

        /// An aggregation function given as a geopm::Agg name ("sum") or a
        /// Python callable taking a float64 array and returning a number.
        /// A callable's Python error propagates as py::error_already_set.
        /// Needs the GIL; the result may be called without it.
        std::function<double(const std::vector<double> &)>
            agg_function(py::handle spec, const std::string &where);

        /// A strong reference to a Python object that may be dropped on a
        /// thread without the GIL, or after the interpreter has finalized
        /// (then it is leaked on purpose: objects owned by process-wide C++
        /// statics, like the agent factory, die after Python does).
        class GilRef
        {
            public:
                GilRef() = default;
                /// Needs the GIL.
                explicit GilRef(py::handle obj);
                GilRef(const GilRef &other) = delete;
                GilRef &operator=(const GilRef &other) = delete;
                ~GilRef();
                py::handle get(void) const
                {
                    return m_obj;
                }
            private:
                PyObject *m_obj = nullptr;
        };
    }
}

#endif
