/*
 * json11: the small C++11 JSON value type that GEOPM 3.1 ships in libgeopmd
 * and installs as <geopm/json11.hpp>. Same declarations, so that a plugin
 * written for GEOPM builds and links unchanged; the implementation is
 * geopm-bridge's own (cpp/src/core/json11.cpp).
 *
 * A json11::Json is an immutable value shared by reference count: null, a
 * number (every number is read back as a double; integers that fit an int
 * are kept as one), a boolean, a string, an array (std::vector<Json>) or an
 * object (std::map<std::string, Json>, so its keys come out sorted).
 * Accessors of the wrong type give a neutral value (0, false, "", empty)
 * instead of throwing; parse() reports errors through a string.
 */
#ifndef JSON11_HPP_INCLUDE
#define JSON11_HPP_INCLUDE
#pragma once

#include <cstddef>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace json11
{
    /// What Json::parse() accepts besides standard JSON: with COMMENTS,
    /// C and C++ style comments wherever white space may be.
    enum JsonParse {
        STANDARD,
        COMMENTS
    };

    class JsonValue;

    class __attribute__((visibility("default"))) Json final
    {
        public:
            /// The kind of a value; values of different kinds order by
            /// this enum.
            enum Type {
                NUL,
                NUMBER,
                BOOL,
                STRING,
                ARRAY,
                OBJECT
            };

            typedef std::vector<Json> array;
            typedef std::map<std::string, Json> object;

            /// null
            Json() noexcept;
            /// null
            Json(std::nullptr_t) noexcept;
            /// Numbers.
            Json(double value);
            Json(int value);
            /// true or false
            Json(bool value);
            /// Strings (bytes, kept as given: UTF-8 by convention).
            Json(const std::string &value);
            Json(std::string &&value);
            Json(const char *value);
            /// Arrays and objects.
            Json(const array &values);
            Json(array &&values);
            Json(const object &values);
            Json(object &&values);

            /// Any type with a to_json() member converts through it.
            template <class T, class = decltype(&T::to_json)>
            Json(const T &convertible)
                : Json(convertible.to_json())
            {
            }

            /// A map-like container (its begin() giving key/value pairs
            /// with string keys) becomes an object.
            template <class M, typename std::enable_if<
                std::is_constructible<std::string, decltype(std::declval<M>().begin()->first)>::value &&
                std::is_constructible<Json, decltype(std::declval<M>().begin()->second)>::value,
                int>::type = 0>
            Json(const M &map_like)
                : Json(object(map_like.begin(), map_like.end()))
            {
            }

            /// A sequence container of convertible elements becomes an
            /// array.
            template <class V, typename std::enable_if<
                std::is_constructible<Json, decltype(*std::declval<V>().begin())>::value,
                int>::type = 0>
            Json(const V &sequence)
                : Json(array(sequence.begin(), sequence.end()))
            {
            }

            /// A pointer would otherwise become a bool; say bool(ptr) to
            /// mean that.
            Json(void *) = delete;

            Type type() const;

            bool is_null() const { return type() == NUL; }
            bool is_number() const { return type() == NUMBER; }
            bool is_bool() const { return type() == BOOL; }
            bool is_string() const { return type() == STRING; }
            bool is_array() const { return type() == ARRAY; }
            bool is_object() const { return type() == OBJECT; }

            /// The number (either accessor works on any number; 0 for
            /// other kinds). int_value() truncates toward zero.
            double number_value() const;
            int int_value() const;
            /// The boolean; false for other kinds.
            bool bool_value() const;
            /// The string; an empty one for other kinds.
            const std::string &string_value() const;
            /// The elements; an empty vector for other kinds.
            const array &array_items() const;
            /// The members; an empty map for other kinds.
            const object &object_items() const;

            /// Element idx of an array; a null value when out of range or
            /// not an array.
            const Json &operator[](size_t idx) const;
            /// Member key of an object; a null value when absent or not an
            /// object.
            const Json &operator[](const std::string &key) const;

            /// Append the JSON text of this value to out.
            void dump(std::string &out) const;
            /// The JSON text of this value.
            std::string dump() const
            {
                std::string text;
                dump(text);
                return text;
            }

            /// The value that text holds (white space around it allowed).
            /// On failure: a null value, and err says what went wrong;
            /// err is left as it was on success.
            static Json parse(const std::string &text,
                              std::string &err,
                              JsonParse strategy = JsonParse::STANDARD);
            static Json parse(const char *text,
                              std::string &err,
                              JsonParse strategy = JsonParse::STANDARD)
            {
                if (text == nullptr) {
                    err = "null input";
                    return nullptr;
                }
                return parse(std::string(text), err, strategy);
            }
            /// Every value in text, one after another (white space
            /// between them optional). stop_pos: where the text after the
            /// last complete value begins. After a failure the last element
            /// is a null value and err says what went wrong.
            static std::vector<Json> parse_multi(const std::string &text,
                                                 std::string::size_type &stop_pos,
                                                 std::string &err,
                                                 JsonParse strategy = JsonParse::STANDARD);
            static inline std::vector<Json> parse_multi(const std::string &text,
                                                        std::string &err,
                                                        JsonParse strategy = JsonParse::STANDARD)
            {
                std::string::size_type ignored_stop_pos;
                return parse_multi(text, ignored_stop_pos, err, strategy);
            }

            /// Deep comparison; numbers compare by value whatever their
            /// storage. Different kinds order by Type.
            bool operator==(const Json &other) const;
            bool operator<(const Json &other) const;
            bool operator!=(const Json &other) const { return !(*this == other); }
            bool operator<=(const Json &other) const { return !(other < *this); }
            bool operator>(const Json &other) const { return other < *this; }
            bool operator>=(const Json &other) const { return !(*this < other); }

            /// Member names with the kind each must have.
            typedef std::initializer_list<std::pair<std::string, Type> > shape;
            /// Whether this is an object whose members named in types have
            /// those kinds (a missing member counts as null); if not, false
            /// and err says why.
            bool has_shape(const shape &types, std::string &err) const;

        private:
            std::shared_ptr<JsonValue> m_ptr;
    };

    /// The stored value behind a Json; its kinds are private to the library.
    class JsonValue
    {
        protected:
            friend class Json;
            friend class JsonInt;
            friend class JsonDouble;
            virtual Json::Type type() const = 0;
            virtual bool equals(const JsonValue *other) const = 0;
            virtual bool less(const JsonValue *other) const = 0;
            virtual void dump(std::string &out) const = 0;
            virtual double number_value() const;
            virtual int int_value() const;
            virtual bool bool_value() const;
            virtual const std::string &string_value() const;
            virtual const Json::array &array_items() const;
            virtual const Json &operator[](size_t idx) const;
            virtual const Json::object &object_items() const;
            virtual const Json &operator[](const std::string &key) const;
            virtual ~JsonValue() {}
    };
}

#endif
