/*
 * The agent factory from Python: register Python agent classes as real
 * plugins of geopm::agent_factory(), make agents, and the geopm::Agent
 * dictionary helpers.
 */
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include "geopm/Agent.hpp"
#include "geopm/Exception.hpp"
#include "geopm_error.h"
#include "geopm_bridge/Composite.hpp"

#include "python_agent.hpp"

namespace geopm_bridge
{
    namespace bindings
    {
        namespace
        {
            /// A C++ agent made from Python: held, not driven.
            struct CppAgent
            {
                std::string name;
                std::unique_ptr<geopm::Agent> agent;
            };

            agent_hook_e hook_of(const std::string &name)
            {
                for (int hook = 0; hook < M_NUM_HOOK; ++hook) {
                    if (name == AGENT_HOOKS[hook].name) {
                        return static_cast<agent_hook_e>(hook);
                    }
                }
                throw py::value_error("unknown agent hook \"" + name + "\"");
            }

            /// The spec of each Python agent by name. Its maker in
            /// geopm::agent_factory() looks the spec up at every call, so
            /// that a class registered again under its name (a notebook
            /// cell run again) replaces the one before: the factory cannot
            /// drop a registration. Used with the GIL held.
            std::map<std::string, std::shared_ptr<const AgentSpec> > &python_agents(void)
            {
                // Never destroyed: a maker may still run while the process exits.
                static auto *specs = new std::map<std::string, std::shared_ptr<const AgentSpec> >;
                return *specs;
            }

            /// Give the Python agent name the dictionary of its new class.
            void replace_dictionary(const std::string &name,
                                    const std::map<std::string, std::string> &dictionary)
            {
                const std::map<std::string, std::string> &current =
                    geopm::agent_factory().dictionary(name);
                if (current == dictionary) {
                    return;
                }
#ifdef GEOPM_BRIDGE_EMBEDDED
                // geopm::PluginFactory has no call to change a dictionary.
                // The embedded runtime's keeps each one as a non-const map
                // and dictionary() returns a reference to it
                // (cpp/include/geopm/PluginFactory.hpp): writing through
                // it is defined. GEOPM's own keeps them const.
                const_cast<std::map<std::string, std::string> &>(current) = dictionary;
#else
                throw geopm::Exception(
                    "agent \"" + name + "\" is registered with other policy or sample names: "
                    "on the native backend GEOPM's agent factory cannot change them, so a class "
                    "registered again must keep them (or start a new process)",
                    GEOPM_ERROR_INVALID, __FILE__, __LINE__);
#endif
            }

            void register_python_agent(const std::string &name, py::handle cls,
                                       const std::vector<std::string> &policy_names,
                                       const std::vector<std::string> &sample_names,
                                       const std::vector<std::string> &overridden,
                                       double period, const py::sequence &aggregation)
            {
                auto spec = std::make_shared<AgentSpec>(name, cls);
                for (const auto &hook : overridden) {
                    spec->is_overridden[hook_of(hook)] = true;
                }
                spec->num_policy = static_cast<int>(policy_names.size());
                spec->num_sample = static_cast<int>(sample_names.size());
                spec->period = period;
                if (py::len(aggregation) != sample_names.size()) {
                    throw py::value_error(name + ": one aggregation per sample is needed");
                }
                std::string where = py::str(cls.attr("__qualname__")).cast<std::string>() +
                                    ".sample_aggregation";
                for (py::handle entry : aggregation) {
                    spec->aggregation.push_back(agg_function(entry, where));
                    spec->is_aggregation_python |= !py::isinstance<py::str>(entry);
                }
                auto dictionary = geopm::Agent::make_dictionary(policy_names, sample_names);
                auto &specs = python_agents();
                auto known = specs.find(name);
                if (known != specs.end()) {
                    replace_dictionary(name, dictionary);
                    known->second = spec;
                    return;
                }
                // Refused here, not only by register_plugin(): while the
                // embedded runtime loads a plugin (libgeopmagent_python
                // registering the Python agents) it keeps a failed
                // registration for its loader, which then fails the whole
                // plugin, where Python expects this one agent refused.
                // A built-in agent or a C++ plugin is never replaced.
                std::vector<std::string> taken = geopm::agent_factory().plugin_names();
                if (std::find(taken.begin(), taken.end(), name) != taken.end()) {
                    throw geopm::Exception("PluginFactory::register_plugin(): name \"" + name +
                                           "\" is already registered",
                                           GEOPM_ERROR_INVALID, __FILE__, __LINE__);
                }
                auto make = [name]() -> std::unique_ptr<geopm::Agent> {
                    py::gil_scoped_acquire gil;
                    std::shared_ptr<const AgentSpec> current = python_agents().at(name);
                    try {
                        return std::make_unique<PythonAgent>(current, current->cls.get()());
                    }
                    catch (py::error_already_set &error) {
                        throw_from_python(current->name + ".__init__()", error);
                    }
                };
                geopm::agent_factory().register_plugin(name, make, dictionary);
                specs.emplace(name, spec);
            }

            /// A composite name registered on demand.
            const std::string &resolved(const std::string &name)
            {
                return resolve_agent(name);
            }

            py::object make_plugin(const std::string &name)
            {
                std::unique_ptr<geopm::Agent> agent = geopm::agent_factory().make_plugin(resolved(name));
                auto *python_agent = dynamic_cast<PythonAgent *>(agent.get());
                if (python_agent != nullptr) {
                    // The Python object is the agent; the trampoline made
                    // for the C++ side is not needed here.
                    return python_agent->instance();
                }
                return py::cast(CppAgent{name, std::move(agent)});
            }
        }

        void init_factory(py::module_ &module)
        {
            module.def("_register_python_agent", &register_python_agent,
                       py::arg("name"), py::arg("cls"), py::arg("policy_names"),
                       py::arg("sample_names"), py::arg("overridden"), py::arg("period"),
                       py::arg("aggregation"),
                       "Register a validated Python agent class in geopm::agent_factory()\n"
                       "(use geopm_bridge.agent_factory().register_plugin()).");
            module.def("make_plugin", &make_plugin, py::arg("name"),
                       "A new agent: the Python object of a Python agent, else a CppAgent.");
            module.def("plugin_names", [] { return geopm::agent_factory().plugin_names(); },
                       "Agent names in registration order (built-ins, plugins, Python agents).");
            module.def("dictionary", [](const std::string &name) {
                    return geopm::agent_factory().dictionary(resolved(name));
                }, py::arg("name"), "The registration dictionary of an agent.");
            module.def("resolve_agent", [](const std::string &name) { return resolve_agent(name); },
                       py::arg("name"),
                       "Register a composite name (\"a+b@CONTROL=rule\") if it is not yet; return it.");
            module.def("register_composite", &register_composite, py::arg("name"), py::arg("spec"),
                       "Register the composite written as spec under name.");
            module.def("agent_names", &geopm::Agent::agent_names, "All registered agent names.");

            using geopm::Agent;
            using Dictionary = std::map<std::string, std::string>;
            using Name = const std::string &;
            module.def("num_policy", py::overload_cast<Name>(&Agent::num_policy), py::arg("agent"));
            module.def("num_policy", py::overload_cast<const Dictionary &>(&Agent::num_policy),
                       py::arg("dictionary"), "Number of policy values, by agent name or dictionary.");
            module.def("num_sample", py::overload_cast<Name>(&Agent::num_sample), py::arg("agent"));
            module.def("num_sample", py::overload_cast<const Dictionary &>(&Agent::num_sample),
                       py::arg("dictionary"), "Number of sample values, by agent name or dictionary.");
            module.def("policy_names", py::overload_cast<Name>(&Agent::policy_names),
                       py::arg("agent"));
            module.def("policy_names", py::overload_cast<const Dictionary &>(&Agent::policy_names),
                       py::arg("dictionary"), "Policy names, by agent name or dictionary.");
            module.def("sample_names", py::overload_cast<Name>(&Agent::sample_names),
                       py::arg("agent"));
            module.def("sample_names", py::overload_cast<const Dictionary &>(&Agent::sample_names),
                       py::arg("dictionary"), "Sample names, by agent name or dictionary.");
            module.def("make_dictionary", &Agent::make_dictionary,
                       py::arg("policy_names"), py::arg("sample_names"),
                       "The registration dictionary for these policy and sample names.");

            py::class_<CppAgent>(module, "CppAgent",
                                    "A C++ agent made by make_plugin(); opaque from Python.")
                .def_property_readonly("name", [](const CppAgent &self) { return self.name; },
                                       "The agent's registered name.")
                .def("__repr__", [](const CppAgent &self) {
                    return "<geopm_bridge.CppAgent '" + self.name + "'>";
                });
        }
    }
}
