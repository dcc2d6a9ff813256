// C interface of the resource manager's side of the endpoint
// (geopm_endpoint.h) over geopm::Endpoint.
#include "geopm_endpoint.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "geopm/Endpoint.hpp"
#include "geopm/Exception.hpp"

#include "platform/CApiGuard.hpp"

namespace
{
    using geopm_bridge::guarded;

    geopm::Endpoint &endpoint_of(struct geopm_endpoint_c *endpoint, const char *func)
    {
        if (endpoint == nullptr) {
            throw geopm::Exception(std::string(func) + "(): endpoint is NULL",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        return *reinterpret_cast<geopm::Endpoint *>(endpoint);
    }

    /// Copy text and its NUL into a buffer of size bytes, or fail.
    void copy_out(const std::string &text, size_t size, char *buffer, const char *func,
                  const char *what)
    {
        if (buffer == nullptr || text.size() >= size) {
            throw geopm::Exception(std::string(func) + "(): the " + what + " \"" + text +
                                   "\" does not fit in " + std::to_string(size) + " bytes",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        std::memcpy(buffer, text.c_str(), text.size() + 1);
    }

    void check_out(const void *pointer, const char *func, const char *name)
    {
        if (pointer == nullptr) {
            throw geopm::Exception(std::string(func) + "(): " + name + " is NULL",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }
}

extern "C"
{
    int geopm_endpoint_create(const char *endpoint_name, struct geopm_endpoint_c **endpoint)
    {
        const char *func = __func__;
        return guarded([&]() {
            check_out(endpoint_name, func, "endpoint_name");
            check_out(endpoint, func, "endpoint");
            *endpoint = reinterpret_cast<struct geopm_endpoint_c *>(
                geopm::Endpoint::make_unique(endpoint_name).release());
            return 0;
        });
    }

    int geopm_endpoint_destroy(struct geopm_endpoint_c *endpoint)
    {
        return guarded([&]() {
            // As free(): NULL is nothing to destroy.
            delete reinterpret_cast<geopm::Endpoint *>(endpoint);
            return 0;
        });
    }

    int geopm_endpoint_open(struct geopm_endpoint_c *endpoint)
    {
        const char *func = __func__;
        return guarded([&]() {
            endpoint_of(endpoint, func).open();
            return 0;
        });
    }

    int geopm_endpoint_close(struct geopm_endpoint_c *endpoint)
    {
        const char *func = __func__;
        return guarded([&]() {
            endpoint_of(endpoint, func).close();
            return 0;
        });
    }

    int geopm_endpoint_agent(struct geopm_endpoint_c *endpoint, size_t agent_name_max,
                             char *agent_name)
    {
        const char *func = __func__;
        return guarded([&]() {
            copy_out(endpoint_of(endpoint, func).get_agent(), agent_name_max, agent_name,
                     func, "agent name");
            return 0;
        });
    }

    int geopm_endpoint_wait_for_agent_attach(struct geopm_endpoint_c *endpoint, double timeout)
    {
        const char *func = __func__;
        return guarded([&]() {
            endpoint_of(endpoint, func).wait_for_agent_attach(timeout);
            return 0;
        });
    }

    int geopm_endpoint_stop_wait_loop(struct geopm_endpoint_c *endpoint)
    {
        const char *func = __func__;
        return guarded([&]() {
            endpoint_of(endpoint, func).stop_wait_loop();
            return 0;
        });
    }

    int geopm_endpoint_reset_wait_loop(struct geopm_endpoint_c *endpoint)
    {
        const char *func = __func__;
        return guarded([&]() {
            endpoint_of(endpoint, func).reset_wait_loop();
            return 0;
        });
    }

    int geopm_endpoint_profile_name(struct geopm_endpoint_c *endpoint, size_t profile_name_max,
                                    char *profile_name)
    {
        const char *func = __func__;
        return guarded([&]() {
            copy_out(endpoint_of(endpoint, func).get_profile_name(), profile_name_max,
                     profile_name, func, "profile name");
            return 0;
        });
    }

    int geopm_endpoint_num_node(struct geopm_endpoint_c *endpoint, int *num_node)
    {
        const char *func = __func__;
        return guarded([&]() {
            check_out(num_node, func, "num_node");
            *num_node = static_cast<int>(endpoint_of(endpoint, func).get_hostnames().size());
            return 0;
        });
    }

    int geopm_endpoint_node_name(struct geopm_endpoint_c *endpoint, int node_idx,
                                 size_t node_name_max, char *node_name)
    {
        const char *func = __func__;
        return guarded([&]() {
            std::set<std::string> hosts = endpoint_of(endpoint, func).get_hostnames();
            if (node_idx < 0 || static_cast<size_t>(node_idx) >= hosts.size()) {
                throw geopm::Exception(std::string(func) + "(): node_idx " +
                                       std::to_string(node_idx) + " is out of range: the job has " +
                                       std::to_string(hosts.size()) + " hosts",
                                       GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            copy_out(*std::next(hosts.begin(), node_idx), node_name_max, node_name,
                     func, "node name");
            return 0;
        });
    }

    int geopm_endpoint_write_policy(struct geopm_endpoint_c *endpoint,
                                    size_t num_policy, const double *policy_array)
    {
        const char *func = __func__;
        return guarded([&]() {
            geopm::Endpoint &self = endpoint_of(endpoint, func);
            if (num_policy != 0) {
                check_out(policy_array, func, "policy_array");
            }
            self.write_policy(std::vector<double>(policy_array, policy_array + num_policy));
            return 0;
        });
    }

    int geopm_endpoint_read_sample(struct geopm_endpoint_c *endpoint, size_t num_sample,
                                   double *sample_array, double *sample_age_sec)
    {
        const char *func = __func__;
        return guarded([&]() {
            geopm::Endpoint &self = endpoint_of(endpoint, func);
            if (num_sample != 0) {
                check_out(sample_array, func, "sample_array");
            }
            check_out(sample_age_sec, func, "sample_age_sec");
            std::vector<double> sample(num_sample);
            *sample_age_sec = self.read_sample(sample);
            std::copy(sample.begin(), sample.end(), sample_array);
            return 0;
        });
    }
}
