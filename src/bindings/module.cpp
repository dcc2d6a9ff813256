/*
 * Entry point of geopm_bridge._core. Import it through the geopm_bridge
 * package, which first loads the runtime library with RTLD_GLOBAL so that
 * C++ plugins resolve geopm:: symbols against it.
 */
#include <string>

#include "geopm_version.h"

#include "bindings.hpp"

namespace geopm_bridge
{
    namespace bindings
    {
        GilRef::GilRef(py::handle obj)
            : m_obj(obj.inc_ref().ptr())
        {
        }

        GilRef::~GilRef()
        {
            if (m_obj == nullptr || !Py_IsInitialized()) {
                return;
            }
            PyGILState_STATE state = PyGILState_Ensure();
            Py_DECREF(m_obj);
            PyGILState_Release(state);
        }
    }
}

PYBIND11_MODULE(_core, module)
{
    using namespace geopm_bridge::bindings;
    module.doc() = "C++ core of geopm_bridge: agent trampoline, factory, PlatformIO, controller.";
    init_exceptions(module);
    init_agent(module);
    init_factory(module);
    init_platform(module);
#ifdef GEOPM_BRIDGE_HAS_JOB
    init_job(module);
#endif
    module.def("geopm_version", [] { return std::string(geopm_version()); },
               "Version of the GEOPM this module runs on (the one the embedded runtime follows).");
}
