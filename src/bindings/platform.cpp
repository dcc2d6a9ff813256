/*
 * PlatformIO and PlatformTopo of the current node, as GEOPM declares them,
 * plus sample()/adjust() over many indices in one call.
 */
#include <memory>
#include <string>
#include <vector>

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "geopm/Agg.hpp"
#include "geopm/IOGroup.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm_topo.h"

#include "bindings.hpp"

namespace geopm_bridge
{
    namespace bindings
    {
        namespace
        {
            using IndexArray = py::array_t<int, py::array::c_style | py::array::forcecast>;
            using ValueArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

            /// A domain given as a DOMAIN_* int or by name ("board").
            int domain_type(py::handle domain)
            {
                if (py::isinstance<py::str>(domain)) {
                    return geopm::PlatformTopo::domain_name_to_type(domain.cast<std::string>());
                }
                if (PyIndex_Check(domain.ptr())) {
                    return domain.cast<int>();
                }
                throw py::type_error("a domain is a DOMAIN_* int or a name such as \"board\", got " +
                                     std::string(py::repr(domain)));
            }

            std::vector<std::string> as_list(const std::set<std::string> &names)
            {
                return {names.begin(), names.end()};
            }

            /// Pushed signals read together: sample() refills one read-only
            /// array in a single call, with no argument to convert and
            /// nothing to allocate, which is what an agent reading many
            /// signals every control period needs.
            class SampleGroup
            {
                public:
                    SampleGroup(geopm::PlatformIO &pio, const IndexArray &indices)
                        : m_pio(pio)
                        , m_indices(indices.data(), indices.data() + indices.size())
                        , m_values(std::make_shared<std::vector<double> >(m_indices.size()))
                    {
                        // The array owns a reference to the buffer, not to
                        // this group: no reference cycle, and an array kept
                        // after the group is gone stays valid.
                        auto *owner = new std::shared_ptr<std::vector<double> >(m_values);
                        py::capsule base(owner, [](void *ptr) {
                            delete static_cast<std::shared_ptr<std::vector<double> > *>(ptr);
                        });
                        m_array = ValueArray({static_cast<py::ssize_t>(m_values->size())},
                                             m_values->data(), base);
                        m_array.attr("setflags")(py::arg("write") = false);
                    }

                    const ValueArray &sample(void)
                    {
                        double *value = m_values->data();
                        for (size_t pos = 0; pos < m_indices.size(); ++pos) {
                            value[pos] = m_pio.sample(m_indices[pos]);
                        }
                        return m_array;
                    }

                    const std::vector<int> &indices(void) const
                    {
                        return m_indices;
                    }
                private:
                    geopm::PlatformIO &m_pio;
                    const std::vector<int> m_indices;
                    std::shared_ptr<std::vector<double> > m_values;
                    ValueArray m_array;
            };
        }

        void init_platform(py::module_ &module)
        {
            module.attr("DOMAIN_INVALID") = int(GEOPM_DOMAIN_INVALID);
            module.attr("DOMAIN_BOARD") = int(GEOPM_DOMAIN_BOARD);
            module.attr("DOMAIN_PACKAGE") = int(GEOPM_DOMAIN_PACKAGE);
            module.attr("DOMAIN_CORE") = int(GEOPM_DOMAIN_CORE);
            module.attr("DOMAIN_CPU") = int(GEOPM_DOMAIN_CPU);
            module.attr("DOMAIN_MEMORY") = int(GEOPM_DOMAIN_MEMORY);
            module.attr("DOMAIN_PACKAGE_INTEGRATED_MEMORY") = int(GEOPM_DOMAIN_PACKAGE_INTEGRATED_MEMORY);
            module.attr("DOMAIN_NIC") = int(GEOPM_DOMAIN_NIC);
            module.attr("DOMAIN_PACKAGE_INTEGRATED_NIC") = int(GEOPM_DOMAIN_PACKAGE_INTEGRATED_NIC);
            module.attr("DOMAIN_GPU") = int(GEOPM_DOMAIN_GPU);
            module.attr("DOMAIN_PACKAGE_INTEGRATED_GPU") = int(GEOPM_DOMAIN_PACKAGE_INTEGRATED_GPU);
            module.attr("DOMAIN_GPU_CHIP") = int(GEOPM_DOMAIN_GPU_CHIP);
            module.attr("NUM_DOMAIN") = int(GEOPM_NUM_DOMAIN);

            module.attr("SIGNAL_BEHAVIOR_CONSTANT") = int(geopm::IOGroup::M_SIGNAL_BEHAVIOR_CONSTANT);
            module.attr("SIGNAL_BEHAVIOR_MONOTONE") = int(geopm::IOGroup::M_SIGNAL_BEHAVIOR_MONOTONE);
            module.attr("SIGNAL_BEHAVIOR_VARIABLE") = int(geopm::IOGroup::M_SIGNAL_BEHAVIOR_VARIABLE);
            module.attr("SIGNAL_BEHAVIOR_LABEL") = int(geopm::IOGroup::M_SIGNAL_BEHAVIOR_LABEL);

            py::class_<SampleGroup>(
                module, "SampleGroup",
                "Pushed signals sampled together; made by PlatformIO.sample_group().")
                // The array owns its buffer's lifetime (see SampleGroup):
                // no keep-alive bookkeeping on each call.
                .def("sample", &SampleGroup::sample,
                     "Values of the group's signals as of the last read_batch(): the same\n"
                     "read-only float64 array every call, refilled in place.")
                .def_property_readonly("indices", &SampleGroup::indices,
                                       "The signal indices, in the order of sample()'s values.")
                .def("__len__", [](const SampleGroup &group) { return group.indices().size(); });

            using geopm::PlatformIO;
            py::class_<PlatformIO, std::unique_ptr<PlatformIO, py::nodelete> >(
                module, "PlatformIO",
                "Signals and controls of the current node (geopm::PlatformIO). Domains are\n"
                "DOMAIN_* ints or names such as \"board\". sample() and adjust() also take\n"
                "arrays of indices and work on all of them in one call.")
                .def("signal_names", [](const PlatformIO &pio) { return as_list(pio.signal_names()); },
                     "All signal names, sorted.")
                .def("control_names", [](const PlatformIO &pio) { return as_list(pio.control_names()); },
                     "All control names, sorted.")
                .def("signal_domain_type", &PlatformIO::signal_domain_type, py::arg("signal_name"))
                .def("control_domain_type", &PlatformIO::control_domain_type, py::arg("control_name"))
                .def("push_signal",
                     [](PlatformIO &pio, const std::string &name, py::handle domain, int domain_idx) {
                         return pio.push_signal(name, domain_type(domain), domain_idx);
                     },
                     py::arg("signal_name"), py::arg("domain_type"), py::arg("domain_idx"),
                     "Add a signal to the batch; returns its index for sample().")
                .def("push_control",
                     [](PlatformIO &pio, const std::string &name, py::handle domain, int domain_idx) {
                         return pio.push_control(name, domain_type(domain), domain_idx);
                     },
                     py::arg("control_name"), py::arg("domain_type"), py::arg("domain_idx"),
                     "Add a control to the batch; returns its index for adjust().")
                .def("sample", &PlatformIO::sample, py::arg("signal_idx"),
                     "Value of a pushed signal as of the last read_batch().")
                .def("sample",
                     [](PlatformIO &pio, const IndexArray &indices) {
                         ValueArray result(std::vector<py::ssize_t>(indices.shape(),
                                                                    indices.shape() + indices.ndim()));
                         const int *index = indices.data();
                         double *value = result.mutable_data();
                         for (py::ssize_t pos = 0; pos < indices.size(); ++pos) {
                             value[pos] = pio.sample(index[pos]);
                         }
                         return result;
                     },
                     py::arg("signal_indices"),
                     "Values of many pushed signals: a float64 array shaped like signal_indices.")
                .def("sample_group",
                     [](PlatformIO &pio, const IndexArray &indices) {
                         return SampleGroup(pio, indices);
                     },
                     py::arg("signal_indices"),
                     "A SampleGroup over these pushed signals, the fastest way to read many:\n"
                     "make it once in init(), call its sample() every period.")
                .def("adjust", &PlatformIO::adjust, py::arg("control_idx"), py::arg("setting"),
                     "Stage a setting for a pushed control until write_batch().")
                .def("adjust",
                     [](PlatformIO &pio, const IndexArray &indices, const ValueArray &settings) {
                         if (indices.size() != settings.size()) {
                             throw py::value_error("adjust(): " + std::to_string(indices.size()) +
                                                   " control indices but " +
                                                   std::to_string(settings.size()) + " settings");
                         }
                         const int *index = indices.data();
                         const double *setting = settings.data();
                         for (py::ssize_t pos = 0; pos < indices.size(); ++pos) {
                             pio.adjust(index[pos], setting[pos]);
                         }
                     },
                     py::arg("control_indices"), py::arg("settings"),
                     "Stage settings for many pushed controls (same length).")
                .def("read_batch", &PlatformIO::read_batch, py::call_guard<py::gil_scoped_release>(),
                     "Read every pushed signal.")
                .def("write_batch", &PlatformIO::write_batch, py::call_guard<py::gil_scoped_release>(),
                     "Write every adjusted control.")
                .def("read_signal",
                     [](PlatformIO &pio, const std::string &name, py::handle domain, int domain_idx) {
                         int domain_int = domain_type(domain);
                         py::gil_scoped_release release;
                         return pio.read_signal(name, domain_int, domain_idx);
                     },
                     py::arg("signal_name"), py::arg("domain_type"), py::arg("domain_idx"),
                     "Read one signal now, outside the batch.")
                .def("write_control",
                     [](PlatformIO &pio, const std::string &name, py::handle domain, int domain_idx,
                        double setting) {
                         int domain_int = domain_type(domain);
                         py::gil_scoped_release release;
                         pio.write_control(name, domain_int, domain_idx, setting);
                     },
                     py::arg("control_name"), py::arg("domain_type"), py::arg("domain_idx"),
                     py::arg("setting"), "Write one control now, outside the batch.")
                .def("save_control", py::overload_cast<>(&PlatformIO::save_control),
                     py::call_guard<py::gil_scoped_release>(),
                     "Remember the current value of every control.")
                .def("save_control", py::overload_cast<const std::string &>(&PlatformIO::save_control),
                     py::arg("save_dir"), py::call_guard<py::gil_scoped_release>(),
                     "Save every control to files in save_dir.")
                .def("restore_control", py::overload_cast<>(&PlatformIO::restore_control),
                     py::call_guard<py::gil_scoped_release>(),
                     "Write back the values save_control() remembered.")
                .def("restore_control", py::overload_cast<const std::string &>(&PlatformIO::restore_control),
                     py::arg("save_dir"), py::call_guard<py::gil_scoped_release>(),
                     "Restore the controls saved in save_dir.")
                .def("agg_function",
                     [](const PlatformIO &pio, const std::string &name) {
                         return geopm::Agg::function_to_name(pio.agg_function(name));
                     },
                     py::arg("signal_name"), "Name of the Agg function that combines a signal.")
                .def("format_function", &PlatformIO::format_function, py::arg("signal_name"),
                     "The function that prints a signal's value.")
                .def("format_signal",
                     [](const PlatformIO &pio, const std::string &name, double value) {
                         return pio.format_function(name)(value);
                     },
                     py::arg("signal_name"), py::arg("value"),
                     "A signal value printed the way the signal's IOGroup prints it.")
                .def("signal_description", &PlatformIO::signal_description, py::arg("signal_name"))
                .def("control_description", &PlatformIO::control_description, py::arg("control_name"))
                .def("signal_behavior", &PlatformIO::signal_behavior, py::arg("signal_name"),
                     "One of the SIGNAL_BEHAVIOR_* constants.")
                .def_static("is_valid_value", &PlatformIO::is_valid_value, py::arg("value"),
                            "False for NaN, the value of a signal that could not be read.");
            module.def("platform_io", [] () -> PlatformIO & { return geopm::platform_io(); },
                       py::return_value_policy::reference,
                       "The PlatformIO of the current node. It stays bound to that node.");

            using geopm::PlatformTopo;
            py::class_<PlatformTopo, std::unique_ptr<PlatformTopo, py::nodelete> >(
                module, "PlatformTopo",
                "The hardware domains of the current node and how they nest.")
                .def("num_domain",
                     [](const PlatformTopo &topo, py::handle domain) {
                         return topo.num_domain(domain_type(domain));
                     },
                     py::arg("domain_type"), "How many domains of this type the node has.")
                .def("domain_idx",
                     [](const PlatformTopo &topo, py::handle domain, int cpu_idx) {
                         return topo.domain_idx(domain_type(domain), cpu_idx);
                     },
                     py::arg("domain_type"), py::arg("cpu_idx"),
                     "Index of the domain that holds Linux CPU cpu_idx.")
                .def("is_nested_domain",
                     [](const PlatformTopo &topo, py::handle inner, py::handle outer) {
                         return topo.is_nested_domain(domain_type(inner), domain_type(outer));
                     },
                     py::arg("inner_domain"), py::arg("outer_domain"))
                .def("domain_nested",
                     [](const PlatformTopo &topo, py::handle inner, py::handle outer, int outer_idx) {
                         std::set<int> nested = topo.domain_nested(domain_type(inner),
                                                                   domain_type(outer), outer_idx);
                         return std::vector<int>(nested.begin(), nested.end());
                     },
                     py::arg("inner_domain"), py::arg("outer_domain"), py::arg("outer_idx"),
                     "Sorted indices of the inner domains inside one outer domain.")
                .def_static("domain_type_to_name", &PlatformTopo::domain_type_to_name,
                            py::arg("domain_type"))
                .def_static("domain_name_to_type", &PlatformTopo::domain_name_to_type,
                            py::arg("domain_name"))
                .def_static("num_domain_types", [] { return int(GEOPM_NUM_DOMAIN); },
                            "Number of domain types (the DOMAIN_* values are 0 to this - 1).");
            module.def("platform_topo", [] () -> const PlatformTopo & { return geopm::platform_topo(); },
                       py::return_value_policy::reference,
                       "The PlatformTopo of the current node.");
        }
    }
}
