/*
 * JsonConfigAgent ("json_config"): an agent plugin that reads its settings
 * from a JSON file with json11, as GEOPM 3.1's own plugins read theirs. The
 * file is named by JSON_CONFIG_AGENT_FILE and may hold comments:
 *
 *     {"label": "...", "scale": 2.5, "signals": ["TIME", ...],
 *      "limits": {"low": 0, "high": 1e9}}
 *
 * Each period it samples the signals (board domain) and traces each times
 * "scale"; the report shows the settings as json11 writes them back and how
 * many samples stayed within the limits.
 * Build: g++ -std=c++17 -shared -fPIC -I<include> JsonConfigAgent.cpp
 *        -L<lib> -lgeopmd -o libgeopmagent_json_config.so.2.1.0
 */
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "geopm/Agent.hpp"
#include "geopm/Environment.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformIO.hpp"
#include "geopm/PlatformTopo.hpp"
#include "geopm/PluginFactory.hpp"
#include "geopm/Waiter.hpp"
#include "geopm/json11.hpp"

using geopm::Exception;
using json11::Json;

class JsonConfigAgent : public geopm::Agent
{
    public:
        JsonConfigAgent();
        virtual ~JsonConfigAgent() = default;
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

        static std::string plugin_name(void);
        static std::unique_ptr<geopm::Agent> make_plugin(void);
        static std::vector<std::string> policy_names(void);
        static std::vector<std::string> sample_names(void);
    private:
        static Json read_config(void);

        geopm::PlatformIO &m_platform_io;
        const Json m_config;
        const double m_scale;
        const double m_low;
        const double m_high;
        std::vector<std::string> m_signals;
        std::unique_ptr<geopm::Waiter> m_waiter;
        std::vector<int> m_signal_idx;
        std::vector<double> m_scaled;
        int m_num_sample;
        int m_num_within;
};

static void __attribute__((constructor)) json_config_agent_load(void)
{
    geopm::agent_factory().register_plugin(JsonConfigAgent::plugin_name(),
                                           JsonConfigAgent::make_plugin,
                                           geopm::Agent::make_dictionary(JsonConfigAgent::policy_names(),
                                                                         JsonConfigAgent::sample_names()));
}

Json JsonConfigAgent::read_config(void)
{
    const char *path = getenv("JSON_CONFIG_AGENT_FILE");
    if (path == nullptr) {
        throw Exception("JsonConfigAgent: set JSON_CONFIG_AGENT_FILE to the agent's JSON settings",
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    std::string err;
    Json config = Json::parse(text.str(), err, json11::COMMENTS);
    if (!err.empty()) {
        throw Exception(std::string("JsonConfigAgent: ") + path + ": " + err,
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    if (!config.has_shape({{"label", Json::STRING},
                           {"scale", Json::NUMBER},
                           {"signals", Json::ARRAY},
                           {"limits", Json::OBJECT}}, err) ||
        !config["limits"].has_shape({{"low", Json::NUMBER}, {"high", Json::NUMBER}}, err)) {
        throw Exception(std::string("JsonConfigAgent: ") + path + ": " + err,
                        GEOPM_ERROR_INVALID, __FILE__, __LINE__);
    }
    for (const Json &signal : config["signals"].array_items()) {
        if (!signal.is_string()) {
            throw Exception(std::string("JsonConfigAgent: ") + path + ": signals must be names, not " +
                            signal.dump(), GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
    }
    return config;
}

JsonConfigAgent::JsonConfigAgent()
    : m_platform_io(geopm::platform_io())
    , m_config(read_config())
    , m_scale(m_config["scale"].number_value())
    , m_low(m_config["limits"]["low"].number_value())
    , m_high(m_config["limits"]["high"].number_value())
    , m_waiter(geopm::Waiter::make_unique(geopm::environment().period(0.1)))
    , m_num_sample(0)
    , m_num_within(0)
{
    for (const Json &signal : m_config["signals"].array_items()) {
        m_signals.push_back(signal.string_value());
    }
    m_scaled.assign(m_signals.size(), NAN);
}

std::string JsonConfigAgent::plugin_name(void)
{
    return "json_config";
}

std::unique_ptr<geopm::Agent> JsonConfigAgent::make_plugin(void)
{
    return std::make_unique<JsonConfigAgent>();
}

std::vector<std::string> JsonConfigAgent::policy_names(void)
{
    return {};
}

std::vector<std::string> JsonConfigAgent::sample_names(void)
{
    return {};
}

void JsonConfigAgent::init(int level, const std::vector<int> &, bool)
{
    if (level != 0) {
        return;
    }
    for (const auto &name : m_signals) {
        m_signal_idx.push_back(m_platform_io.push_signal(name, GEOPM_DOMAIN_BOARD, 0));
    }
}

void JsonConfigAgent::validate_policy(std::vector<double> &) const
{
}

void JsonConfigAgent::split_policy(const std::vector<double> &,
                                   std::vector<std::vector<double> > &)
{
}

bool JsonConfigAgent::do_send_policy(void) const
{
    return false;
}

void JsonConfigAgent::aggregate_sample(const std::vector<std::vector<double> > &,
                                       std::vector<double> &)
{
}

bool JsonConfigAgent::do_send_sample(void) const
{
    return false;
}

void JsonConfigAgent::adjust_platform(const std::vector<double> &)
{
}

bool JsonConfigAgent::do_write_batch(void) const
{
    return false;
}

void JsonConfigAgent::sample_platform(std::vector<double> &)
{
    bool is_within = true;
    for (size_t idx = 0; idx < m_signal_idx.size(); ++idx) {
        m_scaled[idx] = m_scale * m_platform_io.sample(m_signal_idx[idx]);
        is_within = is_within && m_low <= m_scaled[idx] && m_scaled[idx] <= m_high;
    }
    ++m_num_sample;
    m_num_within += is_within ? 1 : 0;
}

void JsonConfigAgent::wait(void)
{
    m_waiter->wait();
}

std::vector<std::pair<std::string, std::string> > JsonConfigAgent::report_header(void) const
{
    return {{"Configuration", m_config.dump()},
            {"Label", m_config["label"].string_value()}};
}

std::vector<std::pair<std::string, std::string> > JsonConfigAgent::report_host(void) const
{
    std::string signals;
    for (const auto &name : m_signals) {
        signals += (signals.empty() ? "" : ", ") + name;
    }
    return {{"Signals", signals},
            {"Scale", geopm::string_format_double(m_scale)},
            {"Samples", std::to_string(m_num_sample)},
            {"Samples within limits", std::to_string(m_num_within)}};
}

std::map<uint64_t, std::vector<std::pair<std::string, std::string> > >
JsonConfigAgent::report_region(void) const
{
    return {};
}

std::vector<std::string> JsonConfigAgent::trace_names(void) const
{
    // "TIME::ELAPSED" traces as "scaled_time_elapsed".
    std::vector<std::string> result;
    for (const auto &name : m_signals) {
        std::string column = "scaled_";
        for (char cc : name) {
            column += cc == ':' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(cc)));
        }
        size_t doubled;
        while ((doubled = column.find("__")) != std::string::npos) {
            column.erase(doubled, 1);
        }
        result.push_back(column);
    }
    return result;
}

std::vector<std::function<std::string(double)> > JsonConfigAgent::trace_formats(void) const
{
    return std::vector<std::function<std::string(double)> >(m_signals.size(),
                                                            geopm::string_format_double);
}

void JsonConfigAgent::trace_values(std::vector<double> &values)
{
    values = m_scaled;
}

void JsonConfigAgent::enforce_policy(const std::vector<double> &) const
{
}
