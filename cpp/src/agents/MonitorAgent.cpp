#include "MonitorAgent.hpp"

#include "geopm/Environment.hpp"
#include "geopm/Waiter.hpp"

namespace geopm
{
    MonitorAgent::MonitorAgent()
        : MonitorAgent(Waiter::make_unique(environment().period(M_WAIT_SEC)))
    {

    }

    MonitorAgent::MonitorAgent(std::shared_ptr<Waiter> waiter)
        : m_waiter(std::move(waiter))
    {

    }

    std::string MonitorAgent::plugin_name(void)
    {
        return "monitor";
    }

    std::unique_ptr<Agent> MonitorAgent::make_plugin(void)
    {
        return std::make_unique<MonitorAgent>();
    }

    std::vector<std::string> MonitorAgent::policy_names(void)
    {
        return {};
    }

    std::vector<std::string> MonitorAgent::sample_names(void)
    {
        return {};
    }

    // Every tree hook is a no-op: the controller itself gathers what the
    // report and trace need, so monitor only paces the loop.
    void MonitorAgent::init(int, const std::vector<int> &, bool)
    {

    }

    void MonitorAgent::validate_policy(std::vector<double> &) const
    {

    }

    void MonitorAgent::split_policy(const std::vector<double> &,
                                    std::vector<std::vector<double> > &)
    {

    }

    bool MonitorAgent::do_send_policy(void) const
    {
        return false;
    }

    void MonitorAgent::aggregate_sample(const std::vector<std::vector<double> > &,
                                        std::vector<double> &)
    {

    }

    bool MonitorAgent::do_send_sample(void) const
    {
        return false;
    }

    void MonitorAgent::adjust_platform(const std::vector<double> &)
    {

    }

    bool MonitorAgent::do_write_batch(void) const
    {
        return false;
    }

    void MonitorAgent::sample_platform(std::vector<double> &)
    {

    }

    void MonitorAgent::wait(void)
    {
        m_waiter->wait();
    }

    double MonitorAgent::period(void) const
    {
        return m_waiter->period();
    }

    std::vector<std::pair<std::string, std::string> > MonitorAgent::report_header(void) const
    {
        return {};
    }

    std::vector<std::pair<std::string, std::string> > MonitorAgent::report_host(void) const
    {
        return {};
    }

    std::map<uint64_t, std::vector<std::pair<std::string, std::string> > >
    MonitorAgent::report_region(void) const
    {
        return {};
    }

    std::vector<std::string> MonitorAgent::trace_names(void) const
    {
        return {};
    }

    std::vector<std::function<std::string(double)> > MonitorAgent::trace_formats(void) const
    {
        return {};
    }

    void MonitorAgent::trace_values(std::vector<double> &)
    {

    }

    void MonitorAgent::enforce_policy(const std::vector<double> &) const
    {

    }
}
