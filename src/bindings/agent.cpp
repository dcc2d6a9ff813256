/*
 * The Python agent trampoline (PythonAgent), its NumPy arrays, and the
 * module-level helpers Python agents use (aggregate_sample, Waiter).
 *
 * Cost model: a hook the Python class does not override never takes the GIL.
 * An overridden hook takes the GIL once, copies the controller's vector into
 * a cached NumPy array that owns its buffer (and an output back after the
 * call: a few doubles each), and calls the bound method with vectorcall, so
 * the only per-call allocations are the ones the Python code itself makes.
 * Because the arrays own their memory, one an agent keeps after its job (or
 * its tree) has ended still reads its last values, never freed memory.
 */
#include "python_agent.hpp"

#include <algorithm>
#include <cstdio>
#include <regex>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "geopm/Agg.hpp"
#include "geopm/Environment.hpp"
#include "geopm/Exception.hpp"
#include "geopm_error.h"

namespace geopm_bridge
{
    namespace bindings
    {
        const std::array<AgentHook, M_NUM_HOOK> AGENT_HOOKS = {{
            {"init", {"level", "fan_in", "is_level_root"}},
            {"validate_policy", {"policy"}},
            {"split_policy", {"in_policy", "out_policy"}},
            {"do_send_policy", {}},
            {"aggregate_sample", {"in_sample", "out_sample"}},
            {"do_send_sample", {}},
            {"adjust_platform", {"in_policy"}},
            {"do_write_batch", {}},
            {"sample_platform", {"out_sample"}},
            {"wait", {}},
            {"report_header", {}},
            {"report_host", {}},
            {"report_region", {}},
            {"trace_names", {}},
            {"trace_formats", {}},
            {"trace_values", {"values"}},
            {"enforce_policy", {"policy"}},
        }};

        namespace
        {
            /// True when format prints one double: exactly one %e/%f/%g/%a
            /// conversion (flags, width and precision allowed) among plain
            /// text and "%%". Anything else could read arguments that are
            /// not there.
            bool is_double_format(const std::string &format)
            {
                static const std::regex S_DOUBLE_FORMAT(
                    R"(([^%]|%%)*%[-+ #0]*[0-9]*(\.[0-9]*)?[eEfFgGaA]([^%]|%%)*)");
                return std::regex_match(format, S_DOUBLE_FORMAT);
            }

            std::string format_double(const std::string &format, double value)
            {
                char buffer[64];
                int size = std::snprintf(buffer, sizeof(buffer), format.c_str(), value);
                if (size < 0) {
                    return "nan";
                }
                if (static_cast<size_t>(size) < sizeof(buffer)) {
                    return std::string(buffer, size);
                }
                std::string result(size, '\0');
                std::snprintf(&result[0], result.size() + 1, format.c_str(), value);
                return result;
            }

            std::vector<std::pair<std::string, std::string> > to_pairs(py::handle result)
            {
                std::vector<std::pair<std::string, std::string> > pairs;
                for (py::handle item : result) {
                    bool is_pair = PySequence_Check(item.ptr()) && !py::isinstance<py::str>(item) &&
                                   py::len(item) == 2;
                    auto pair = py::reinterpret_borrow<py::sequence>(item);
                    if (!is_pair || !py::isinstance<py::str>(pair[0])) {
                        throw py::type_error("expected (key, value) pairs with a str key, got " +
                                             std::string(py::repr(item)));
                    }
                    // Values are printed into the report: any object is
                    // accepted and converted with str().
                    pairs.emplace_back(py::str(pair[0]), py::str(pair[1]));
                }
                return pairs;
            }

            std::vector<std::string> to_strings(py::handle result)
            {
                std::vector<std::string> names;
                for (py::handle item : result) {
                    if (!py::isinstance<py::str>(item)) {
                        throw py::type_error("expected str items, got " +
                                             std::string(py::repr(item)));
                    }
                    names.push_back(item.cast<std::string>());
                }
                return names;
            }

            /// Width of rows that must all have the same length (cols
            /// when there is no row).
            py::ssize_t uniform_width(const std::vector<std::vector<double> > &rows, size_t cols,
                                      const char *what)
            {
                if (!rows.empty()) {
                    cols = rows[0].size();
                }
                for (const auto &row : rows) {
                    if (row.size() != cols) {
                        throw py::value_error(std::string(what) + " rows differ in length (" +
                                              std::to_string(row.size()) + " and " +
                                              std::to_string(cols) + ")");
                    }
                }
                return static_cast<py::ssize_t>(cols);
            }
        }

        std::function<double(const std::vector<double> &)>
            agg_function(py::handle spec, const std::string &where)
        {
            if (py::isinstance<py::str>(spec)) {
                std::string name = spec.cast<std::string>();
                try {
                    return geopm::Agg::name_to_function(name);
                }
                catch (const geopm::Exception &) {
                    std::string known;
                    for (int type = 0; type < geopm::Agg::M_NUM_TYPE; ++type) {
                        known += (type ? ", " : "") + geopm::Agg::type_to_name(type);
                    }
                    throw py::value_error(where + ": unknown aggregation \"" + name +
                                          "\" (GEOPM Agg names: " + known + ")");
                }
            }
            if (PyCallable_Check(spec.ptr())) {
                auto callable = std::make_shared<GilRef>(spec);
                return [callable](const std::vector<double> &column) {
                    py::gil_scoped_acquire gil;
                    // A copy: the callable may keep its argument.
                    py::array_t<double> values(static_cast<py::ssize_t>(column.size()), column.data());
                    return callable->get()(values).cast<double>();
                };
            }
            throw py::type_error(where + ": an aggregation is a GEOPM Agg name or a callable, got " +
                                 std::string(py::repr(spec)));
        }

        PyObject *ArrayView::get(py::ssize_t rows, py::ssize_t cols, bool is_writable)
        {
            if (m_array != nullptr && rows == m_rows && cols == m_cols) {
                return m_array;
            }
            std::vector<py::ssize_t> shape = {rows};
            if (cols >= 0) {
                shape.push_back(cols);
            }
            // NumPy allocates and owns the buffer: the array keeps it alive
            // for as long as anything (a view of it included) refers to it.
            py::array_t<double> array(shape);
            double *data = array.mutable_data();
            if (!is_writable) {
                array.attr("setflags")(py::arg("write") = false);
            }
            clear();
            m_array = array.release().ptr();
            m_data = data;
            m_rows = rows;
            m_cols = cols;
            return m_array;
        }

        PyObject *ArrayView::fill(const std::vector<double> &vec, bool is_writable)
        {
            PyObject *array = get(static_cast<py::ssize_t>(vec.size()), -1, is_writable);
            std::copy(vec.begin(), vec.end(), m_data);
            return array;
        }

        double *ArrayView::data(void) const
        {
            return m_data;
        }

        void ArrayView::clear(void)
        {
            Py_CLEAR(m_array);
            m_data = nullptr;
            m_rows = -1;
            m_cols = -1;
        }

        PythonAgent::PythonAgent(std::shared_ptr<const AgentSpec> spec, py::object instance)
            : m_spec(std::move(spec))
            , m_instance(instance.release().ptr())
            , m_method{}
            , m_takes_self{}
        {
            try {
                for (int hook = 0; hook < M_NUM_HOOK; ++hook) {
                    if (!m_spec->is_overridden[hook]) {
                        continue;
                    }
                    py::object bound = py::getattr(m_instance, AGENT_HOOKS[hook].name);
                    if (PyMethod_Check(bound.ptr()) && PyMethod_GET_SELF(bound.ptr()) == m_instance) {
                        // A plain method: keep the class's function and pass
                        // the instance, as the bound method would. Every
                        // agent of the class then shares one hot object
                        // instead of holding a bound method per hook (it
                        // counts with thousands of simulated nodes).
                        m_method[hook] = PyMethod_GET_FUNCTION(bound.ptr());
                        Py_INCREF(m_method[hook]);
                        m_takes_self[hook] = true;
                    }
                    else {
                        m_method[hook] = bound.release().ptr();
                    }
                }
                if (!m_spec->is_overridden[M_HOOK_WAIT]) {
                    m_waiter = geopm::Waiter::make_unique(geopm::environment().period(m_spec->period));
                }
            }
            catch (...) {
                release_python();
                throw;
            }
        }

        PythonAgent::~PythonAgent()
        {
            release_python();
        }

        void PythonAgent::release_python(void) noexcept
        {
            if (!Py_IsInitialized()) {
                return;  // the interpreter is gone and took the objects with it
            }
            PyGILState_STATE state = PyGILState_Ensure();
            for (auto &view : m_view) {
                view.clear();
            }
            for (auto &method : m_method) {
                Py_CLEAR(method);
            }
            Py_CLEAR(m_instance);
            PyGILState_Release(state);
        }

        py::object PythonAgent::instance(void) const
        {
            return py::reinterpret_borrow<py::object>(m_instance);
        }

        std::string PythonAgent::where(agent_hook_e hook) const
        {
            return m_spec->name + "." + AGENT_HOOKS[hook].name + "()";
        }

        template <typename Body>
        auto PythonAgent::with_python(agent_hook_e hook, Body &&body) const -> decltype(body())
        {
            py::gil_scoped_acquire gil;
            try {
                return body();
            }
            catch (py::error_already_set &error) {
                throw_from_python(where(hook), error);
            }
            catch (py::builtin_exception &error) {
                // A conversion of the hook's result failed: report it like
                // the Python exception it stands for.
                error.set_error();
                py::error_already_set python_error;
                throw_from_python(where(hook), python_error);
            }
            catch (const geopm::Exception &) {
                throw;
            }
            catch (const std::exception &error) {
                throw geopm::Exception(where(hook) + ": " + error.what(),
                                       GEOPM_ERROR_RUNTIME, nullptr, 0);
            }
        }

        py::object PythonAgent::invoke(agent_hook_e hook, std::initializer_list<PyObject *> args) const
        {
            // Slot 0 is scratch space that vectorcall may use for self.
            std::array<PyObject *, 5> argv = {};
            size_t num_arg = 0;
            if (m_takes_self[hook]) {
                argv[1 + num_arg++] = m_instance;
            }
            for (PyObject *arg : args) {
                argv[1 + num_arg++] = arg;
            }
            PyObject *result = PyObject_Vectorcall(m_method[hook], argv.data() + 1,
                                                   num_arg | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                                   nullptr);
            if (result == nullptr) {
                throw py::error_already_set();
            }
            return py::reinterpret_steal<py::object>(result);
        }

        bool PythonAgent::invoke_bool(agent_hook_e hook, bool default_value) const
        {
            if (m_method[hook] == nullptr) {
                return default_value;
            }
            return with_python(hook, [&] {
                int truth = PyObject_IsTrue(invoke(hook, {}).ptr());
                if (truth < 0) {
                    throw py::error_already_set();
                }
                return truth == 1;
            });
        }

        void PythonAgent::invoke_input(agent_hook_e hook, view_e view,
                                       const std::vector<double> &vec) const
        {
            if (m_method[hook] == nullptr) {
                return;
            }
            with_python(hook, [&] {
                invoke(hook, {m_view[view].fill(vec, false)});
            });
        }

        void PythonAgent::invoke_output(agent_hook_e hook, view_e view,
                                        std::vector<double> &vec) const
        {
            if (m_method[hook] == nullptr) {
                return;
            }
            with_python(hook, [&] {
                invoke(hook, {m_view[view].fill(vec, true)});
                copy_back(view, vec);
            });
        }

        void PythonAgent::copy_back(view_e view, std::vector<double> &vec) const
        {
            const double *data = m_view[view].data();
            std::copy(data, data + vec.size(), vec.begin());
        }

        void PythonAgent::init(int level, const std::vector<int> &fan_in, bool is_level_root)
        {
            if (m_method[M_HOOK_INIT] == nullptr) {
                return;
            }
            with_python(M_HOOK_INIT, [&] {
                py::int_ py_level(level);
                py::list py_fan_in = py::cast(fan_in);
                py::bool_ py_is_root(is_level_root);
                invoke(M_HOOK_INIT, {py_level.ptr(), py_fan_in.ptr(), py_is_root.ptr()});
            });
        }

        void PythonAgent::validate_policy(std::vector<double> &policy) const
        {
            invoke_output(M_HOOK_VALIDATE_POLICY, M_VIEW_VALIDATE_POLICY, policy);
        }

        void PythonAgent::split_policy(const std::vector<double> &in_policy,
                                       std::vector<std::vector<double> > &out_policy)
        {
            if (m_method[M_HOOK_SPLIT_POLICY] == nullptr) {
                for (auto &row : out_policy) {
                    row.assign(in_policy.begin(), in_policy.end());
                }
                return;
            }
            with_python(M_HOOK_SPLIT_POLICY, [&] {
                py::ssize_t rows = static_cast<py::ssize_t>(out_policy.size());
                py::ssize_t cols = uniform_width(out_policy, in_policy.size(), "out_policy");
                // The rows are separate buffers: the agent edits one
                // contiguous array that is written back after the call.
                PyObject *in_view = m_view[M_VIEW_SPLIT_IN].fill(in_policy, false);
                PyObject *out_view = m_view[M_VIEW_SPLIT_OUT].get(rows, cols, true);
                double *out = m_view[M_VIEW_SPLIT_OUT].data();
                for (py::ssize_t row = 0; row < rows; ++row) {
                    std::copy(out_policy[row].begin(), out_policy[row].end(), out + row * cols);
                }
                invoke(M_HOOK_SPLIT_POLICY, {in_view, out_view});
                for (py::ssize_t row = 0; row < rows; ++row) {
                    std::copy(out + row * cols, out + (row + 1) * cols, out_policy[row].begin());
                }
            });
        }

        bool PythonAgent::do_send_policy(void) const
        {
            return invoke_bool(M_HOOK_DO_SEND_POLICY, true);
        }

        void PythonAgent::aggregate_sample(const std::vector<std::vector<double> > &in_sample,
                                           std::vector<double> &out_sample)
        {
            if (m_method[M_HOOK_AGGREGATE_SAMPLE] == nullptr) {
                if (!m_spec->is_aggregation_python) {
                    geopm::Agent::aggregate_sample(in_sample, m_spec->aggregation, out_sample);
                    return;
                }
                with_python(M_HOOK_AGGREGATE_SAMPLE, [&] {
                    geopm::Agent::aggregate_sample(in_sample, m_spec->aggregation, out_sample);
                });
                return;
            }
            with_python(M_HOOK_AGGREGATE_SAMPLE, [&] {
                py::ssize_t rows = static_cast<py::ssize_t>(in_sample.size());
                py::ssize_t cols = uniform_width(in_sample, out_sample.size(), "in_sample");
                // The children's rows are separate buffers: they go into
                // one C-ordered children x samples array.
                PyObject *in_view = m_view[M_VIEW_AGGREGATE_IN].get(rows, cols, false);
                double *in = m_view[M_VIEW_AGGREGATE_IN].data();
                for (py::ssize_t row = 0; row < rows; ++row) {
                    std::copy(in_sample[row].begin(), in_sample[row].end(), in + row * cols);
                }
                PyObject *out_view = m_view[M_VIEW_AGGREGATE_OUT].fill(out_sample, true);
                invoke(M_HOOK_AGGREGATE_SAMPLE, {in_view, out_view});
                copy_back(M_VIEW_AGGREGATE_OUT, out_sample);
            });
        }

        bool PythonAgent::do_send_sample(void) const
        {
            return invoke_bool(M_HOOK_DO_SEND_SAMPLE, true);
        }

        void PythonAgent::adjust_platform(const std::vector<double> &in_policy)
        {
            invoke_input(M_HOOK_ADJUST_PLATFORM, M_VIEW_ADJUST_IN, in_policy);
        }

        bool PythonAgent::do_write_batch(void) const
        {
            // An agent that adjusts controls wants them written by default.
            return invoke_bool(M_HOOK_DO_WRITE_BATCH, m_spec->is_overridden[M_HOOK_ADJUST_PLATFORM]);
        }

        void PythonAgent::sample_platform(std::vector<double> &out_sample)
        {
            invoke_output(M_HOOK_SAMPLE_PLATFORM, M_VIEW_SAMPLE_OUT, out_sample);
        }

        double PythonAgent::period(void) const
        {
            return geopm::environment().period(m_spec->period);
        }

        void PythonAgent::wait(void)
        {
            if (m_method[M_HOOK_WAIT] == nullptr) {
                m_waiter->wait();
                return;
            }
            with_python(M_HOOK_WAIT, [&] {
                invoke(M_HOOK_WAIT, {});
            });
        }

        std::vector<std::pair<std::string, std::string> > PythonAgent::report_header(void) const
        {
            if (m_method[M_HOOK_REPORT_HEADER] == nullptr) {
                return {};
            }
            return with_python(M_HOOK_REPORT_HEADER, [&] {
                return to_pairs(invoke(M_HOOK_REPORT_HEADER, {}));
            });
        }

        std::vector<std::pair<std::string, std::string> > PythonAgent::report_host(void) const
        {
            if (m_method[M_HOOK_REPORT_HOST] == nullptr) {
                return {};
            }
            return with_python(M_HOOK_REPORT_HOST, [&] {
                return to_pairs(invoke(M_HOOK_REPORT_HOST, {}));
            });
        }

        std::map<uint64_t, std::vector<std::pair<std::string, std::string> > >
            PythonAgent::report_region(void) const
        {
            if (m_method[M_HOOK_REPORT_REGION] == nullptr) {
                return {};
            }
            return with_python(M_HOOK_REPORT_REGION, [&] {
                std::map<uint64_t, std::vector<std::pair<std::string, std::string> > > regions;
                py::object result = invoke(M_HOOK_REPORT_REGION, {});
                for (py::handle item : result.attr("items")()) {
                    py::tuple entry = py::reinterpret_borrow<py::tuple>(item);
                    regions[entry[0].cast<uint64_t>()] = to_pairs(entry[1]);
                }
                return regions;
            });
        }

        std::vector<std::string> PythonAgent::trace_names(void) const
        {
            if (m_method[M_HOOK_TRACE_NAMES] == nullptr) {
                return {};
            }
            return with_python(M_HOOK_TRACE_NAMES, [&] {
                return to_strings(invoke(M_HOOK_TRACE_NAMES, {}));
            });
        }

        std::vector<std::function<std::string(double)> > PythonAgent::trace_formats(void) const
        {
            if (m_method[M_HOOK_TRACE_FORMATS] == nullptr) {
                return {};
            }
            return with_python(M_HOOK_TRACE_FORMATS, [&] {
                std::vector<std::function<std::string(double)> > formats;
                for (py::handle item : invoke(M_HOOK_TRACE_FORMATS, {})) {
                    if (py::isinstance<py::str>(item)) {
                        std::string format = item.cast<std::string>();
                        if (!is_double_format(format)) {
                            throw py::value_error("format " + std::string(py::repr(item)) +
                                                  " must hold exactly one floating-point "
                                                  "conversion such as %.3f or %g");
                        }
                        formats.emplace_back([format](double value) {
                            return format_double(format, value);
                        });
                    }
                    else if (PyCallable_Check(item.ptr())) {
                        auto callable = std::make_shared<GilRef>(item);
                        std::string location = where(M_HOOK_TRACE_FORMATS);
                        formats.emplace_back([callable, location](double value) -> std::string {
                            py::gil_scoped_acquire gil;
                            try {
                                return py::str(callable->get()(value));
                            }
                            catch (py::error_already_set &error) {
                                throw_from_python(location, error);
                            }
                        });
                    }
                    else {
                        throw py::type_error("expected a format string or a callable, got " +
                                             std::string(py::repr(item)));
                    }
                }
                return formats;
            });
        }

        void PythonAgent::trace_values(std::vector<double> &values)
        {
            invoke_output(M_HOOK_TRACE_VALUES, M_VIEW_TRACE_VALUES, values);
        }

        void PythonAgent::enforce_policy(const std::vector<double> &policy) const
        {
            invoke_input(M_HOOK_ENFORCE_POLICY, M_VIEW_ENFORCE_POLICY, policy);
        }

        void init_agent(py::module_ &module)
        {
            py::tuple hooks(static_cast<size_t>(M_NUM_HOOK));
            py::dict parameters;
            for (int hook = 0; hook < M_NUM_HOOK; ++hook) {
                hooks[hook] = py::str(AGENT_HOOKS[hook].name);
                py::tuple names(AGENT_HOOKS[hook].parameters.size());
                for (size_t param = 0; param < AGENT_HOOKS[hook].parameters.size(); ++param) {
                    names[param] = py::str(AGENT_HOOKS[hook].parameters[param]);
                }
                parameters[hooks[hook]] = names;
            }
            module.attr("AGENT_HOOKS") = hooks;
            module.attr("AGENT_HOOK_PARAMETERS") = parameters;

            module.def("aggregate_sample",
                [](py::array_t<double, py::array::c_style | py::array::forcecast> in_sample,
                   py::sequence agg_funcs, py::array out_sample) {
                    if (in_sample.ndim() != 2) {
                        throw py::value_error("aggregate_sample(): in_sample must be 2-D "
                                              "(children x samples)");
                    }
                    if (out_sample.ndim() != 1 || !out_sample.dtype().is(py::dtype::of<double>())) {
                        throw py::type_error("aggregate_sample(): out_sample must be a 1-D "
                                             "float64 array");
                    }
                    py::ssize_t rows = in_sample.shape(0);
                    py::ssize_t cols = in_sample.shape(1);
                    if (cols != out_sample.shape(0) || py::len(agg_funcs) != static_cast<size_t>(cols)) {
                        throw py::value_error("aggregate_sample(): in_sample has " + std::to_string(cols) +
                                              " columns, out_sample " + std::to_string(out_sample.shape(0)) +
                                              " entries and agg_funcs " + std::to_string(py::len(agg_funcs)) +
                                              " functions: they must agree");
                    }
                    auto out = out_sample.mutable_unchecked<double, 1>();
                    std::vector<std::function<double(const std::vector<double> &)> > funcs;
                    for (py::handle spec : agg_funcs) {
                        funcs.push_back(agg_function(spec, "aggregate_sample()"));
                    }
                    std::vector<std::vector<double> > in(rows);
                    for (py::ssize_t row = 0; row < rows; ++row) {
                        in[row].assign(in_sample.data(row, 0), in_sample.data(row, 0) + cols);
                    }
                    std::vector<double> result(cols);
                    geopm::Agent::aggregate_sample(in, funcs, result);
                    for (py::ssize_t col = 0; col < cols; ++col) {
                        out(col) = result[col];
                    }
                },
                py::arg("in_sample"), py::arg("agg_funcs"), py::arg("out_sample"),
                "Aggregate each column of in_sample (children x samples) into out_sample with\n"
                "the matching agg_funcs entry: a GEOPM Agg name (\"sum\", \"average\", ...) or a\n"
                "callable taking a float64 array and returning a number.");

            module.def("environment_period", [](double default_period) {
                    return geopm::environment().period(default_period);
                }, py::arg("default_period"),
                "GEOPM_PERIOD in seconds when it is set, else default_period.");

            py::class_<geopm::Waiter>(module, "Waiter",
                                      "Paces a loop: wait() returns at the next multiple of the period.")
                .def(py::init([](double period) {
                         return geopm::Waiter::make_unique(period);
                     }), py::arg("period"))
                .def("wait", &geopm::Waiter::wait, py::call_guard<py::gil_scoped_release>(),
                     "Sleep until the next period boundary (without the GIL).")
                .def("reset", py::overload_cast<>(&geopm::Waiter::reset),
                     "Restart the schedule from now.")
                .def("reset", py::overload_cast<double>(&geopm::Waiter::reset), py::arg("period"),
                     "Restart the schedule from now with a new period.")
                .def_property_readonly("period", &geopm::Waiter::period,
                                       "Seconds between two wakes.");
        }
    }
}
