/*
 * geopm::EndpointImp: the resource manager's side of the endpoint's file
 * protocol (docs/endpoint.md; the controller's side is Endpoint.hpp). It
 * reads what the controller publishes in <prefix>.sample and writes
 * policies to <prefix>.policy, each file replaced whole.
 */
#ifndef GEOPM_BRIDGE_ENDPOINTIMP_HPP_INCLUDE
#define GEOPM_BRIDGE_ENDPOINTIMP_HPP_INCLUDE

#include <atomic>
#include <cstdint>

#include "geopm/Endpoint.hpp"

namespace geopm
{
    class EndpointImp : public Endpoint
    {
        public:
            explicit EndpointImp(const std::string &data_path);
            virtual ~EndpointImp() = default;
            void open(void) override;
            void close(void) override;
            void write_policy(const std::vector<double> &policy) override;
            double read_sample(std::vector<double> &sample) override;
            std::string get_agent(void) override;
            void wait_for_agent_attach(double timeout) override;
            void wait_for_agent_detach(double timeout) override;
            void stop_wait_loop(void) override;
            void reset_wait_loop(void) override;
            std::string get_profile_name(void) override;
            std::set<std::string> get_hostnames(void) override;
        private:
            /// What the controller last published.
            struct Published
            {
                bool is_present = false;   // the sample file exists
                bool is_running = false;
                std::string agent;
                std::string profile;
                double timestamp = 0.0;    // seconds since the Unix epoch
                std::vector<std::string> policy_names;
                std::vector<std::string> sample_names;
                std::vector<double> sample;
                std::vector<std::string> hosts;
                int64_t policy_seq = -1;  // -1: none accepted
            };
            Published read_published(void) const;
            /// The published state of a running job; throws
            /// GEOPM_ERROR_NO_AGENT naming func when none is attached.
            Published attached(const std::string &func) const;
            void check_open(const std::string &func) const;
            /// Wait while is_attached() differs from want_attached.
            void wait_for(bool want_attached, double timeout, const std::string &func);

            const std::string m_data_path;
            const std::string m_policy_path;
            const std::string m_sample_path;
            bool m_is_open;
            std::atomic<bool> m_continue_loop;
            int64_t m_last_seq;
    };
}

#endif
