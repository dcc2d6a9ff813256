/*
 * TreeGeometry: GEOPM's balanced tree, split like MPI_Dims_create(). The
 * shapes are checked against Open MPI itself in tests/test_tree.py; these
 * cases pin the rules and the node arithmetic.
 */
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit_test_helpers.hpp"

#include "geopm/Exception.hpp"

#include "TreeGeometry.hpp"

using geopm_bridge::TreeGeometry;
using geopm_bridge::balanced_dims;

using unit_test::error_code;

TEST(TreeGeometryTest, balanced_dims_like_mpi_dims_create)
{
    EXPECT_EQ(std::vector<int>({8, 8}), balanced_dims(64, 2));
    EXPECT_EQ(std::vector<int>({10, 10, 10}), balanced_dims(1000, 3));
    EXPECT_EQ(std::vector<int>({4, 3}), balanced_dims(12, 2));
    EXPECT_EQ(std::vector<int>({3, 2, 2}), balanced_dims(12, 3));
    EXPECT_EQ(std::vector<int>({7, 1, 1}), balanced_dims(7, 3));  // a prime stays whole
    EXPECT_EQ(std::vector<int>({1}), balanced_dims(1, 1));
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([] { balanced_dims(0, 2); }));
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([] { balanced_dims(4, 0); }));
}

TEST(TreeGeometryTest, fan_in_of_geopm_examples)
{
    EXPECT_EQ(std::vector<int>({8, 8}), TreeGeometry(64, 16).fan_in());
    EXPECT_EQ(std::vector<int>({10, 10, 10}), TreeGeometry(1000, 16).fan_in());
    EXPECT_EQ(std::vector<int>({17}), TreeGeometry(17, 16).fan_in());  // prime: one wide level
    EXPECT_EQ(std::vector<int>({16}), TreeGeometry(16, 16).fan_in());  // fits: one level
    EXPECT_EQ(std::vector<int>({3, 2, 2}), TreeGeometry(12, 3).fan_in());
    // 34 = 17 x 2: the third split gives a trailing 1, which is dropped.
    EXPECT_EQ(std::vector<int>({17, 2}), TreeGeometry(34, 16).fan_in());
}

TEST(TreeGeometryTest, one_node_is_a_tree_of_one_level)
{
    TreeGeometry tree(1, 16);
    EXPECT_EQ(1, tree.num_node());
    EXPECT_EQ(0, tree.root_level());
    EXPECT_TRUE(tree.fan_in().empty());
    EXPECT_EQ(0, tree.num_level_controlled(0));
}

TEST(TreeGeometryTest, bad_sizes_are_invalid)
{
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([] { TreeGeometry(0, 16); }));
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([] { TreeGeometry(-3, 16); }));
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([] { TreeGeometry(8, 1); }));
    EXPECT_EQ(GEOPM_ERROR_INVALID, error_code([] { TreeGeometry(8, 0); }));
}

TEST(TreeGeometryTest, node_places_in_a_two_level_tree)
{
    TreeGeometry tree(64, 16);  // fan_in {8, 8}: a level-0 parent every 8 nodes
    EXPECT_EQ(2, tree.root_level());
    EXPECT_EQ(8, tree.level_size(0));
    EXPECT_EQ(8, tree.level_size(1));
    EXPECT_EQ(2, tree.num_level_controlled(0));  // the root
    EXPECT_EQ(1, tree.num_level_controlled(56));  // a level-0 parent
    EXPECT_EQ(0, tree.num_level_controlled(63));  // a leaf only
    EXPECT_EQ(7, tree.level_rank(63, 0));
    EXPECT_EQ(7, tree.level_rank(56, 1));
    EXPECT_EQ(56, tree.parent(63, 0));
    EXPECT_EQ(0, tree.parent(56, 1));
    EXPECT_EQ(63, tree.child(56, 0, 7));
    EXPECT_EQ(56, tree.child(0, 1, 7));
    EXPECT_EQ(0, tree.child(0, 0, 0));  // a parent is its own first child
}

TEST(TreeGeometryTest, every_parent_has_its_level_size_of_children)
{
    for (int max_fan_out : {2, 3, 4, 16}) {
        for (int num_node = 1; num_node <= 200; ++num_node) {
            SCOPED_TRACE("num_node " + std::to_string(num_node) + ", max_fan_out " +
                         std::to_string(max_fan_out));
            TreeGeometry tree(num_node, max_fan_out);
            int product = 1;
            for (int level = 0; level < tree.root_level(); ++level) {
                product *= tree.level_size(level);
                if (level > 0) {
                    EXPECT_LE(tree.level_size(level), tree.level_size(level - 1));
                }
            }
            ASSERT_EQ(num_node, product);
            EXPECT_EQ(tree.root_level(), tree.num_level_controlled(0));
            // children[level][parent] counts the agents that name it as parent.
            std::vector<std::vector<int> > children(tree.root_level(), std::vector<int>(num_node, 0));
            for (int node = 0; node < num_node; ++node) {
                int top = std::min(tree.num_level_controlled(node), tree.root_level() - 1);
                for (int level = 0; level <= top; ++level) {
                    int rank = tree.level_rank(node, level);
                    int parent = tree.parent(node, level);
                    ASSERT_LT(rank, tree.level_size(level));
                    ASSERT_GT(tree.num_level_controlled(parent), level);
                    EXPECT_EQ(node, tree.child(parent, level, rank));
                    ++children[level][parent];
                }
            }
            for (int level = 0; level < tree.root_level(); ++level) {
                for (int node = 0; node < num_node; ++node) {
                    int expected = tree.num_level_controlled(node) > level ? tree.level_size(level) : 0;
                    EXPECT_EQ(expected, children[level][node]) << "level " << level << ", node " << node;
                }
            }
        }
    }
}
