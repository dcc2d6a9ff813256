/*
 * A minimal JSON reader and string quoting for the runtime's small files
 * (saved controls, environment files, policies). Not public API.
 */
#ifndef GEOPM_BRIDGE_JSON_HPP_INCLUDE
#define GEOPM_BRIDGE_JSON_HPP_INCLUDE

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace geopm_bridge
{
    class JsonValue
    {
        public:
            enum m_type_e {
                M_NULL,
                M_BOOL,
                M_NUMBER,
                M_STRING,
                M_ARRAY,
                M_OBJECT,
            };
            /// Parse a whole document; throws geopm::Exception
            /// (GEOPM_ERROR_FILE_PARSE) naming the offset of the error.
            static JsonValue parse(const std::string &text);
            /// A JSON string literal for text, with escapes.
            static std::string quote(const std::string &text);

            m_type_e type(void) const { return m_type; }
            bool is_object(void) const { return m_type == M_OBJECT; }
            bool is_array(void) const { return m_type == M_ARRAY; }
            bool is_string(void) const { return m_type == M_STRING; }
            bool is_number(void) const { return m_type == M_NUMBER; }
            bool boolean(void) const { return m_bool; }
            double number(void) const { return m_number; }
            const std::string &string(void) const { return m_string; }
            const std::vector<JsonValue> &array(void) const { return m_array; }
            const std::map<std::string, JsonValue> &object(void) const { return m_object; }
        private:
            class Parser;
            m_type_e m_type = M_NULL;
            bool m_bool = false;
            double m_number = 0.0;
            std::string m_string;
            std::vector<JsonValue> m_array;
            std::map<std::string, JsonValue> m_object;
    };

    /// JsonValue::parse() whose errors name source (e.g. "policy file
    /// \"/tmp/p.json\"").
    JsonValue parse_json(const std::string &text, const std::string &source);
}

#endif
