#include "TreeGeometry.hpp"

#include <algorithm>
#include <functional>
#include <string>

#include "geopm/Exception.hpp"

namespace geopm_bridge
{
    std::vector<int> balanced_dims(int num_node, int num_dim)
    {
        if (num_node < 1 || num_dim < 1) {
            throw geopm::Exception("balanced_dims(): " + std::to_string(num_node) + " nodes in " +
                                   std::to_string(num_dim) + " dimensions",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        // Prime factors, largest first, each multiplied into the currently
        // smallest dimension: this is what Open MPI does (checked against
        // MPI_Dims_create() for up to 5000 nodes in up to 5 dimensions).
        std::vector<int> factors;
        int rest = num_node;
        for (int prime = 2; prime * prime <= rest; ++prime) {
            while (rest % prime == 0) {
                factors.push_back(prime);
                rest /= prime;
            }
        }
        if (rest > 1) {
            factors.push_back(rest);
        }
        std::vector<int> dims(num_dim, 1);
        for (auto it = factors.rbegin(); it != factors.rend(); ++it) {
            *std::min_element(dims.begin(), dims.end()) *= *it;
        }
        std::sort(dims.begin(), dims.end(), std::greater<int>());
        return dims;
    }

    TreeGeometry::TreeGeometry(int num_node, int max_fan_out)
        : m_num_node(num_node)
    {
        if (max_fan_out < 2) {
            throw geopm::Exception("the maximum fan-out of the tree (GEOPM_MAX_FAN_OUT) is " +
                                   std::to_string(max_fan_out) +
                                   ": it must be at least 2, since a parent in the tree needs "
                                   "room for two children",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        if (num_node < 1) {
            throw geopm::Exception("a tree needs at least one node, not " + std::to_string(num_node),
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        // GEOPM's rule: add a dimension while the widest level is wider
        // than allowed, unless the last split could not divide any further
        // (a prime number of nodes stays one wide level); then drop a
        // trailing dimension of 1.
        if (num_node > 1) {
            m_fan_in = {num_node};
            while (m_fan_in.front() > max_fan_out && m_fan_in.back() != 1) {
                m_fan_in = balanced_dims(num_node, (int)m_fan_in.size() + 1);
            }
            if (m_fan_in.size() > 1 && m_fan_in.back() == 1) {
                m_fan_in.pop_back();
            }
        }
        int stride = 1;
        for (int size : m_fan_in) {
            m_stride.push_back(stride);
            stride *= size;
        }
    }

    int TreeGeometry::num_node(void) const
    {
        return m_num_node;
    }

    int TreeGeometry::root_level(void) const
    {
        return (int)m_fan_in.size();
    }

    int TreeGeometry::level_size(int level) const
    {
        return m_fan_in.at(level);
    }

    const std::vector<int> &TreeGeometry::fan_in(void) const
    {
        return m_fan_in;
    }

    int TreeGeometry::num_level_controlled(int node) const
    {
        int result = 0;
        while (result < root_level() && level_rank(node, result) == 0) {
            ++result;
        }
        return result;
    }

    int TreeGeometry::level_rank(int node, int level) const
    {
        return (node / m_stride.at(level)) % m_fan_in[level];
    }

    int TreeGeometry::parent(int node, int level) const
    {
        return node - level_rank(node, level) * m_stride.at(level);
    }

    int TreeGeometry::child(int node, int level, int child_idx) const
    {
        return node + child_idx * m_stride.at(level);
    }
}
