#include "JobStatusBoard.hpp"

namespace geopm_bridge
{
    namespace
    {
        // Namespace scope, not a function's static: the loop's reference
        // to it needs no guard check.
        JobStatusBoard g_board;
    }

    JobStatusBoard &job_status_board(void)
    {
        return g_board;
    }

    JobStatus job_status(void)
    {
        return g_board.read();
    }
}
