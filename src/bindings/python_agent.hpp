/*
 * PythonAgent: the geopm::Agent the controller holds for a Python agent. It
 * owns one instance of the Python class and forwards each hook the class
 * overrides; every other hook runs its C++ default without touching Python.
 */
#ifndef GEOPM_BRIDGE_PYTHON_AGENT_HPP_INCLUDE
#define GEOPM_BRIDGE_PYTHON_AGENT_HPP_INCLUDE

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "geopm/Agent.hpp"
#include "geopm/Waiter.hpp"

#include "bindings.hpp"

namespace geopm_bridge
{
    namespace bindings
    {
        /// The hooks a Python agent may override, in geopm::Agent's order.
        enum agent_hook_e {
            M_HOOK_INIT,
            M_HOOK_VALIDATE_POLICY,
            M_HOOK_SPLIT_POLICY,
            M_HOOK_DO_SEND_POLICY,
            M_HOOK_AGGREGATE_SAMPLE,
            M_HOOK_DO_SEND_SAMPLE,
            M_HOOK_ADJUST_PLATFORM,
            M_HOOK_DO_WRITE_BATCH,
            M_HOOK_SAMPLE_PLATFORM,
            M_HOOK_WAIT,
            M_HOOK_REPORT_HEADER,
            M_HOOK_REPORT_HOST,
            M_HOOK_REPORT_REGION,
            M_HOOK_TRACE_NAMES,
            M_HOOK_TRACE_FORMATS,
            M_HOOK_TRACE_VALUES,
            M_HOOK_ENFORCE_POLICY,
            M_NUM_HOOK,
        };

        /// Python method name of each hook (same as the C++ name).
        extern const std::array<const char *, M_NUM_HOOK> AGENT_HOOK_NAMES;

        /// What registration learned about one Python agent class; shared
        /// by every agent made from it.
        struct AgentSpec
        {
            /// Needs the GIL.
            AgentSpec(const std::string &agent_name, py::handle agent_class)
                : name(agent_name)
                , cls(agent_class)
            {
            }
            std::string name;
            GilRef cls;
            std::array<bool, M_NUM_HOOK> is_overridden = {};
            int num_policy = 0;
            int num_sample = 0;
            double period = 0.0;
            /// One function per sample, for the default aggregate_sample().
            std::vector<std::function<double(const std::vector<double> &)> > aggregation;
            /// Some aggregation function is a Python callable.
            bool is_aggregation_python = false;
        };

        /// A NumPy array over a C++ buffer. The array object is kept and
        /// handed out again while the buffer keeps its address and shape,
        /// so a controller that reuses its vectors pays for no allocation.
        class ArrayView
        {
            public:
                /// Borrowed reference to a float64 view of data: 1-D of
                /// length rows when cols < 0, else rows x cols. Needs the GIL.
                PyObject *get(const double *data, py::ssize_t rows, py::ssize_t cols,
                              bool is_writable, py::handle base);
                /// Drop the cached array. Needs the GIL.
                void clear(void);
            private:
                const double *m_data = nullptr;
                py::ssize_t m_rows = -1;
                py::ssize_t m_cols = -1;
                PyObject *m_array = nullptr;
        };

        class PythonAgent : public geopm::Agent
        {
            public:
                /// Needs the GIL; instance is a new object of spec->cls.
                PythonAgent(std::shared_ptr<const AgentSpec> spec, py::object instance);
                /// Takes the GIL to release the Python objects.
                virtual ~PythonAgent();
                /// The Python agent object. Needs the GIL.
                py::object instance(void) const;

                void init(int level, const std::vector<int> &fan_in, bool is_level_root) override;
                void validate_policy(std::vector<double> &policy) const override;
                void split_policy(const std::vector<double> &in_policy,
                                  std::vector<std::vector<double> > &out_policy) override;
                bool do_send_policy(void) const override;
                void aggregate_sample(const std::vector<std::vector<double> > &in_sample,
                                      std::vector<double> &out_sample) override;
                bool do_send_sample(void) const override;
                void adjust_platform(const std::vector<double> &in_policy) override;
                bool do_write_batch(void) const override;
                void sample_platform(std::vector<double> &out_sample) override;
                void wait(void) override;
                std::vector<std::pair<std::string, std::string> > report_header(void) const override;
                std::vector<std::pair<std::string, std::string> > report_host(void) const override;
                std::map<uint64_t, std::vector<std::pair<std::string, std::string> > > report_region(void) const override;
                std::vector<std::string> trace_names(void) const override;
                std::vector<std::function<std::string(double)> > trace_formats(void) const override;
                void trace_values(std::vector<double> &values) override;
                void enforce_policy(const std::vector<double> &policy) const override;
            private:
                // The views every leaf uses each iteration come first, so
                // that their cache entries share cache lines.
                enum view_e {
                    M_VIEW_VALIDATE_POLICY,
                    M_VIEW_ADJUST_IN,
                    M_VIEW_SAMPLE_OUT,
                    M_VIEW_TRACE_VALUES,
                    M_VIEW_SPLIT_IN,
                    M_VIEW_SPLIT_OUT,
                    M_VIEW_AGGREGATE_IN,
                    M_VIEW_AGGREGATE_OUT,
                    M_VIEW_ENFORCE_POLICY,
                    M_NUM_VIEW,
                };
                /// "<agent>.<hook>()", for error messages.
                std::string where(agent_hook_e hook) const;
                /// Run body with the GIL held; any error leaves as a
                /// geopm::Exception naming the agent and hook.
                template <typename Body>
                auto with_python(agent_hook_e hook, Body &&body) const -> decltype(body());
                /// Call the overriding method with args. Needs the GIL.
                py::object invoke(agent_hook_e hook, std::initializer_list<PyObject *> args) const;
                /// Call a hook returning bool (default when not overridden).
                bool invoke_bool(agent_hook_e hook, bool default_value) const;
                /// Call a hook taking one vector as a NumPy view.
                void invoke_vector(agent_hook_e hook, view_e view,
                                   const std::vector<double> &vec, bool is_writable) const;
                PyObject *vector_view(view_e view, const std::vector<double> &vec,
                                      bool is_writable) const;
                void release_python(void) noexcept;

                std::shared_ptr<const AgentSpec> m_spec;
                PyObject *m_instance;
                /// Base object of the views: NumPy then never copies.
                PyObject *m_view_base;
                /// What to call for each overridden hook, else null: the
                /// class's function when m_takes_self (the instance goes
                /// first), otherwise the attribute itself (a staticmethod,
                /// a classmethod, any callable).
                std::array<PyObject *, M_NUM_HOOK> m_method;
                std::array<bool, M_NUM_HOOK> m_takes_self;
                std::unique_ptr<geopm::Waiter> m_waiter;
                mutable std::array<ArrayView, M_NUM_VIEW> m_view;
                /// Contiguous copy of aggregate_sample()'s ragged input.
                std::vector<double> m_in_sample;
                /// Contiguous stand-in for split_policy()'s output rows.
                std::vector<double> m_out_policy;
        };
    }
}

#endif
