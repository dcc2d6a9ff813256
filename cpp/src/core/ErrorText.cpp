#include "ErrorText.hpp"

#include "geopm/Exception.hpp"

namespace geopm_bridge
{
    std::string error_text(const std::exception_ptr &error, int *err)
    {
        int value = GEOPM_ERROR_RUNTIME;
        std::string what;
        try {
            std::rethrow_exception(error);
        }
        catch (const geopm::Exception &ex) {
            value = ex.err_value();
            what = ex.what();
            std::string prefix = geopm::error_message(value) + ": ";
            if (what.compare(0, prefix.size(), prefix) == 0) {
                what.erase(0, prefix.size());
            }
        }
        catch (const std::exception &ex) {
            what = ex.what();
        }
        catch (...) {
            what = "unknown exception";
        }
        if (err != nullptr) {
            *err = value;
        }
        return what;
    }
}
