/*
 * libgeopmagent_python: the GEOPM agent plugin that brings Python agents into
 * an installed libgeopm (native backend), or into a C++ program on the
 * embedded runtime, whose plugin loader loads it the same way.
 *
 * The loader dlopens this file when geopm::agent_factory() first loads its
 * plugins, unless it was preloaded (wrappers/geopmctl). The constructor
 * below makes sure a Python interpreter runs (it
 * starts one for the environment geopm_bridge was built in when the process
 * has none, as in geopmctl), then calls geopm_bridge's own discovery
 * (registry.load_agents), which registers each Python agent in
 * geopm::agent_factory() through geopm_bridge._core: the same trampoline and
 * NumPy views as the Python API, taking the GIL around every hook call. This
 * file therefore holds no agent code of its own.
 *
 * Nothing may escape dlopen: every failure is printed on stderr and the
 * plugin then registers what it could.
 */
#include <Python.h>

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace
{
    const char *const LOG_PREFIX = "geopm-bridge plugin (libgeopmagent_python)";

    /// Anchor for dladdr(): any object defined in this file.
    const char S_ANCHOR = 0;

    void log(const std::string &message)
    {
        std::fprintf(stderr, "%s: %s\n", LOG_PREFIX, message.c_str());
    }

    std::string dirname(const std::string &path)
    {
        size_t slash = path.rfind('/');
        return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
    }

    /// Real path of the file this code was loaded from, or "" if unknown.
    /// libgeopm opens plugins as /proc/self/fd/N: that name resolves to the
    /// real file while dlopen() runs, which is when this is called.
    std::string plugin_file(void)
    {
        Dl_info info;
        char resolved[PATH_MAX];
        if (dladdr(&S_ANCHOR, &info) == 0 || info.dli_fname == nullptr ||
            realpath(info.dli_fname, resolved) == nullptr) {
            return "";
        }
        return resolved;
    }

    /// True when this process's program is a Python interpreter.
    bool is_python_program(void)
    {
        char exe[PATH_MAX];
        ssize_t size = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (size <= 0) {
            return false;
        }
        exe[size] = '\0';
        std::string path(exe);
        return path.compare(path.rfind('/') + 1, 6, "python") == 0;
    }

    /// "3.11" from a version string such as "3.11.7 (main, ...)".
    std::string major_minor(const std::string &version)
    {
        size_t first = version.find('.');
        size_t second = first == std::string::npos ?
                        first : version.find_first_not_of("0123456789", first + 1);
        return version.substr(0, second);
    }

    /// Print the pending Python exception with its traceback. SystemExit is
    /// printed too rather than handled: it must not end the GEOPM process.
    void print_python_error(void)
    {
        if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
            PyObject *type = nullptr;
            PyObject *value = nullptr;
            PyObject *trace = nullptr;
            PyErr_Fetch(&type, &value, &trace);
            PyObject *text = value ? PyObject_Str(value) : nullptr;
            const char *utf8 = text ? PyUnicode_AsUTF8(text) : nullptr;
            log(std::string("SystemExit(") + (utf8 ? utf8 : "") + ") ignored");
            Py_XDECREF(text);
            Py_XDECREF(type);
            Py_XDECREF(value);
            Py_XDECREF(trace);
            return;
        }
        PyErr_Print();
    }

    /// Put the directory that holds this plugin's geopm_bridge package first
    /// on sys.path, so the package imported matches the plugin even when it
    /// was installed outside the interpreter's site-packages.
    void add_package_path(void)
    {
        std::string file = plugin_file();
        if (file.empty()) {
            return;
        }
        // <dir>/geopm_bridge/plugins/libgeopmagent_python.so.2.1.0
        std::string package_parent = dirname(dirname(dirname(file)));
        if (access((package_parent + "/geopm_bridge/__init__.py").c_str(), R_OK) != 0) {
            return;
        }
        PyObject *sys_path = PySys_GetObject("path");  // borrowed
        PyObject *entry = PyUnicode_DecodeFSDefault(package_parent.c_str());
        if (sys_path != nullptr && entry != nullptr &&
            PySequence_Contains(sys_path, entry) == 0) {
            PyList_Insert(sys_path, 0, entry);
        }
        Py_XDECREF(entry);
        PyErr_Clear();
    }

    /// Register every installed Python agent. Needs the GIL.
    void register_agents(void)
    {
        add_package_path();
        PyObject *registry = PyImport_ImportModule("geopm_bridge.registry");
        if (registry == nullptr) {
            log(std::string("cannot import geopm_bridge with Python ") + Py_GetVersion() +
                " (" + GEOPM_BRIDGE_PLUGIN_PYTHON + "); no Python agent is registered:");
            print_python_error();
            return;
        }
        PyObject *load = PyObject_GetAttrString(registry, "load_agents");
        PyObject *args = PyTuple_New(0);
        PyObject *kwargs = Py_BuildValue("{s:O}", "strict", Py_False);
        PyObject *failures = load && args && kwargs ? PyObject_Call(load, args, kwargs) : nullptr;
        if (failures == nullptr) {
            log("loading the Python agents failed:");
            print_python_error();
        }
        else {
            // One line per source that gave no agent, then the traceback
            // of its error if it has one; the others are registered.
            PyObject *traceback = PyImport_ImportModule("traceback");
            PyObject *iterator = PyObject_GetIter(failures);
            PyObject *failure = nullptr;
            while (traceback != nullptr && iterator != nullptr &&
                   (failure = PyIter_Next(iterator)) != nullptr) {
                PyObject *text = PyObject_Str(failure);
                const char *utf8 = text ? PyUnicode_AsUTF8(text) : nullptr;
                log(std::string("Python agent skipped: ") + (utf8 ? utf8 : "?"));
                PyObject *cause = PyException_GetCause(failure);
                if (cause != nullptr) {
                    Py_XDECREF(PyObject_CallMethod(traceback, "print_exception", "O", cause));
                    Py_DECREF(cause);
                }
                Py_XDECREF(text);
                Py_DECREF(failure);
            }
            Py_XDECREF(iterator);
            Py_XDECREF(traceback);
            if (PyErr_Occurred()) {
                print_python_error();
            }
        }
        Py_XDECREF(failures);
        Py_XDECREF(kwargs);
        Py_XDECREF(args);
        Py_XDECREF(load);
        Py_DECREF(registry);
    }

    /// Start the interpreter of the environment geopm_bridge was built in.
    /// On success the calling thread holds the GIL.
    bool start_python(void)
    {
        const char *python = GEOPM_BRIDGE_PLUGIN_PYTHON;
        if (access(python, X_OK) != 0) {
            log(std::string("cannot start Python: ") + python +
                " (the interpreter geopm-bridge was built with) is missing; "
                "reinstall geopm-bridge in the environment you use");
            return false;
        }
        // Extension modules (NumPy, _core) do not link libpython: they need
        // its symbols in the global scope, where dlopen() by libgeopm may not
        // have put them. Never unloaded: Python cannot be.
        Dl_info info;
        if (dladdr(reinterpret_cast<void *>(&Py_IsInitialized), &info) != 0 &&
            info.dli_fname != nullptr) {
            dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD | RTLD_NODELETE);
        }
        PyConfig config;
        PyConfig_InitPythonConfig(&config);
        // The GEOPM program owns SIGINT and SIGTERM, and its C stdio:
        // with PYTHONUNBUFFERED set Python would setvbuf() the program's
        // stdin, dropping whatever it had read ahead.
        config.install_signal_handlers = 0;
        config.configure_c_stdio = 0;
        // Python finds the environment (a venv's pyvenv.cfg) from this.
        PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, python);
        if (!PyStatus_Exception(status)) {
            status = Py_InitializeFromConfig(&config);
        }
        PyConfig_Clear(&config);
        if (PyStatus_Exception(status)) {
            log(std::string("cannot start Python ") + python + ": " +
                (status.err_msg ? status.err_msg : "unknown error") +
                (status.func ? std::string(" (in ") + status.func + ")" : std::string()));
            return false;
        }
        return true;
    }

    void load_python_agents(void)
    {
        if (Py_IsInitialized()) {
            // A Python process: use its interpreter, if it is the version
            // geopm_bridge's extension modules were built for.
            PyGILState_STATE gil = PyGILState_Ensure();
            PyObject *modules = PyImport_GetModuleDict();  // borrowed
            if (major_minor(Py_GetVersion()) != major_minor(PY_VERSION)) {
                log(std::string("this process runs Python ") + major_minor(Py_GetVersion()) +
                    " but geopm-bridge was built for Python " + major_minor(PY_VERSION) +
                    " (" + GEOPM_BRIDGE_PLUGIN_PYTHON + "); no Python agent is registered");
            }
            // geopm_bridge already loaded here registers its agents itself
            // (load_agents()); doing it from here could re-enter it.
            else if (PyDict_GetItemString(modules, "geopm_bridge.registry") == nullptr) {
                register_agents();
            }
            PyGILState_Release(gil);
            return;
        }
        if (is_python_program()) {
            // Preloaded (LD_PRELOAD) into a Python program before its main():
            // that interpreter is not ours to start.
            return;
        }
        if (start_python()) {
            register_agents();
            // Hand the GIL back: the controller's calls take it per hook.
            PyEval_SaveThread();
        }
    }
}

__attribute__((constructor)) static void geopm_bridge_plugin_load(void)
{
    try {
        load_python_agents();
    }
    catch (...) {
        log("unexpected C++ exception while loading the Python agents");
    }
}
