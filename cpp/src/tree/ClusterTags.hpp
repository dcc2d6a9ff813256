/*
 * The message tags of the runtime's protocol between the ranks of a job.
 * Private to the runtime: a transport only keeps the messages of each tag
 * apart and needs no meaning for them.
 */
#ifndef GEOPM_BRIDGE_CLUSTERTAGS_HPP_INCLUDE
#define GEOPM_BRIDGE_CLUSTERTAGS_HPP_INCLUDE

namespace geopm_bridge
{
    /// Tree messages add their level to M_TAG_SAMPLE or M_TAG_POLICY.
    enum cluster_tag_e {
        M_TAG_STOP = 1,
        M_TAG_REPORT = 2,
        M_TAG_DONE = 3,
        M_TAG_SAMPLE = 64,
        M_TAG_POLICY = 128,
    };
}

#endif
