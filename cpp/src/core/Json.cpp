#include "Json.hpp"

#include "geopm/Exception.hpp"

namespace geopm_bridge
{
    json11::Json parse_json(const std::string &text, const std::string &source)
    {
        std::string err;
        size_t offset = 0;
        json11::Json result = parse_json_document(text, err, offset);
        if (!err.empty()) {
            throw geopm::Exception(source + ": JSON parse error at offset " + std::to_string(offset) +
                                   ": " + err, GEOPM_ERROR_FILE_PARSE, __FILE__, __LINE__);
        }
        return result;
    }

    std::string json_quote(const std::string &text)
    {
        return json11::Json(text).dump();
    }
}
