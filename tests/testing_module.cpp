/*
 * geopm_bridge_testing: a test-only extension module, kept out of the wheel
 * (as pybind11 keeps its test bindings in pybind11_tests). tests/cpp_build.py
 * testing_module() builds it with pybind11 against the installed package's
 * headers and runtime library. AgentDriver makes an agent through
 * geopm::agent_factory() and calls its hooks from C++ with the GIL released,
 * exactly as the controller does, on vectors it owns, so tests can check
 * what crosses the C++/Python boundary (buffer addresses, errors).
 * Import geopm_bridge first: it loads the runtime and registers the agents.
 */
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "geopm/Agent.hpp"
#include "geopm/Exception.hpp"

namespace py = pybind11;

namespace
{
    class AgentDriver
    {
        public:
            explicit AgentDriver(const std::string &name)
                : m_agent(geopm::agent_factory().make_plugin(name))
                , m_policy(geopm::Agent::num_policy(name), NAN)
                , m_sample(geopm::Agent::num_sample(name), NAN)
            {
            }

            void init(int level, const std::vector<int> &fan_in, bool is_level_root)
            {
                m_agent->init(level, fan_in, is_level_root);
            }

            std::vector<double> validate_policy(const std::vector<double> &policy)
            {
                fill(m_policy, policy);
                m_agent->validate_policy(m_policy);
                return m_policy;
            }

            std::vector<std::vector<double> > split_policy(const std::vector<double> &in_policy,
                                                           int num_children)
            {
                fill(m_policy, in_policy);
                std::vector<std::vector<double> > out_policy(
                    num_children, std::vector<double>(m_policy.size(), NAN));
                m_agent->split_policy(m_policy, out_policy);
                return out_policy;
            }

            std::vector<double> aggregate_sample(
                const std::vector<std::vector<double> > &in_sample)
            {
                m_agent->aggregate_sample(in_sample, m_sample);
                return m_sample;
            }

            void adjust_platform(const std::vector<double> &in_policy)
            {
                fill(m_policy, in_policy);
                m_agent->adjust_platform(m_policy);
            }

            std::vector<double> sample_platform(void)
            {
                m_agent->sample_platform(m_sample);
                return m_sample;
            }

            std::vector<std::string> trace_names(void)
            {
                std::vector<std::string> names = m_agent->trace_names();
                m_trace.assign(names.size(), NAN);
                return names;
            }

            std::vector<double> trace_values(void)
            {
                m_agent->trace_values(m_trace);
                return m_trace;
            }

            std::vector<std::string> trace_formats(const std::vector<double> &values)
            {
                auto formats = m_agent->trace_formats();
                std::vector<std::string> result;
                for (size_t idx = 0; idx < formats.size() && idx < values.size(); ++idx) {
                    result.push_back(formats[idx](values[idx]));
                }
                return result;
            }

            void enforce_policy(const std::vector<double> &policy)
            {
                fill(m_policy, policy);
                m_agent->enforce_policy(m_policy);
            }

            /// Address of the buffer the driver passes as the policy,
            /// the sample or the trace values.
            uintptr_t address(const std::string &buffer) const
            {
                const std::vector<double> &vec = buffer == "policy" ? m_policy :
                                                 buffer == "sample" ? m_sample :
                                                 buffer == "trace" ? m_trace :
                                                 throw py::value_error("unknown buffer " + buffer);
                return reinterpret_cast<uintptr_t>(vec.data());
            }

            /// Seconds spent in n leaf iterations of the controller's
            /// agent calls (no wait(), no platform I/O): a benchmark aid.
            double leaf_loop(int num_iteration)
            {
                auto begin = std::chrono::steady_clock::now();
                for (int iteration = 0; iteration < num_iteration; ++iteration) {
                    m_agent->validate_policy(m_policy);
                    m_agent->adjust_platform(m_policy);
                    (void)m_agent->do_write_batch();
                    m_agent->sample_platform(m_sample);
                    m_agent->trace_values(m_trace);
                }
                std::chrono::duration<double> elapsed =
                    std::chrono::steady_clock::now() - begin;
                return elapsed.count();
            }

            geopm::Agent &agent(void)
            {
                return *m_agent;
            }

        private:
            static void fill(std::vector<double> &target, const std::vector<double> &values)
            {
                if (values.size() != target.size()) {
                    throw py::value_error("expected " + std::to_string(target.size()) +
                                          " values, got " + std::to_string(values.size()));
                }
                std::copy(values.begin(), values.end(), target.begin());
            }

            std::unique_ptr<geopm::Agent> m_agent;
            std::vector<double> m_policy;
            std::vector<double> m_sample;
            std::vector<double> m_trace;
    };
}

PYBIND11_MODULE(geopm_bridge_testing, module)
{
    module.doc() = "Test-only helpers: drive an agent's hooks from C++ like the controller.";
    // A geopm::Exception surfaces as geopm_bridge.GeopmError, as from _core.
    // _core's own translator is not relied on: it reaches this module only
    // when both were built with the same pybind11 internals.
    py::module_::import("geopm_bridge");
    py::register_local_exception_translator([](std::exception_ptr pending) {
        try {
            if (pending) {
                std::rethrow_exception(pending);
            }
        }
        catch (const geopm::Exception &error) {
            try {
                py::object type = py::module_::import("geopm_bridge").attr("GeopmError");
                py::object value = type(error.what(), error.err_value());
                PyErr_SetObject(type.ptr(), value.ptr());
            }
            catch (py::error_already_set &failure) {
                failure.restore();
            }
        }
    });
    using release = py::call_guard<py::gil_scoped_release>;
    py::class_<AgentDriver>(module, "AgentDriver")
        .def(py::init<const std::string &>(), py::arg("name"))
        .def("init", &AgentDriver::init, release())
        .def("validate_policy", &AgentDriver::validate_policy, release())
        .def("split_policy", &AgentDriver::split_policy, release())
        .def("do_send_policy", [](AgentDriver &self) {
            return self.agent().do_send_policy();
        }, release())
        .def("aggregate_sample", &AgentDriver::aggregate_sample, release())
        .def("do_send_sample", [](AgentDriver &self) {
            return self.agent().do_send_sample();
        }, release())
        .def("adjust_platform", &AgentDriver::adjust_platform, release())
        .def("do_write_batch", [](AgentDriver &self) {
            return self.agent().do_write_batch();
        }, release())
        .def("sample_platform", &AgentDriver::sample_platform, release())
        .def("wait", [](AgentDriver &self) { self.agent().wait(); }, release())
        .def("report_header", [](AgentDriver &self) {
            return self.agent().report_header();
        }, release())
        .def("report_host", [](AgentDriver &self) {
            return self.agent().report_host();
        }, release())
        .def("report_region", [](AgentDriver &self) {
            return self.agent().report_region();
        }, release())
        .def("trace_names", &AgentDriver::trace_names, release())
        .def("trace_formats", &AgentDriver::trace_formats, release())
        .def("trace_values", &AgentDriver::trace_values, release())
        .def("enforce_policy", &AgentDriver::enforce_policy, release())
        .def("address", &AgentDriver::address)
        .def("leaf_loop", &AgentDriver::leaf_loop, release());
}
