#include "TreeComm.hpp"

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

    std::unique_ptr<TreeComm> make_single_node_tree_comm(void)
    {
        return std::make_unique<SingleNodeTreeComm>();
    }
}
