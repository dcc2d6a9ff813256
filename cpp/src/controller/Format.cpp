#include "Format.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace geopm_bridge
{
    std::string format_number(double value)
    {
        if (std::isnan(value)) {
            return ".nan";
        }
        if (std::isinf(value)) {
            return value > 0 ? ".inf" : "-.inf";
        }
        char buf[64];
        std::to_chars_result conv;
        if (value == std::floor(value) && std::fabs(value) < 1e15) {
            conv = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::fixed, 0);
        }
        else {
            conv = std::to_chars(buf, buf + sizeof(buf), value);
        }
        std::string result(buf, conv.ptr);
        size_t exp_pos = result.find('e');
        if (exp_pos != std::string::npos && result.find('.') == std::string::npos) {
            result.insert(exp_pos, ".0");
        }
        return result;
    }

    std::string format_json_number(double value)
    {
        return std::isfinite(value) ? format_number(value) : "null";
    }
}

namespace geopm_bridge
{
    namespace
    {
        /// The code point starting at text[pos] and its length in bytes;
        /// -1 (length 1) for a byte that does not start valid UTF-8
        /// (truncated, overlong, a surrogate, past U+10FFFF).
        long decode_utf8(const std::string &text, size_t pos, size_t &length)
        {
            const unsigned char lead = static_cast<unsigned char>(text[pos]);
            length = 1;
            if (lead < 0x80) {
                return lead;
            }
            size_t extra = 0;
            long code = 0;
            long least = 0;
            if ((lead & 0xE0) == 0xC0) {
                extra = 1, code = lead & 0x1F, least = 0x80;
            }
            else if ((lead & 0xF0) == 0xE0) {
                extra = 2, code = lead & 0x0F, least = 0x800;
            }
            else if ((lead & 0xF8) == 0xF0) {
                extra = 3, code = lead & 0x07, least = 0x10000;
            }
            else {
                return -1;
            }
            for (size_t idx = 1; idx <= extra; ++idx) {
                if (pos + idx >= text.size() ||
                    (static_cast<unsigned char>(text[pos + idx]) & 0xC0) != 0x80) {
                    return -1;
                }
                code = (code << 6) | (static_cast<unsigned char>(text[pos + idx]) & 0x3F);
            }
            if (code < least || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
                return -1;
            }
            length = extra + 1;
            return code;
        }

        /// Whether code may stand as it is in a scalar on one line: YAML's
        /// printable set less the tab, the line breaks YAML 1.1 knows
        /// (NEL, U+2028, U+2029) and the byte order mark.
        bool is_line_char(long code)
        {
            return (code >= 0x20 && code <= 0x7E) || (code >= 0xA0 && code <= 0xD7FF &&
                                                      code != 0x2028 && code != 0x2029) ||
                   (code >= 0xE000 && code <= 0xFFFD && code != 0xFEFF) ||
                   (code >= 0x10000 && code <= 0x10FFFF);
        }

        bool is_flow_indicator(char cc)
        {
            return cc == ',' || cc == '[' || cc == ']' || cc == '{' || cc == '}';
        }

        bool is_valid_line(const std::string &text)
        {
            size_t length = 0;
            for (size_t pos = 0; pos < text.size(); pos += length) {
                if (!is_line_char(decode_utf8(text, pos, length))) {
                    return false;
                }
            }
            return true;
        }

        /// Whether text reads back as itself written as a plain scalar
        /// (after "key: " in a block, or inside a flow collection).
        bool is_plain(const std::string &text, bool in_flow)
        {
            static const std::string M_INDICATORS = "-?:,[]{}#&*!|>'\"%@`";
            if (text.empty() || text.front() == ' ' || text.back() == ' ' || text.back() == ':' ||
                text.compare(0, 3, "---") == 0 || text.compare(0, 3, "...") == 0) {
                return false;
            }
            // '-' starts a plain scalar when a non-blank follows ("-1.5").
            if (M_INDICATORS.find(text.front()) != std::string::npos &&
                (text.front() != '-' || text.size() == 1 || text[1] == ' ' ||
                 is_flow_indicator(text[1]))) {
                return false;
            }
            for (size_t pos = 0; pos < text.size(); ++pos) {
                const char cc = text[pos];
                const char next = pos + 1 < text.size() ? text[pos + 1] : ' ';
                if ((cc == ':' && (next == ' ' || (in_flow && is_flow_indicator(next)))) ||
                    (cc == '#' && pos > 0 && text[pos - 1] == ' ') ||
                    (in_flow && is_flow_indicator(cc))) {
                    return false;
                }
            }
            return is_valid_line(text);
        }

        /// Whether a whole text is one YAML flow node on one line: a
        /// double-quoted scalar, or a flow sequence or mapping of plain
        /// and double-quoted scalars (mapping keys scalars, each ':'
        /// followed by a blank), nested at most M_MAX_DEPTH deep.
        class FlowNode
        {
            public:
                static bool is_valid(const std::string &text)
                {
                    FlowNode checker(text);
                    return checker.node(0) && (checker.skip(), checker.m_pos == text.size());
                }
            private:
                static constexpr int M_MAX_DEPTH = 16;

                explicit FlowNode(const std::string &text)
                    : m_text(text)
                    , m_pos(0)
                {
                }

                char peek(void) const
                {
                    return m_pos < m_text.size() ? m_text[m_pos] : '\0';
                }

                void skip(void)
                {
                    while (peek() == ' ') {
                        ++m_pos;
                    }
                }

                bool node(int depth)
                {
                    skip();
                    switch (peek()) {
                        case '[': return depth < M_MAX_DEPTH && sequence(depth);
                        case '{': return depth < M_MAX_DEPTH && mapping(depth);
                        default: return scalar(depth > 0);
                    }
                }

                bool scalar(bool in_flow)
                {
                    skip();
                    if (peek() == '"') {
                        return quoted();
                    }
                    if (!in_flow) {
                        return false;  // a bare top-level value is is_plain()'s
                    }
                    size_t start = m_pos;
                    while (m_pos < m_text.size() && !is_flow_indicator(peek()) &&
                           !(peek() == ':' && (m_pos + 1 == m_text.size() ||
                                               m_text[m_pos + 1] == ' ' ||
                                               is_flow_indicator(m_text[m_pos + 1])))) {
                        ++m_pos;
                    }
                    std::string text = m_text.substr(start, m_pos - start);
                    text.erase(text.find_last_not_of(' ') + 1);
                    return is_plain(text, true);
                }

                bool quoted(void)
                {
                    static const std::string M_ESCAPES = "\"\\bfnrt";
                    ++m_pos;
                    while (m_pos < m_text.size()) {
                        size_t length = 0;
                        long code = decode_utf8(m_text, m_pos, length);
                        m_pos += length;
                        if (code == '"') {
                            return true;
                        }
                        if (!is_line_char(code)) {
                            return false;
                        }
                        if (code != '\\') {
                            continue;
                        }
                        const char kind = peek();
                        ++m_pos;
                        size_t digits = kind == 'x' ? 2 : kind == 'u' ? 4 : kind == 'U' ? 8 : 0;
                        if (digits == 0 && M_ESCAPES.find(kind) == std::string::npos) {
                            return false;
                        }
                        for (size_t idx = 0; idx < digits; ++idx, ++m_pos) {
                            if (!std::isxdigit(static_cast<unsigned char>(peek()))) {
                                return false;
                            }
                        }
                    }
                    return false;
                }

                bool sequence(int depth)
                {
                    ++m_pos;
                    skip();
                    if (peek() == ']') {
                        ++m_pos;
                        return true;
                    }
                    while (node(depth + 1)) {
                        skip();
                        const char cc = peek();
                        ++m_pos;
                        if (cc == ']') {
                            return true;
                        }
                        if (cc != ',') {
                            return false;
                        }
                    }
                    return false;
                }

                bool mapping(int depth)
                {
                    ++m_pos;
                    skip();
                    if (peek() == '}') {
                        ++m_pos;
                        return true;
                    }
                    while (true) {
                        skip();
                        // YAML reads a key only up to 1024 characters long.
                        const size_t key_start = m_pos;
                        if (!scalar(true) || m_pos - key_start > M_YAML_MAX_IMPLICIT_KEY) {
                            return false;
                        }
                        skip();
                        if (peek() != ':' || m_pos + 1 >= m_text.size() || m_text[m_pos + 1] != ' ') {
                            return false;
                        }
                        m_pos += 2;
                        if (!node(depth + 1)) {
                            return false;
                        }
                        skip();
                        const char cc = peek();
                        ++m_pos;
                        if (cc == '}') {
                            return true;
                        }
                        if (cc != ',') {
                            return false;
                        }
                    }
                }

                const std::string &m_text;
                size_t m_pos;
        };
    }

    std::string yaml_quote(const std::string &text)
    {
        std::string result = "\"";
        size_t length = 0;
        for (size_t pos = 0; pos < text.size(); pos += length) {
            long code = decode_utf8(text, pos, length);
            if (code < 0) {
                result += "\\uFFFD";
            }
            else if (code == '"' || code == '\\') {
                result += '\\';
                result += static_cast<char>(code);
            }
            else if (is_line_char(code)) {
                result.append(text, pos, length);
            }
            else if (code == '\n' || code == '\t' || code == '\r') {
                result += code == '\n' ? "\\n" : code == '\t' ? "\\t" : "\\r";
            }
            else {
                char buffer[16];
                snprintf(buffer, sizeof(buffer), code <= 0xFF ? "\\x%02lX" : "\\u%04lX", code);
                result += buffer;
            }
        }
        return result + "\"";
    }

    std::string yaml_text(const std::string &text)
    {
        // What YAML 1.1 resolves to something else than a string: numbers
        // (digits, signs, ".5", ".inf"), "~", "<<", "=", booleans, null.
        static const std::string M_NOT_TEXT_START = "0123456789+-.~<=";
        std::string lower = text;
        for (auto &cc : lower) {
            cc = static_cast<char>(std::tolower(static_cast<unsigned char>(cc)));
        }
        static const std::string M_WORDS[] = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"};
        bool is_word = std::find(std::begin(M_WORDS), std::end(M_WORDS), lower) != std::end(M_WORDS);
        if (is_plain(text, false) && !is_word && M_NOT_TEXT_START.find(text.front()) == std::string::npos) {
            return text;
        }
        return yaml_quote(text);
    }

    std::string yaml_value(const std::string &text)
    {
        if (is_plain(text, false) || FlowNode::is_valid(text)) {
            return text;
        }
        return yaml_quote(text);
    }
}
