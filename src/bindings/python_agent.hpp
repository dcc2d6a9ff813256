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
#include "geopm_bridge/AgentPeriod.hpp"

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

        /// A hook as Python sees it: its method name (the C++ name) and
        /// the parameters it is called with, after self.
        struct AgentHook
        {
            const char *name;
            std::vector<const char *> parameters;
        };

        /// Every hook, indexed by agent_hook_e: the one list of the hooks'
        /// names and parameters. Registration checks a class against it
        /// (_core.AGENT_HOOKS, _core.AGENT_HOOK_PARAMETERS); the calls in
        /// agent.cpp pass exactly these arguments.
        extern const std::array<AgentHook, M_NUM_HOOK> AGENT_HOOKS;

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

        /// A NumPy array that owns its buffer, handed to a hook in place of
        /// one of the controller's vectors: the vector is copied in before
        /// the hook and, for an output, back after it. The array is made
        /// once and handed out again while the shape stays, so a hook call
        /// allocates nothing; an array an agent keeps holds its own memory
        /// and never points at a vector the controller has freed.
        class ArrayView
        {
            public:
                /// Borrowed reference to the float64 array: 1-D of length
                /// rows when cols < 0, else rows x cols (C order), made
                /// read-only unless is_writable. Its contents are left as
                /// they are. Needs the GIL.
                PyObject *get(py::ssize_t rows, py::ssize_t cols, bool is_writable);
                /// get() of a 1-D array holding a copy of vec. Needs the GIL.
                PyObject *fill(const std::vector<double> &vec, bool is_writable);
                /// The array's buffer, valid after get() until the next get().
                double *data(void) const;
                /// Drop the array (an agent that keeps it keeps its memory). Needs the GIL.
                void clear(void);
            private:
                double *m_data = nullptr;
                py::ssize_t m_rows = -1;
                py::ssize_t m_cols = -1;
                PyObject *m_array = nullptr;
        };

        class PythonAgent : public geopm::Agent, public AgentPeriod
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
                /// The class's period (GEOPM_PERIOD when set), declared to
                /// a composite agent whichever wait() the class has.
                double period(void) const override;
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
                /// Call a hook taking one input vector as a read-only array.
                void invoke_input(agent_hook_e hook, view_e view,
                                  const std::vector<double> &vec) const;
                /// Call a hook taking one output vector as an array (its
                /// contents copied in), and copy the array back into vec.
                void invoke_output(agent_hook_e hook, view_e view, std::vector<double> &vec) const;
                /// Copy the array of view back into vec (same length). Needs the GIL.
                void copy_back(view_e view, std::vector<double> &vec) const;
                void release_python(void) noexcept;

                std::shared_ptr<const AgentSpec> m_spec;
                PyObject *m_instance;
                /// What to call for each overridden hook, else null: the
                /// class's function when m_takes_self (the instance goes
                /// first), otherwise the attribute itself (a staticmethod,
                /// a classmethod, any callable).
                std::array<PyObject *, M_NUM_HOOK> m_method;
                std::array<bool, M_NUM_HOOK> m_takes_self;
                std::unique_ptr<geopm::Waiter> m_waiter;
                mutable std::array<ArrayView, M_NUM_VIEW> m_view;
        };
    }
}

#endif
