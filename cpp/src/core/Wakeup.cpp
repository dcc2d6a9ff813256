#include "Wakeup.hpp"

#include <atomic>

namespace geopm_bridge
{
    namespace
    {
        std::atomic<int> g_wakeup_fd(-1);
    }

    void set_wakeup_fd(int fd)
    {
        g_wakeup_fd = fd;
    }

    int wakeup_fd(void)
    {
        return g_wakeup_fd;
    }
}
