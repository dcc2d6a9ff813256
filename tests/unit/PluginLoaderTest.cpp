/*
 * Which files in GEOPM_PLUGIN_PATH are plugins, in which order they load,
 * and the one-time filling of a factory. A file that is not a shared
 * object stands in for a plugin: the loader refuses it (no ELF header) with
 * a warning naming it, which shows the order files load in without loading
 * anything.
 */
#include <stdlib.h>

#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit_test_helpers.hpp"

#include "geopm/Exception.hpp"
#include "geopm_plugin.hpp"

#include "PluginLoader.hpp"

using geopm_bridge::FactoryFill;
using geopm_bridge::is_plugin_file_name;

using unit_test::contains;
using unit_test::error_of;

namespace
{
    const std::string AGENT = "libgeopmagent_";

    class PluginPathTest : public ::testing::Test
    {
        protected:
            void SetUp(void) override
            {
                char path[] = "/tmp/geopm-bridge-plugins-XXXXXX";
                ASSERT_NE(nullptr, mkdtemp(path));
                m_root = path;
            }

            void TearDown(void) override
            {
                unsetenv("GEOPM_PLUGIN_PATH");
                std::filesystem::remove_all(m_root);
            }

            // A directory under the test's root, with "plugins" that are not
            // shared objects.
            std::string directory(const std::string &name, const std::vector<std::string> &files)
            {
                std::string dir = m_root + "/" + name;
                std::filesystem::create_directory(dir);
                for (const auto &file : files) {
                    std::ofstream(dir + "/" + file) << "not an ELF file\n";
                }
                return dir;
            }

            // plugin_load(AGENT) with GEOPM_PLUGIN_PATH=path: its error code
            // (0 for none) and its error message or, without an error, the
            // warnings it wrote to stderr.
            std::pair<int, std::string> load(const std::string &path)
            {
                setenv("GEOPM_PLUGIN_PATH", path.c_str(), 1);
                testing::internal::CaptureStderr();
                auto error = error_of([] { geopm::plugin_load(AGENT); });
                std::string warnings = testing::internal::GetCapturedStderr();
                if (error.first == 0) {
                    error.second = warnings;
                }
                return error;
            }

            std::string m_root;
    };
}

TEST(PluginLoaderTest, plugin_file_names_follow_geopm_3_1)
{
    // <prefix><name>.so.<major>.<minor>.<revision>, built for 2.0 or 2.1.
    EXPECT_TRUE(is_plugin_file_name(AGENT, "libgeopmagent_x.so.2.1.0"));
    EXPECT_TRUE(is_plugin_file_name(AGENT, "libgeopmagent_x.so.2.0.7"));
    EXPECT_TRUE(is_plugin_file_name(AGENT, "libgeopmagent_x.so.2.1.12"));
    EXPECT_TRUE(is_plugin_file_name(AGENT, "libgeopmagent_a.b.so.2.1.0"));
    EXPECT_TRUE(is_plugin_file_name("libgeopmiogroup_", "libgeopmiogroup_y.so.2.1.0"));
    EXPECT_FALSE(is_plugin_file_name(AGENT, "libgeopmagent_x.so.2.2.0"));  // newer minor
    EXPECT_FALSE(is_plugin_file_name(AGENT, "libgeopmagent_x.so.3.1.0"));  // other major
    EXPECT_FALSE(is_plugin_file_name(AGENT, "libgeopmagent_x.so.1.1.0"));
    EXPECT_FALSE(is_plugin_file_name(AGENT, "libgeopmagent_x.so.2.1"));  // three numbers
    EXPECT_FALSE(is_plugin_file_name(AGENT, "libgeopmagent_x.so.2.1.0.1"));
    EXPECT_FALSE(is_plugin_file_name(AGENT, "libgeopmagent_x.so.2.1.a"));
    EXPECT_FALSE(is_plugin_file_name(AGENT, "libgeopmagent_x.so.2.-1.0"));
    EXPECT_FALSE(is_plugin_file_name(AGENT, "libgeopmagent_x.so.2.99999999999999999999.0"));
    EXPECT_FALSE(is_plugin_file_name(AGENT, "libgeopmagent_x.so"));
    EXPECT_FALSE(is_plugin_file_name(AGENT, "libgeopmagent_x.so.2.1.0.bak"));
    EXPECT_FALSE(is_plugin_file_name(AGENT, "xlibgeopmagent_x.so.2.1.0"));  // prefix at the start
    EXPECT_FALSE(is_plugin_file_name(AGENT, "libgeopmiogroup_x.so.2.1.0"));
    EXPECT_FALSE(is_plugin_file_name(AGENT, "libgeopmcomm_x.so.2.1.0"));
}

TEST_F(PluginPathTest, no_path_or_empty_entries_load_nothing)
{
    unsetenv("GEOPM_PLUGIN_PATH");
    EXPECT_EQ(0, error_of([] { geopm::plugin_load(AGENT); }).first);
    EXPECT_EQ(0, load("").first);
    EXPECT_EQ(0, load("::").first);
}

TEST_F(PluginPathTest, files_that_are_not_plugins_for_the_prefix_are_skipped)
{
    std::string dir = directory("others", {"libgeopmagent_new.so.2.2.0", "libgeopmagent_plain.so",
                                           "libgeopmiogroup_io.so.2.1.0", "README"});
    EXPECT_EQ(0, load(dir).first);
    EXPECT_EQ(0, load(":" + dir + ":").first);
}

TEST_F(PluginPathTest, a_file_that_does_not_load_is_named_in_one_warning)
{
    std::string dir = directory("bad", {"libgeopmagent_bad.so.2.1.0"});
    auto result = load(dir);
    EXPECT_EQ(0, result.first);
    EXPECT_TRUE(contains(result.second, "geopm-bridge: warning: plugin \"" + dir +
                                        "/libgeopmagent_bad.so.2.1.0\" not loaded: "))
        << result.second;
    EXPECT_EQ(result.second.size() - 1, result.second.find('\n')) << result.second;
}

TEST_F(PluginPathTest, later_directories_load_first_and_files_in_name_order)
{
    std::string first = directory("first", {"libgeopmagent_b.so.2.1.0", "libgeopmagent_a.so.2.1.0"});
    std::string second = directory("second", {"libgeopmagent_c.so.2.1.0"});
    const std::string a = first + "/libgeopmagent_a.so.2.1.0";
    const std::string b = first + "/libgeopmagent_b.so.2.1.0";
    const std::string c = second + "/libgeopmagent_c.so.2.1.0";
    std::string order = load(first + ":" + second).second;
    EXPECT_LT(order.find(c), order.find(a)) << order;
    EXPECT_LT(order.find(a), order.find(b)) << order;
    EXPECT_NE(std::string::npos, order.find(b)) << order;
    order = load(second + ":" + first).second;
    EXPECT_LT(order.find(a), order.find(b)) << order;
    EXPECT_LT(order.find(b), order.find(c)) << order;
    EXPECT_NE(std::string::npos, order.find(c)) << order;
}

TEST_F(PluginPathTest, the_whole_path_is_checked_before_anything_loads)
{
    std::string bad = directory("bad", {"libgeopmagent_bad.so.2.1.0"});
    std::string missing = m_root + "/missing";
    std::string file = m_root + "/bad/libgeopmagent_bad.so.2.1.0";
    // bad would load first (it is listed last), but the missing entry is
    // found before any plugin is opened.
    for (const auto &entry : {missing, file}) {
        auto error = load(entry + ":" + bad);
        EXPECT_EQ(GEOPM_ERROR_INVALID, error.first);
        EXPECT_TRUE(contains(error.second, "GEOPM_PLUGIN_PATH entry \"" + entry +
                                           "\" is not a readable directory")) << error.second;
    }
}

TEST_F(PluginPathTest, a_link_is_not_followed)
{
    // As GEOPM (O_NOFOLLOW): the name checked is the file loaded.
    std::string target = directory("store", {"agent.bin"}) + "/agent.bin";
    std::string dir = directory("links", {});
    std::filesystem::create_symlink(target, dir + "/libgeopmagent_linked.so.2.1.0");
    auto result = load(dir);
    EXPECT_TRUE(contains(result.second, "plugin \"" + dir + "/libgeopmagent_linked.so.2.1.0\" not loaded: "
                                        "it is a symbolic link")) << result.second;
    EXPECT_FALSE(contains(result.second, target)) << result.second;
}

TEST(FactoryFillTest, fills_once)
{
    FactoryFill once;
    int count = 0;
    once.run_once([&count] { ++count; });
    once.run_once([&count] { ++count; });
    EXPECT_EQ(1, count);
}

TEST(FactoryFillTest, a_failed_fill_fails_every_later_call)
{
    FactoryFill once;
    int count = 0;
    auto fail = [&count] {
        ++count;
        throw geopm::Exception("directory gone", GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    };
    for (int call = 0; call < 3; ++call) {
        auto error = error_of([&] { once.run_once(fail); });
        EXPECT_EQ(GEOPM_ERROR_INVALID, error.first);
        EXPECT_TRUE(contains(error.second, "directory gone"));
    }
    EXPECT_EQ(1, count);
}

TEST(FactoryFillTest, a_call_from_inside_the_fill_returns_at_once)
{
    // A plugin's constructor registers itself, which reaches the factory
    // being filled.
    FactoryFill once;
    std::vector<std::string> calls;
    once.run_once([&] {
        calls.push_back("outer");
        once.run_once([&] { calls.push_back("inner"); });
        calls.push_back("outer done");
    });
    EXPECT_EQ(std::vector<std::string>({"outer", "outer done"}), calls);
}

TEST(FactoryFillTest, registration_errors_outside_a_load_are_not_deferred)
{
    auto error = std::make_exception_ptr(std::runtime_error("duplicate"));
    EXPECT_FALSE(geopm_bridge::defer_registration_error(error));
}
