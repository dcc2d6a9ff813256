#include "geopm_bridge/Controller.hpp"

#include <stdlib.h>

#include <iostream>
#include <map>
#include <memory>

#include "geopm/Agent.hpp"
#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm_bridge/ClusterComm.hpp"
#include "geopm_bridge/NodeContext.hpp"

#include "core/ErrorText.hpp"
#include "profile/ProfileChannel.hpp"
#include "profile/ProfileSource.hpp"
#include "tree/ClusterTreeComm.hpp"
#include "tree/InProcessTreeComm.hpp"
#include "tree/Launcher.hpp"
#include "tree/TransportLoader.hpp"
#include "tree/TreeComm.hpp"
#include "tree/TreeGeometry.hpp"
#include "Controller.hpp"
#include "PosixSignalGuard.hpp"

namespace geopm_bridge
{
    namespace
    {
        // The node-model parameters of node node_idx: a value written
        // "a:b:c" is a per-node list, of which node i takes entry i modulo
        // its length ("load=0.3:0.9" alternates a light and a heavy node).
        std::string node_model_for(const std::string &text, int node_idx)
        {
            std::vector<std::string> items;
            for (const auto &item : geopm::string_split(text, ",")) {
                size_t equal = item.find('=');
                if (equal == std::string::npos || item.find(':', equal) == std::string::npos) {
                    items.push_back(item);
                    continue;
                }
                auto values = geopm::string_split(item.substr(equal + 1), ":");
                items.push_back(item.substr(0, equal + 1) + values[node_idx % values.size()]);
            }
            return geopm::string_join(items, ",");
        }

        /// The job's node-model parameters: its own, else the current
        /// node's (GEOPM_BRIDGE_NODE_MODEL).
        std::string job_node_model(const JobConfig &config)
        {
            return config.node_model.empty() ? current_node().option("node_model")
                                             : config.node_model;
        }

        /// The platform of this process's own node (node node_idx of the
        /// job, not a simulated one): the current node, or, when the job
        /// names a node model of its own or per-node values, a new one that
        /// made keeps.
        NodeContext &this_node_context(const JobConfig &config, int node_idx,
                                       std::unique_ptr<NodeContext> &made)
        {
            std::string model = job_node_model(config);
            if (model.find(':') == std::string::npos &&
                model == current_node().option("node_model")) {
                return current_node();
            }
            made = std::make_unique<NodeContext>(std::map<std::string, std::string>{
                {"node_model", node_model_for(model, node_idx)}}, current_node().name());
            return *made;
        }

        std::string node_name(const NodeContext &node)
        {
            return node.name().empty() ? geopm::hostname() : node.name();
        }

        /// The key of this process's node's application: its own, or the
        /// one an attached controller shares with the application step.
        std::string profile_key(const JobConfig &config)
        {
            return config.attach_key.empty() ? ProfileSource::new_key() : config.attach_key;
        }

        /// Attached: the launcher starts the application step once it
        /// reads this line (rank 0's, after every rank started).
        void announce_ready(const JobConfig &config)
        {
            if (!config.attach_key.empty()) {
                std::cout << M_ATTACH_READY_LINE << std::endl;
            }
        }

        /// An attached controller starts nothing and runs real nodes, and
        /// its key names shared-memory objects.
        void check_attach(const JobConfig &config)
        {
            if (config.attach_key.empty()) {
                return;
            }
            std::string why;
            if (!config.app_argv.empty()) {
                why = "an attached controller starts no application";
            }
            else if (config.simulate_nodes > 0) {
                why = "simulated nodes run their application themselves";
            }
            else if (config.attach_key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                         "abcdefghijklmnopqrstuvwxyz"
                                                         "0123456789._-") != std::string::npos ||
                     config.attach_key.size() > 64) {
                why = "a key is at most 64 letters, digits, '.', '_' or '-'";
            }
            if (!why.empty()) {
                throw geopm::Exception("GEOPM_BRIDGE_ATTACH_KEY=" + config.attach_key + ": " + why,
                                       GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
        }

        int run_single_node(const JobConfig &config)
        {
            // Refuses a bad GEOPM_MAX_FAN_OUT here too.
            TreeGeometry geometry(1, config.max_fan_out);
            std::unique_ptr<NodeContext> own_node;
            NodeContext &node = this_node_context(config, 0, own_node);
            std::string name = node_name(node);
            PosixSignalGuard signals(!config.attach_key.empty());
            std::vector<NodeSpec> nodes;
            nodes.push_back({&node, name, make_single_node_tree_comm(), profile_key(config)});
            Controller controller(config, std::move(nodes), nullptr, {name});
            controller.start();
            announce_ready(config);
            return controller.run(signals);
        }

        int run_simulated_nodes(const JobConfig &config)
        {
            const int num_node = config.simulate_nodes;
            TreeGeometry geometry(num_node, config.max_fan_out);
            std::string model = job_node_model(config);
            if (!NodeContext({{"node_model", model}}).is_node_model_on()) {
                throw geopm::Exception("GEOPM_BRIDGE_SIMULATE_NODES=" + std::to_string(num_node) +
                                       " needs the node model (--node-model, or "
                                       "GEOPM_BRIDGE_NODE_MODEL=1): simulated nodes cannot "
                                       "share this machine's controls",
                                       GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            const std::string &agent = known_agent(config.agent);
            auto tree_comms = make_in_process_tree_comms(geometry, geopm::Agent::num_policy(agent),
                                                         geopm::Agent::num_sample(agent));
            // sim0000, sim0001, ...: wide enough for every index.
            size_t width = std::max<size_t>(4, std::to_string(num_node - 1).size());
            std::vector<std::unique_ptr<NodeContext> > contexts;
            std::vector<std::string> names;
            std::vector<NodeSpec> nodes;
            for (int idx = 0; idx < num_node; ++idx) {
                std::string number = std::to_string(idx);
                names.push_back("sim" + std::string(width - number.size(), '0') + number);
                contexts.push_back(std::make_unique<NodeContext>(
                    std::map<std::string, std::string>{{"node_model", node_model_for(model, idx)}},
                    names.back()));
                nodes.push_back({contexts.back().get(), names.back(), std::move(tree_comms[idx]),
                                 ProfileSource::new_key(idx)});
            }
            PosixSignalGuard signals;
            Controller controller(config, std::move(nodes), nullptr, names);
            controller.start();
            return controller.run(signals);
        }

        /// What every rank of an MPI job must agree on, one "key: value"
        /// line each. Never throws: an unknown agent is reported later,
        /// on every rank alike.
        std::vector<std::string> job_signature(const JobConfig &config)
        {
            std::string policy_names = "(unknown agent)";
            std::string sample_names = "(unknown agent)";
            try {
                policy_names = geopm::string_join(geopm::Agent::policy_names(config.agent), ",");
                sample_names = geopm::string_join(geopm::Agent::sample_names(config.agent), ",");
            }
            catch (...) {
            }
            return {
                "agent \"" + config.agent + "\"",
                "policy names [" + policy_names + "]",
                "sample names [" + sample_names + "]",
                "GEOPM_POLICY \"" + config.policy_path + "\"",
                "GEOPM_ENDPOINT \"" + config.endpoint + "\"",
                "GEOPM_MAX_FAN_OUT " + std::to_string(config.max_fan_out),
            };
        }

        /// Each rank's host name in the report and trace: the host name,
        /// or "<host>-rank<R>" on a host that runs several ranks.
        std::vector<std::string> rank_names(const std::vector<std::string> &hosts)
        {
            std::map<std::string, int> count;
            for (const auto &host : hosts) {
                ++count[host];
            }
            std::vector<std::string> result;
            for (size_t rank = 0; rank < hosts.size(); ++rank) {
                result.push_back(count[hosts[rank]] == 1 ? hosts[rank]
                                                          : hosts[rank] + "-rank" + std::to_string(rank));
            }
            return result;
        }

        /// The start-up check of an MPI job: throws the same error on
        /// every rank when the ranks disagree on the job's settings.
        std::vector<std::string> check_ranks(ClusterComm &cluster, const JobConfig &config)
        {
            auto signature = job_signature(config);
            auto gathered = cluster.all_gather(geopm::hostname() + "\n" +
                                               geopm::string_join(signature, "\n"));
            std::vector<std::string> hosts;
            std::vector<std::vector<std::string> > signatures;
            for (const auto &text : gathered) {
                auto lines = geopm::string_split(text, "\n");
                hosts.push_back(lines.front());
                signatures.emplace_back(lines.begin() + 1, lines.end());
            }
            auto names = rank_names(hosts);
            // One line (the CLI shows the first line of an error), with the
            // first few disagreements.
            constexpr int M_MAX_SHOWN = 4;
            std::vector<std::string> differences;
            int num_rank_differ = 0;
            for (size_t rank = 1; rank < signatures.size(); ++rank) {
                bool is_different = false;
                for (size_t line = 0; line < signatures[0].size(); ++line) {
                    if (signatures[rank][line] == signatures[0][line]) {
                        continue;
                    }
                    is_different = true;
                    if ((int)differences.size() < M_MAX_SHOWN) {
                        differences.push_back("rank " + std::to_string(rank) + " (" + names[rank] +
                                              ") has " + signatures[rank][line] + " where rank 0 (" +
                                              names[0] + ") has " + signatures[0][line]);
                    }
                }
                num_rank_differ += is_different;
            }
            if (num_rank_differ != 0) {
                throw geopm::Exception("the ranks of this MPI job disagree on its settings "
                                       "(every rank must run the same agent with the same "
                                       "policy source and tree): " +
                                       geopm::string_join(differences, "; ") + " (" +
                                       std::to_string(num_rank_differ) + " of " +
                                       std::to_string(signatures.size()) + " ranks differ from rank 0)",
                                       GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            }
            return names;
        }

        int run_cluster(const JobConfig &config)
        {
            auto cluster = make_mpi_cluster_comm();
            auto names = check_ranks(*cluster, config);
            const int rank = cluster->rank();
            // The ranks agree: from here on an error is the same everywhere.
            TreeGeometry geometry(cluster->num_rank(), config.max_fan_out);
            const std::string &agent = known_agent(config.agent);
            std::unique_ptr<NodeContext> own_node;
            NodeContext &node = this_node_context(config, rank, own_node);
            PosixSignalGuard signals(!config.attach_key.empty());
            std::unique_ptr<Controller> controller;
            std::exception_ptr error;
            try {
                std::vector<NodeSpec> nodes;
                nodes.push_back({&node, names[rank],
                                 make_cluster_tree_comm(geometry, *cluster,
                                                        geopm::Agent::num_policy(agent),
                                                        geopm::Agent::num_sample(agent)),
                                 profile_key(config)});
                controller = std::make_unique<Controller>(config, std::move(nodes), cluster.get(),
                                                          names);
                controller->start();
            }
            catch (...) {
                error = std::current_exception();
            }
            // Every rank starts, or none does.
            auto statuses = cluster->all_gather(error ? error_text(error) : "");
            if (error) {
                std::rethrow_exception(error);
            }
            for (size_t other = 0; other < statuses.size(); ++other) {
                if (!statuses[other].empty()) {
                    throw geopm::Exception("node " + names[other] + " (rank " + std::to_string(other) +
                                           ") could not start the job: " + statuses[other],
                                           GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
                }
            }
            if (rank == 0) {
                announce_ready(config);
            }
            return controller->run(signals);
        }
    }

    int run_job(const JobConfig &config)
    {
        check_attach(config);
        int num_rank = config.ctl_local ? 0 : launcher_num_rank();
        if (config.simulate_nodes > 0 && num_rank > 1) {
            throw geopm::Exception("simulated nodes (GEOPM_BRIDGE_SIMULATE_NODES=" +
                                   std::to_string(config.simulate_nodes) + ") and an MPI job of " +
                                   std::to_string(num_rank) + " ranks do not mix: choose one",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        if (config.simulate_nodes > 0) {
            return run_simulated_nodes(config);
        }
        if (num_rank > 1) {
            return run_cluster(config);
        }
        return run_single_node(config);
    }
}
