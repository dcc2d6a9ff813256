/*
 * json11 (geopm/json11.hpp): the JSON value type GEOPM 3.1 exports from
 * libgeopmd, and the runtime's one JSON reader (core/Json.hpp builds on it).
 *
 * The stored kinds are classes of namespace json11 named as GEOPM's are
 * (Value<kind, storage> and its subclasses): their type information and
 * virtual tables are part of the symbols libgeopmd exports.
 *
 * Behaviour follows GEOPM's json11 exactly (output text, error messages,
 * which inputs are accepted), except that numbers are read and written
 * independently of the C locale (always '.' as the decimal point).
 */
#include "geopm/json11.hpp"

#include <locale.h>
#include <stdlib.h>

#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>

#include "core/Json.hpp"

namespace json11
{
    /// What a null holds: all nulls are equal and none is less than another.
    struct NullStruct
    {
        bool operator==(NullStruct) const { return true; }
        bool operator<(NullStruct) const { return false; }
    };

    // ------------------------------------------------------------ writing
    // One overload per stored type, declared before Value uses them.

    static void write_text(NullStruct, std::string &out)
    {
        out += "null";
    }

    static void write_text(double number, std::string &out)
    {
        // JSON has no NaN or infinity.
        if (!std::isfinite(number)) {
            out += "null";
            return;
        }
        // The shortest text of 17 significant digits, as printf's "%.17g".
        char buffer[32];
        auto done = std::to_chars(buffer, buffer + sizeof(buffer), number,
                                  std::chars_format::general, 17);
        out.append(buffer, done.ptr);
    }

    static void write_text(int number, std::string &out)
    {
        out += std::to_string(number);
    }

    static void write_text(bool flag, std::string &out)
    {
        out += flag ? "true" : "false";
    }

    static void write_text(const std::string &text, std::string &out)
    {
        static const char HEX[] = "0123456789abcdef";
        out += '"';
        const size_t size = text.size();
        for (size_t pos = 0; pos < size; ++pos) {
            const unsigned char byte = static_cast<unsigned char>(text[pos]);
            switch (byte) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                default:
                    if (byte < 0x20) {
                        out += "\\u00";
                        out += HEX[byte >> 4];
                        out += HEX[byte & 0xF];
                    }
                    // U+2028 and U+2029 (line and paragraph separators) are
                    // escaped too: JavaScript string literals may not hold them.
                    else if (byte == 0xE2 && pos + 2 < size &&
                             static_cast<unsigned char>(text[pos + 1]) == 0x80 &&
                             (static_cast<unsigned char>(text[pos + 2]) == 0xA8 ||
                              static_cast<unsigned char>(text[pos + 2]) == 0xA9)) {
                        out += text[pos + 2] == '\xA8' ? "\\u2028" : "\\u2029";
                        pos += 2;
                    }
                    else {
                        out += text[pos];
                    }
            }
        }
        out += '"';
    }

    static void write_text(const Json::array &items, std::string &out)
    {
        out += '[';
        const char *separator = "";
        for (const Json &item : items) {
            out += separator;
            item.dump(out);
            separator = ", ";
        }
        out += ']';
    }

    static void write_text(const Json::object &members, std::string &out)
    {
        out += '{';
        const char *separator = "";
        for (const auto &member : members) {
            out += separator;
            write_text(member.first, out);
            out += ": ";
            member.second.dump(out);
            separator = ", ";
        }
        out += '}';
    }

    // ------------------------------------------------------------ the kinds

    /// A stored value of one kind: compared with another of the same kind
    /// (Json checks the kinds first) through its storage's operators.
    template <Json::Type KIND, typename STORAGE>
    class Value : public JsonValue
    {
        protected:
            explicit Value(const STORAGE &stored)
                : m_value(stored)
            {
            }

            explicit Value(STORAGE &&stored)
                : m_value(std::move(stored))
            {
            }

            Json::Type type() const override
            {
                return KIND;
            }

            bool equals(const JsonValue *other) const override
            {
                return m_value == static_cast<const Value *>(other)->m_value;
            }

            bool less(const JsonValue *other) const override
            {
                return m_value < static_cast<const Value *>(other)->m_value;
            }

            void dump(std::string &out) const override
            {
                write_text(m_value, out);
            }

            const STORAGE m_value;
    };

    /// A number kept as a double. Numbers compare by value with either
    /// kind of number.
    class JsonDouble final : public Value<Json::NUMBER, double>
    {
        public:
            explicit JsonDouble(double number)
                : Value(number)
            {
            }
        private:
            double number_value() const override
            {
                return m_value;
            }

            int int_value() const override
            {
                // Truncation toward zero; out of int's range (or NaN) gives
                // INT_MIN, as the conversion instruction of x86-64 does.
                if (m_value > static_cast<double>(INT_MIN) - 1.0 &&
                    m_value < static_cast<double>(INT_MAX) + 1.0) {
                    return static_cast<int>(m_value);
                }
                return INT_MIN;
            }

            bool equals(const JsonValue *other) const override
            {
                return m_value == other->number_value();
            }

            bool less(const JsonValue *other) const override
            {
                return m_value < other->number_value();
            }
    };

    /// A number kept as an int (constructed from one, or parsed from
    /// short integer text).
    class JsonInt final : public Value<Json::NUMBER, int>
    {
        public:
            explicit JsonInt(int number)
                : Value(number)
            {
            }
        private:
            double number_value() const override
            {
                return m_value;
            }

            int int_value() const override
            {
                return m_value;
            }

            bool equals(const JsonValue *other) const override
            {
                return m_value == other->number_value();
            }

            bool less(const JsonValue *other) const override
            {
                return m_value < other->number_value();
            }
    };

    class JsonBoolean final : public Value<Json::BOOL, bool>
    {
        public:
            explicit JsonBoolean(bool flag)
                : Value(flag)
            {
            }
        private:
            bool bool_value() const override
            {
                return m_value;
            }
    };

    class JsonString final : public Value<Json::STRING, std::string>
    {
        public:
            explicit JsonString(const std::string &text)
                : Value(text)
            {
            }

            explicit JsonString(std::string &&text)
                : Value(std::move(text))
            {
            }
        private:
            const std::string &string_value() const override
            {
                return m_value;
            }
    };

    class JsonArray final : public Value<Json::ARRAY, Json::array>
    {
        public:
            explicit JsonArray(const Json::array &items)
                : Value(items)
            {
            }

            explicit JsonArray(Json::array &&items)
                : Value(std::move(items))
            {
            }
        private:
            const Json::array &array_items() const override
            {
                return m_value;
            }

            const Json &operator[](size_t idx) const override;
    };

    class JsonObject final : public Value<Json::OBJECT, Json::object>
    {
        public:
            explicit JsonObject(const Json::object &members)
                : Value(members)
            {
            }

            explicit JsonObject(Json::object &&members)
                : Value(std::move(members))
            {
            }
        private:
            const Json::object &object_items() const override
            {
                return m_value;
            }

            const Json &operator[](const std::string &key) const override;
    };

    class JsonNull final : public Value<Json::NUL, NullStruct>
    {
        public:
            JsonNull()
                : Value(NullStruct{})
            {
            }
    };

    // ------------------------------------------------------------ shared values

    namespace
    {
        /// The values every Json of a kind may share, made on first use (so
        /// that Json objects of other libraries' static initializers work).
        struct SharedValues
        {
            const std::shared_ptr<JsonValue> null_value = std::make_shared<JsonNull>();
            const std::shared_ptr<JsonValue> true_value = std::make_shared<JsonBoolean>(true);
            const std::shared_ptr<JsonValue> false_value = std::make_shared<JsonBoolean>(false);
            const std::string no_string;
            const Json::array no_items;
            const Json::object no_members;
        };

        const SharedValues &shared_values(void)
        {
            static const SharedValues values;
            return values;
        }

        /// What a missed lookup returns (not in SharedValues: Json() reads it).
        const Json &missing_value(void)
        {
            static const Json value;
            return value;
        }
    }

    // ------------------------------------------------------------ Json

    Json::Json() noexcept
        : m_ptr(shared_values().null_value)
    {
    }

    Json::Json(std::nullptr_t) noexcept
        : m_ptr(shared_values().null_value)
    {
    }

    Json::Json(double value)
        : m_ptr(std::make_shared<JsonDouble>(value))
    {
    }

    Json::Json(int value)
        : m_ptr(std::make_shared<JsonInt>(value))
    {
    }

    Json::Json(bool value)
        : m_ptr(value ? shared_values().true_value : shared_values().false_value)
    {
    }

    Json::Json(const std::string &value)
        : m_ptr(std::make_shared<JsonString>(value))
    {
    }

    Json::Json(std::string &&value)
        : m_ptr(std::make_shared<JsonString>(std::move(value)))
    {
    }

    Json::Json(const char *value)
        : m_ptr(std::make_shared<JsonString>(std::string(value)))
    {
    }

    Json::Json(const array &values)
        : m_ptr(std::make_shared<JsonArray>(values))
    {
    }

    Json::Json(array &&values)
        : m_ptr(std::make_shared<JsonArray>(std::move(values)))
    {
    }

    Json::Json(const object &values)
        : m_ptr(std::make_shared<JsonObject>(values))
    {
    }

    Json::Json(object &&values)
        : m_ptr(std::make_shared<JsonObject>(std::move(values)))
    {
    }

    Json::Type Json::type() const
    {
        return m_ptr->type();
    }

    double Json::number_value() const
    {
        return m_ptr->number_value();
    }

    int Json::int_value() const
    {
        return m_ptr->int_value();
    }

    bool Json::bool_value() const
    {
        return m_ptr->bool_value();
    }

    const std::string &Json::string_value() const
    {
        return m_ptr->string_value();
    }

    const Json::array &Json::array_items() const
    {
        return m_ptr->array_items();
    }

    const Json::object &Json::object_items() const
    {
        return m_ptr->object_items();
    }

    const Json &Json::operator[](size_t idx) const
    {
        return (*m_ptr)[idx];
    }

    const Json &Json::operator[](const std::string &key) const
    {
        return (*m_ptr)[key];
    }

    void Json::dump(std::string &out) const
    {
        m_ptr->dump(out);
    }

    bool Json::operator==(const Json &other) const
    {
        if (m_ptr == other.m_ptr) {
            return true;
        }
        return m_ptr->type() == other.m_ptr->type() && m_ptr->equals(other.m_ptr.get());
    }

    bool Json::operator<(const Json &other) const
    {
        if (m_ptr == other.m_ptr) {
            return false;
        }
        const Type mine = m_ptr->type();
        const Type theirs = other.m_ptr->type();
        if (mine != theirs) {
            return mine < theirs;
        }
        return m_ptr->less(other.m_ptr.get());
    }

    bool Json::has_shape(const shape &types, std::string &err) const
    {
        if (!is_object()) {
            err = "expected JSON object, got " + dump();
            return false;
        }
        for (const auto &expected : types) {
            if ((*this)[expected.first].type() != expected.second) {
                err = "bad type for " + expected.first + " in " + dump();
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------ JsonValue

    double JsonValue::number_value() const
    {
        return 0.0;
    }

    int JsonValue::int_value() const
    {
        return 0;
    }

    bool JsonValue::bool_value() const
    {
        return false;
    }

    const std::string &JsonValue::string_value() const
    {
        return shared_values().no_string;
    }

    const Json::array &JsonValue::array_items() const
    {
        return shared_values().no_items;
    }

    const Json &JsonValue::operator[](size_t) const
    {
        return missing_value();
    }

    const Json::object &JsonValue::object_items() const
    {
        return shared_values().no_members;
    }

    const Json &JsonValue::operator[](const std::string &) const
    {
        return missing_value();
    }

    const Json &JsonArray::operator[](size_t idx) const
    {
        return idx < m_value.size() ? m_value[idx] : missing_value();
    }

    const Json &JsonObject::operator[](const std::string &key) const
    {
        auto found = m_value.find(key);
        return found == m_value.end() ? missing_value() : found->second;
    }

    // ------------------------------------------------------------ reading

    namespace
    {
        /// Containers nested deeper than this are refused (GEOPM's
        /// json11's limit; core/Json.hpp names it for the runtime's files).
        const int M_MAX_DEPTH = geopm_bridge::M_JSON_MAX_DEPTH;

        /// A character as error messages show it: printable ones quoted
        /// with their code, others by code only (as a signed char).
        std::string describe(char cc)
        {
            const unsigned char byte = static_cast<unsigned char>(cc);
            const std::string code = "(" + std::to_string(static_cast<int>(cc)) + ")";
            if (byte >= 0x20 && byte <= 0x7F) {
                return std::string("'") + cc + "' " + code;
            }
            return code;
        }

        bool is_digit(char cc)
        {
            return cc >= '0' && cc <= '9';
        }

        bool is_hex_digit(char cc)
        {
            return is_digit(cc) || (cc >= 'a' && cc <= 'f') || (cc >= 'A' && cc <= 'F');
        }

        int hex_digit_value(char cc)
        {
            return is_digit(cc) ? cc - '0' : (cc | 0x20) - 'a' + 10;
        }

        /// Appends code point as UTF-8 (lone surrogates as their three bytes).
        void append_utf8(long code, std::string &out)
        {
            if (code < 0x80) {
                out += static_cast<char>(code);
            }
            else if (code < 0x800) {
                out += static_cast<char>(0xC0 | (code >> 6));
                out += static_cast<char>(0x80 | (code & 0x3F));
            }
            else if (code < 0x10000) {
                out += static_cast<char>(0xE0 | (code >> 12));
                out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
                out += static_cast<char>(0x80 | (code & 0x3F));
            }
            else {
                out += static_cast<char>(0xF0 | (code >> 18));
                out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
                out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
                out += static_cast<char>(0x80 | (code & 0x3F));
            }
        }

        /// strtod() in the C locale, whatever the program's locale is.
        double c_locale_strtod(const char *text)
        {
            static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", locale_t(0));
            return c_locale != locale_t(0) ? strtod_l(text, nullptr, c_locale) : strtod(text, nullptr);
        }

        /// One parse: a position in the text and the first error met.
        /// Reading past the end sees '\0', like the end of a C string.
        class Reader
        {
            public:
                /// is_strict: numbers must be finite doubles (json11's own
                /// parse() reads 1e999 as infinity, as GEOPM's does).
                Reader(const std::string &text, std::string &err, JsonParse strategy,
                       bool is_strict = false)
                    : m_text(text)
                    , m_pos(0)
                    , m_err(err)
                    , m_failed(false)
                    , m_error_pos(0)
                    , m_strategy(strategy)
                    , m_is_strict(is_strict)
                {
                }

                bool failed(void) const { return m_failed; }
                bool at_end(void) const { return m_pos == m_text.size(); }
                size_t pos(void) const { return m_pos; }
                size_t error_pos(void) const { return m_error_pos; }

                /// The value at the current position, after any blanks.
                /// A failed string gives "" and other failures null (what
                /// parse_multi() keeps as its last element).
                Json value(int depth)
                {
                    if (depth > M_MAX_DEPTH) {
                        fail("exceeded maximum nesting depth", m_pos);
                        return Json();
                    }
                    char first;
                    if (!next_token(first)) {
                        return Json();
                    }
                    switch (first) {
                        case '{':
                            return object_value(depth);
                        case '[':
                            return array_value(depth);
                        case '"':
                            return Json(string_value());
                        case 't':
                            return word("true", true);
                        case 'f':
                            return word("false", false);
                        case 'n':
                            return word("null", Json());
                        default:
                            break;
                    }
                    --m_pos;
                    if (first == '-' || is_digit(first)) {
                        return number_value();
                    }
                    fail("expected value, got " + describe(first), m_pos);
                    return Json();
                }

                /// Steps over white space and, when the strategy allows,
                /// comments; false after a malformed comment.
                bool skip_blanks(void)
                {
                    while (true) {
                        while (m_pos < m_text.size() && is_space(m_text[m_pos])) {
                            ++m_pos;
                        }
                        if (m_strategy != JsonParse::COMMENTS || peek() != '/') {
                            return true;
                        }
                        if (!skip_comment()) {
                            return false;
                        }
                    }
                }

                void fail(std::string &&message, size_t where)
                {
                    if (!m_failed) {
                        m_err = std::move(message);
                        m_error_pos = where;
                        m_failed = true;
                    }
                }
            private:
                static bool is_space(char cc)
                {
                    return cc == ' ' || cc == '\t' || cc == '\n' || cc == '\r';
                }

                char peek(void) const
                {
                    return m_pos < m_text.size() ? m_text[m_pos] : '\0';
                }

                /// At a '/': steps over the comment it starts.
                bool skip_comment(void)
                {
                    const size_t start = m_pos;
                    ++m_pos;
                    if (at_end()) {
                        fail("unexpected end of input after start of comment", start);
                        return false;
                    }
                    const char kind = m_text[m_pos++];
                    if (kind == '/') {
                        size_t line_end = m_text.find('\n', m_pos);
                        m_pos = line_end == std::string::npos ? m_text.size() : line_end;
                        return true;
                    }
                    if (kind == '*') {
                        size_t close = m_text.find("*/", m_pos);
                        if (close == std::string::npos) {
                            fail("unexpected end of input inside multi-line comment", start);
                            return false;
                        }
                        m_pos = close + 2;
                        return true;
                    }
                    fail("malformed comment", start);
                    return false;
                }

                /// The next character after blanks, consumed; false at the
                /// end of the text or after a malformed comment.
                bool next_token(char &cc)
                {
                    if (!skip_blanks()) {
                        return false;
                    }
                    if (at_end()) {
                        fail("unexpected end of input", m_pos);
                        return false;
                    }
                    cc = m_text[m_pos++];
                    return true;
                }

                /// The literal spelled, whose first letter was just read.
                Json word(const std::string &spelled, Json result)
                {
                    const size_t start = m_pos - 1;
                    if (m_text.compare(start, spelled.size(), spelled) != 0) {
                        fail("parse error: expected " + spelled + ", got " +
                             m_text.substr(start, spelled.size()), start);
                        return Json();
                    }
                    m_pos = start + spelled.size();
                    return result;
                }

                /// A number starting at the current position: an int when it
                /// is integer text of at most 9 characters, else a double.
                Json number_value(void)
                {
                    const size_t start = m_pos;
                    if (peek() == '-') {
                        ++m_pos;
                    }
                    if (peek() == '0') {
                        ++m_pos;
                        if (is_digit(peek())) {
                            fail("leading 0s not permitted in numbers", m_pos);
                            return Json();
                        }
                    }
                    else if (is_digit(peek())) {
                        while (is_digit(peek())) {
                            ++m_pos;
                        }
                    }
                    else {
                        fail("invalid " + describe(peek()) + " in number", m_pos);
                        return Json();
                    }
                    const bool is_integer = peek() != '.' && peek() != 'e' && peek() != 'E';
                    if (is_integer && m_pos - start <= 9) {
                        int magnitude = 0;
                        for (size_t idx = start; idx < m_pos; ++idx) {
                            if (is_digit(m_text[idx])) {
                                magnitude = magnitude * 10 + (m_text[idx] - '0');
                            }
                        }
                        return Json(m_text[start] == '-' ? -magnitude : magnitude);
                    }
                    if (peek() == '.') {
                        ++m_pos;
                        if (!is_digit(peek())) {
                            fail("at least one digit required in fractional part", m_pos);
                            return Json();
                        }
                        while (is_digit(peek())) {
                            ++m_pos;
                        }
                    }
                    if (peek() == 'e' || peek() == 'E') {
                        ++m_pos;
                        if (peek() == '+' || peek() == '-') {
                            ++m_pos;
                        }
                        if (!is_digit(peek())) {
                            fail("at least one digit required in exponent", m_pos);
                            return Json();
                        }
                        while (is_digit(peek())) {
                            ++m_pos;
                        }
                    }
                    // Only the checked text: strtod stops where it ends.
                    const std::string spelled = m_text.substr(start, m_pos - start);
                    const double number = c_locale_strtod(spelled.c_str());
                    if (m_is_strict && !std::isfinite(number)) {
                        fail("number " + spelled + " is out of range", start);
                        return Json();
                    }
                    return Json(number);
                }

                /// The rest of a string whose opening quote was just read.
                std::string string_value(void)
                {
                    std::string result;
                    // A \u escape not yet written: it may be the first half
                    // of a surrogate pair. -1 when there is none.
                    long pending = -1;
                    auto flush = [&result, &pending]() {
                        if (pending >= 0) {
                            append_utf8(pending, result);
                            pending = -1;
                        }
                    };
                    while (true) {
                        if (at_end()) {
                            fail("unexpected end of input in string", m_pos);
                            return "";
                        }
                        const char cc = m_text[m_pos++];
                        if (cc == '"') {
                            flush();
                            return result;
                        }
                        if (static_cast<unsigned char>(cc) < 0x20) {
                            fail("unescaped " + describe(cc) + " in string", m_pos - 1);
                            return "";
                        }
                        if (cc != '\\') {
                            flush();
                            result += cc;
                            continue;
                        }
                        if (at_end()) {
                            fail("unexpected end of input in string", m_pos);
                            return "";
                        }
                        const char escaped = m_text[m_pos++];
                        if (escaped == 'u') {
                            const std::string digits = m_text.substr(m_pos, 4);
                            bool is_valid = digits.size() == 4;
                            long code = 0;
                            for (char digit : digits) {
                                is_valid = is_valid && is_hex_digit(digit);
                                code = code * 16 + (is_hex_digit(digit) ? hex_digit_value(digit) : 0);
                            }
                            if (!is_valid) {
                                fail("bad \\u escape: " + digits, m_pos);
                                return "";
                            }
                            m_pos += 4;
                            if (pending >= 0xD800 && pending <= 0xDBFF &&
                                code >= 0xDC00 && code <= 0xDFFF) {
                                append_utf8(0x10000 + ((pending - 0xD800) << 10) + (code - 0xDC00),
                                            result);
                                pending = -1;
                            }
                            else {
                                flush();
                                pending = code;
                            }
                            continue;
                        }
                        flush();
                        switch (escaped) {
                            case '"': result += '"'; break;
                            case '\\': result += '\\'; break;
                            case '/': result += '/'; break;
                            case 'b': result += '\b'; break;
                            case 'f': result += '\f'; break;
                            case 'n': result += '\n'; break;
                            case 'r': result += '\r'; break;
                            case 't': result += '\t'; break;
                            default:
                                fail("invalid escape character " + describe(escaped), m_pos - 1);
                                return "";
                        }
                    }
                }

                /// The rest of an object whose '{' was just read.
                Json object_value(int depth)
                {
                    Json::object members;
                    char cc;
                    if (!next_token(cc)) {
                        return Json();
                    }
                    if (cc == '}') {
                        return Json(std::move(members));
                    }
                    while (true) {
                        if (cc != '"') {
                            fail("expected '\"' in object, got " + describe(cc), m_pos - 1);
                            return Json();
                        }
                        std::string key = string_value();
                        if (m_failed || !next_token(cc)) {
                            return Json();
                        }
                        if (cc != ':') {
                            fail("expected ':' in object, got " + describe(cc), m_pos - 1);
                            return Json();
                        }
                        // A repeated key keeps its last value.
                        members[std::move(key)] = value(depth + 1);
                        if (m_failed || !next_token(cc)) {
                            return Json();
                        }
                        if (cc == '}') {
                            return Json(std::move(members));
                        }
                        if (cc != ',') {
                            fail("expected ',' in object, got " + describe(cc), m_pos - 1);
                            return Json();
                        }
                        if (!next_token(cc)) {
                            return Json();
                        }
                    }
                }

                /// The rest of an array whose '[' was just read.
                Json array_value(int depth)
                {
                    Json::array items;
                    char cc;
                    if (!next_token(cc)) {
                        return Json();
                    }
                    if (cc == ']') {
                        return Json(std::move(items));
                    }
                    --m_pos;
                    while (true) {
                        items.push_back(value(depth + 1));
                        if (m_failed || !next_token(cc)) {
                            return Json();
                        }
                        if (cc == ']') {
                            return Json(std::move(items));
                        }
                        if (cc != ',') {
                            fail("expected ',' in list, got " + describe(cc), m_pos - 1);
                            return Json();
                        }
                    }
                }

                const std::string &m_text;
                size_t m_pos;
                std::string &m_err;
                bool m_failed;
                size_t m_error_pos;
                const JsonParse m_strategy;
                const bool m_is_strict;
        };

        /// A whole document: one value with only blanks after it.
        Json read_document(Reader &reader, const std::string &text)
        {
            Json result = reader.value(0);
            if (!reader.failed() && reader.skip_blanks() && !reader.at_end()) {
                reader.fail("unexpected trailing " + describe(text[reader.pos()]), reader.pos());
            }
            return reader.failed() ? Json() : result;
        }
    }

    Json Json::parse(const std::string &in, std::string &err, JsonParse strategy)
    {
        Reader reader(in, err, strategy);
        return read_document(reader, in);
    }

    std::vector<Json> Json::parse_multi(const std::string &in,
                                        std::string::size_type &parser_stop_pos,
                                        std::string &err,
                                        JsonParse strategy)
    {
        Reader reader(in, err, strategy);
        std::vector<Json> result;
        parser_stop_pos = 0;
        while (!reader.at_end()) {
            result.push_back(reader.value(0));
            if (reader.failed() || !reader.skip_blanks()) {
                break;
            }
            parser_stop_pos = reader.pos();
        }
        return result;
    }
}

namespace geopm_bridge
{
    json11::Json parse_json_document(const std::string &text, std::string &err, size_t &err_offset)
    {
        json11::Reader reader(text, err, json11::STANDARD, true);
        json11::Json result = json11::read_document(reader, text);
        err_offset = reader.error_pos();
        return result;
    }
}
