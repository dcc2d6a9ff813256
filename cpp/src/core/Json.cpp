#include "Json.hpp"

#include <cstdio>
#include <cstdlib>

#include "geopm/Exception.hpp"

namespace geopm_bridge
{
    class JsonValue::Parser
    {
        public:
            explicit Parser(const std::string &text)
                : m_text(text)
                , m_pos(0)
            {
            }

            JsonValue document(void)
            {
                JsonValue result = value();
                skip_space();
                if (m_pos != m_text.size()) {
                    fail("unexpected text after the JSON value");
                }
                return result;
            }
        private:
            [[noreturn]] void fail(const std::string &what) const
            {
                throw geopm::Exception("JSON parse error at offset " + std::to_string(m_pos) +
                                       ": " + what, GEOPM_ERROR_FILE_PARSE, __FILE__, __LINE__);
            }

            void skip_space(void)
            {
                while (m_pos < m_text.size() &&
                       (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' ||
                        m_text[m_pos] == '\n' || m_text[m_pos] == '\r')) {
                    ++m_pos;
                }
            }

            bool consume(char expected)
            {
                skip_space();
                if (m_pos < m_text.size() && m_text[m_pos] == expected) {
                    ++m_pos;
                    return true;
                }
                return false;
            }

            void expect(char expected)
            {
                if (!consume(expected)) {
                    fail(std::string("expected '") + expected + "'");
                }
            }

            bool literal(const char *word)
            {
                std::string text(word);
                if (m_text.compare(m_pos, text.size(), text) == 0) {
                    m_pos += text.size();
                    return true;
                }
                return false;
            }

            JsonValue value(void)
            {
                skip_space();
                if (m_pos >= m_text.size()) {
                    fail("unexpected end of text");
                }
                JsonValue result;
                char first = m_text[m_pos];
                if (first == '{') {
                    ++m_pos;
                    result.m_type = M_OBJECT;
                    if (!consume('}')) {
                        do {
                            skip_space();
                            std::string key = string_literal();
                            expect(':');
                            result.m_object[key] = value();
                        } while (consume(','));
                        expect('}');
                    }
                }
                else if (first == '[') {
                    ++m_pos;
                    result.m_type = M_ARRAY;
                    if (!consume(']')) {
                        do {
                            result.m_array.push_back(value());
                        } while (consume(','));
                        expect(']');
                    }
                }
                else if (first == '"') {
                    result.m_type = M_STRING;
                    result.m_string = string_literal();
                }
                else if (literal("true") || literal("false")) {
                    result.m_type = M_BOOL;
                    result.m_bool = (first == 't');
                }
                else if (literal("null")) {
                    result.m_type = M_NULL;
                }
                else {
                    result.m_type = M_NUMBER;
                    result.m_number = number();
                }
                return result;
            }

            double number(void)
            {
                const char *begin = m_text.c_str() + m_pos;
                char *end = nullptr;
                double result = std::strtod(begin, &end);
                // strtod also takes "nan", "inf" and hex: JSON numbers only.
                char first = *begin;
                if (end == begin || !(first == '-' || (first >= '0' && first <= '9'))) {
                    fail("invalid value");
                }
                m_pos += end - begin;
                return result;
            }

            std::string string_literal(void)
            {
                if (m_pos >= m_text.size() || m_text[m_pos] != '"') {
                    fail("expected a string");
                }
                ++m_pos;
                std::string result;
                while (true) {
                    if (m_pos >= m_text.size()) {
                        fail("unterminated string");
                    }
                    char cc = m_text[m_pos++];
                    if (cc == '"') {
                        break;
                    }
                    if (cc != '\\') {
                        result += cc;
                        continue;
                    }
                    if (m_pos >= m_text.size()) {
                        fail("unterminated string");
                    }
                    char esc = m_text[m_pos++];
                    switch (esc) {
                        case '"': result += '"'; break;
                        case '\\': result += '\\'; break;
                        case '/': result += '/'; break;
                        case 'b': result += '\b'; break;
                        case 'f': result += '\f'; break;
                        case 'n': result += '\n'; break;
                        case 'r': result += '\r'; break;
                        case 't': result += '\t'; break;
                        case 'u': result += utf8(hex4()); break;
                        default: fail("invalid escape in string");
                    }
                }
                return result;
            }

            unsigned hex4(void)
            {
                if (m_pos + 4 > m_text.size()) {
                    fail("short \\u escape");
                }
                unsigned result = 0;
                for (int idx = 0; idx < 4; ++idx) {
                    char cc = m_text[m_pos++];
                    result <<= 4;
                    if (cc >= '0' && cc <= '9') {
                        result |= cc - '0';
                    }
                    else if (cc >= 'a' && cc <= 'f') {
                        result |= cc - 'a' + 10;
                    }
                    else if (cc >= 'A' && cc <= 'F') {
                        result |= cc - 'A' + 10;
                    }
                    else {
                        fail("invalid \\u escape");
                    }
                }
                return result;
            }

            // Basic multilingual plane only: enough for names and paths.
            static std::string utf8(unsigned code)
            {
                std::string out;
                if (code < 0x80) {
                    out += static_cast<char>(code);
                }
                else if (code < 0x800) {
                    out += static_cast<char>(0xC0 | (code >> 6));
                    out += static_cast<char>(0x80 | (code & 0x3F));
                }
                else {
                    out += static_cast<char>(0xE0 | (code >> 12));
                    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
                    out += static_cast<char>(0x80 | (code & 0x3F));
                }
                return out;
            }

            const std::string &m_text;
            size_t m_pos;
    };

    JsonValue JsonValue::parse(const std::string &text)
    {
        return Parser(text).document();
    }

    std::string JsonValue::quote(const std::string &text)
    {
        std::string result = "\"";
        for (char cc : text) {
            switch (cc) {
                case '"': result += "\\\""; break;
                case '\\': result += "\\\\"; break;
                case '\n': result += "\\n"; break;
                case '\r': result += "\\r"; break;
                case '\t': result += "\\t"; break;
                default:
                    if (static_cast<unsigned char>(cc) < 0x20) {
                        char buffer[8];
                        snprintf(buffer, sizeof(buffer), "\\u%04x", cc);
                        result += buffer;
                    }
                    else {
                        result += cc;
                    }
            }
        }
        return result + "\"";
    }

    JsonValue parse_json(const std::string &text, const std::string &source)
    {
        try {
            return JsonValue::parse(text);
        }
        catch (const geopm::Exception &ex) {
            throw geopm::Exception(source + ": " + ex.what(), ex.err_value(), __FILE__, __LINE__);
        }
    }
}
