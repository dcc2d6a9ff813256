#include "ErrorText.hpp"

#include <cctype>

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

namespace geopm_bridge
{
    std::string warning_text(const std::exception_ptr &error)
    {
        return without_positions(error_text(error));
    }

    std::string without_positions(std::string text)
    {
        static const std::string M_MARK = ": at ";
        for (size_t mark = text.find(M_MARK); mark != std::string::npos;
             mark = text.find(M_MARK, mark + 1)) {
            // ": at <file>.<c|cpp|h|hpp...>:<digits>", then the end, ':' or a blank.
            size_t colon = text.find(':', mark + M_MARK.size());
            size_t digits_end = colon == std::string::npos ? colon :
                                text.find_first_not_of("0123456789", colon + 1);
            size_t end = digits_end == std::string::npos ? text.size() : digits_end;
            std::string file = text.substr(mark + M_MARK.size(),
                                           colon == std::string::npos ? 0 : colon - mark - M_MARK.size());
            size_t dot = file.rfind('.');
            std::string suffix = dot == std::string::npos ? "" : file.substr(dot);
            bool is_source = suffix == ".c" || suffix == ".cc" || suffix == ".cpp" ||
                             suffix == ".cxx" || suffix == ".h" || suffix == ".hpp";
            bool is_position = colon != std::string::npos && end > colon + 1 && is_source &&
                               file.find_first_of(" \t\n") == std::string::npos &&
                               (end == text.size() || text[end] == ':' ||
                                std::isspace(static_cast<unsigned char>(text[end])));
            if (is_position) {
                text.erase(mark, end - mark);
                mark = mark == 0 ? 0 : mark - 1;
            }
        }
        return text;
    }
}
