#include "Json.hpp"

#include "geopm/Exception.hpp"

#include "TextFile.hpp"

namespace geopm_bridge
{
    json11::Json parse_json(const std::string &text, const std::string &source)
    {
        if (text.size() > M_JSON_MAX_SIZE) {
            throw geopm::Exception(source + ": " + std::to_string(text.size()) +
                                   " bytes, larger than the limit of " +
                                   std::to_string(M_JSON_MAX_SIZE) + " bytes for a JSON document",
                                   GEOPM_ERROR_FILE_PARSE, __FILE__, __LINE__);
        }
        std::string err;
        size_t offset = 0;
        json11::Json result = parse_json_document(text, err, offset);
        if (!err.empty()) {
            throw geopm::Exception(source + ": JSON parse error at offset " + std::to_string(offset) +
                                   ": " + err, GEOPM_ERROR_FILE_PARSE, __FILE__, __LINE__);
        }
        return result;
    }

    json11::Json read_json_file(const std::string &path, const std::string &what)
    {
        return parse_json(read_text_file(path, what, M_JSON_MAX_SIZE), what + " \"" + path + "\"");
    }

    std::string json_quote(const std::string &text)
    {
        return json11::Json(text).dump();
    }
}
