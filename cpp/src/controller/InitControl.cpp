#include "InitControl.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "geopm/Exception.hpp"
#include "geopm/Helper.hpp"
#include "geopm/PlatformTopo.hpp"

#include "core/TextFile.hpp"

namespace geopm_bridge
{
    namespace
    {
        // A control file is a few lines; a larger one is a mistake.
        constexpr size_t M_MAX_SIZE = 1 << 20;

        // The whole word a number: decimal, scientific or 0x hexadecimal.
        bool parse_number(const std::string &word, double &value)
        {
            char *end = nullptr;
            errno = 0;
            bool is_hex = word.size() > 2 && word[0] == '0' && (word[1] == 'x' || word[1] == 'X');
            value = is_hex ? (double)strtoull(word.c_str(), &end, 16) : strtod(word.c_str(), &end);
            return end != word.c_str() && *end == '\0' && errno == 0 && std::isfinite(value);
        }
    }

    std::vector<InitControlRequest> read_init_control(const std::string &path)
    {
        std::vector<InitControlRequest> result;
        if (path.empty()) {
            return result;
        }
        std::string text = read_text_file(path, "GEOPM_INIT_CONTROL", M_MAX_SIZE);
        if (text.empty()) {
            throw geopm::Exception("GEOPM_INIT_CONTROL: " + path + " is empty (a file of "
                                   "comments only is valid, an empty one is not, as in GEOPM)",
                                   GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        auto lines = geopm::string_split(text, "\n");
        for (size_t number = 1; number <= lines.size(); ++number) {
            std::string line = lines[number - 1];
            line = line.substr(0, line.find('#'));
            std::istringstream words(line);
            std::vector<std::string> fields;
            for (std::string word; words >> word;) {
                fields.push_back(word);
            }
            if (fields.empty()) {
                continue;
            }
            auto fail = [&](const std::string &why) {
                throw geopm::Exception("GEOPM_INIT_CONTROL: " + path + ", line " +
                                       std::to_string(number) + ": " + why + ": \"" +
                                       lines[number - 1] + "\"",
                                       GEOPM_ERROR_INVALID, __FILE__, __LINE__);
            };
            if (fields.size() != 4) {
                fail("expected CONTROL DOMAIN INDEX VALUE");
            }
            InitControlRequest request{fields[0], 0, 0, 0.0};
            try {
                request.domain = geopm::PlatformTopo::domain_name_to_type(fields[1]);
            }
            catch (const geopm::Exception &) {
                fail("unknown domain \"" + fields[1] + "\"");
            }
            double index = 0.0;
            if (fields[2].find_first_not_of("0123456789") != std::string::npos ||
                !parse_number(fields[2], index) || index > 1e9) {
                fail("the index \"" + fields[2] + "\" is not a whole number");
            }
            request.domain_idx = (int)index;
            if (!parse_number(fields[3], request.value)) {
                fail("the value \"" + fields[3] + "\" is not a number");
            }
            result.push_back(request);
        }
        return result;
    }
}
