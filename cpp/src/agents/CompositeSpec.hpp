/*
 * What a composite agent's name says, and what follows from its members'
 * dictionaries: the composite's policy and sample names and, per member,
 * where each of its names sits in them. Made once per registration.
 */
#ifndef GEOPM_BRIDGE_COMPOSITESPEC_HPP_INCLUDE
#define GEOPM_BRIDGE_COMPOSITESPEC_HPP_INCLUDE

#include <map>
#include <string>
#include <vector>

namespace geopm_bridge
{
    enum composite_merge_e {
        M_MERGE_MIN,
        M_MERGE_MAX,
        M_MERGE_FIRST,
        M_MERGE_LAST,
    };

    struct CompositeSpec
    {
        /// Parses spec and reads the members' dictionaries from
        /// geopm::agent_factory(); name is what the composite registers as.
        CompositeSpec(const std::string &name, const std::string &spec);
        std::string name;
        std::vector<std::string> members;
        /// Merge rule per control name shared by members.
        std::map<std::string, composite_merge_e> merge;
        /// Union of the members' names, in member order.
        std::vector<std::string> policy_names;
        std::vector<std::string> sample_names;
        /// [member][j]: the composite index of the member's j-th name.
        std::vector<std::vector<int> > policy_map;
        std::vector<std::vector<int> > sample_map;
        /// [member][j]: whether the member is the first to name it (its
        /// owner: its value is the one passed on).
        std::vector<std::vector<bool> > policy_owned;
        std::vector<std::vector<bool> > sample_owned;
    };
}

#endif
