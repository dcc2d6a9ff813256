#include "TreeComm.hpp"

#include <cmath>
#include <string>

#include "geopm/Exception.hpp"

namespace geopm_bridge
{
    namespace
    {
        class SingleNodeTreeComm : public TreeComm
        {
            public:
                int num_level_controlled(void) const override
                {
                    return 0;
                }
                int max_level(void) const override
                {
                    return 0;
                }
                int root_level(void) const override
                {
                    return 0;
                }
                int level_rank(int level) const override
                {
                    no_level(level);
                }
                int level_size(int level) const override
                {
                    no_level(level);
                }
                void send_up(int level, const std::vector<double> &) override
                {
                    no_level(level);
                }
                void send_down(int level, const std::vector<std::vector<double> > &) override
                {
                    no_level(level);
                }
                bool receive_up(int level, std::vector<std::vector<double> > &) override
                {
                    no_level(level);
                }
                bool receive_down(int level, std::vector<double> &) override
                {
                    no_level(level);
                }
                size_t overhead_send(void) const override
                {
                    return 0;
                }
            private:
                // A single node has no tree levels: any level is a caller bug.
                [[noreturn]] static void no_level(int level)
                {
                    throw geopm::Exception("SingleNodeTreeComm: level " + std::to_string(level) +
                                           " out of range (a single node has no tree levels)",
                                           GEOPM_ERROR_LEVEL_RANGE, __FILE__, __LINE__);
                }
        };
    }

    bool is_same_message(const double *aa, const double *bb, size_t size)
    {
        for (size_t idx = 0; idx < size; ++idx) {
            if (!(aa[idx] == bb[idx] || (std::isnan(aa[idx]) && std::isnan(bb[idx])))) {
                return false;
            }
        }
        return true;
    }

    bool is_same_message(const std::vector<double> &aa, const std::vector<double> &bb)
    {
        return aa.size() == bb.size() && is_same_message(aa.data(), bb.data(), aa.size());
    }

    bool has_nan(const std::vector<double> &message)
    {
        for (double value : message) {
            if (std::isnan(value)) {
                return true;
            }
        }
        return false;
    }

    GeometryTreeComm::GeometryTreeComm(const TreeGeometry &geometry, int node)
        : m_geometry(geometry)
        , m_node(node)
        , m_num_level_ctl(geometry.num_level_controlled(node))
        , m_max_level(m_num_level_ctl == geometry.root_level() ? m_num_level_ctl
                                                                : m_num_level_ctl + 1)
    {
    }

    int GeometryTreeComm::num_level_controlled(void) const
    {
        return m_num_level_ctl;
    }

    int GeometryTreeComm::max_level(void) const
    {
        return m_max_level;
    }

    int GeometryTreeComm::root_level(void) const
    {
        return m_geometry.root_level();
    }

    int GeometryTreeComm::level_rank(int level) const
    {
        check_level("level_rank", level, m_max_level);
        return m_geometry.level_rank(m_node, level);
    }

    int GeometryTreeComm::level_size(int level) const
    {
        check_level("level_size", level, m_geometry.root_level());
        return m_geometry.level_size(level);
    }

    void GeometryTreeComm::check_level(const char *func, int level, int end) const
    {
        if (level < 0 || level >= end) {
            throw geopm::Exception(std::string("TreeComm::") + func + "(): level " +
                                   std::to_string(level) + " is outside [0, " +
                                   std::to_string(end) + ") for node " + std::to_string(m_node),
                                   GEOPM_ERROR_LEVEL_RANGE, __FILE__, __LINE__);
        }
    }

    std::unique_ptr<TreeComm> make_single_node_tree_comm(void)
    {
        return std::make_unique<SingleNodeTreeComm>();
    }
}
