/*
 * A user's program of geopm/json11.hpp (tests/test_api_json11.py): built
 * against get_include() with -lgeopmd, or against an installed GEOPM 3.1 to
 * compare the two.
 *
 * json11_program tour
 *     builds, dumps, compares and parses values, one line per check.
 * json11_program parse
 *     reads cases from standard input, each "<mode> <size>\n" then size bytes
 *     (mode: standard, comments, multi, multi-comments) and prints one line
 *     per case: "ok <type> <dump>" or "error <message> -> <dump>", and for
 *     parse_multi the values, the stop position and the error.
 * Bytes outside printable ASCII print as \xHH.
 */
#include <climits>
#include <cmath>
#include <iostream>
#include <limits>
#include <list>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "geopm/json11.hpp"

using json11::Json;

namespace
{
    std::string printable(const std::string &text)
    {
        static const char HEX[] = "0123456789abcdef";
        std::string result;
        for (char cc : text) {
            const unsigned char byte = static_cast<unsigned char>(cc);
            if (byte >= 0x20 && byte < 0x7F) {
                result += cc;
            }
            else {
                result += "\\x";
                result += HEX[byte >> 4];
                result += HEX[byte & 0xF];
            }
        }
        return result;
    }

    const char *type_name(Json::Type type)
    {
        switch (type) {
            case Json::NUL: return "null";
            case Json::NUMBER: return "number";
            case Json::BOOL: return "bool";
            case Json::STRING: return "string";
            case Json::ARRAY: return "array";
            case Json::OBJECT: return "object";
        }
        return "?";
    }

    void show(const std::string &label, const Json &value)
    {
        std::cout << label << ": " << type_name(value.type()) << " "
                  << printable(value.dump()) << "\n";
    }

    void check(const std::string &label, bool value)
    {
        std::cout << label << ": " << (value ? "true" : "false") << "\n";
    }

    // A user type that converts through to_json().
    struct Point
    {
        int x;
        int y;
        Json to_json() const
        {
            return Json::array{x, y};
        }
    };

    void tour_constructors(void)
    {
        std::string text = "copied";
        std::string moved = "moved";
        Json::array items = {1, "two"};
        Json::object members = {{"k", false}};
        show("default", Json());
        show("nullptr", Json(nullptr));
        show("double", Json(3.5));
        show("int", Json(7));
        show("bool", Json(true));
        show("string", Json(text));
        show("string&&", Json(std::move(moved)));
        show("char*", Json("chars"));
        show("array", Json(items));
        show("array&&", Json(Json::array{nullptr, 2.5}));
        show("object", Json(members));
        show("object&&", Json(Json::object{{"z", 1}, {"a", Json::array{}}}));
        show("map<string,int>", Json(std::map<std::string, int>{{"b", 2}, {"a", 1}}));
        show("unordered_map", Json(std::unordered_map<std::string, std::string>{{"only", "one"}}));
        show("vector<int>", Json(std::vector<int>{3, 1, 2}));
        show("list<string>", Json(std::list<std::string>{"x", "y"}));
        show("set<double>", Json(std::set<double>{2.5, -1.0}));
        show("to_json", Json(Point{4, 5}));
        show("vector<Point>", Json(std::vector<Point>{{1, 2}, {3, 4}}));
        show("nested", Json::object{{"list", Json::array{Json::object{}, Json::array{}}},
                                    {"empty", ""}});
    }

    void tour_numbers(void)
    {
        const double values[] = {0.1, 1.0, -0.0, 1.0 / 3.0, 1e21, 1e-7, 123456789.0,
                                 9007199254740993.0, 5e-324, 1.7976931348623157e308,
                                 NAN, INFINITY, -INFINITY};
        for (double value : values) {
            show("double", Json(value));
        }
        show("int max", Json(INT_MAX));
        show("int min", Json(INT_MIN));
        std::cout << "int_value 3.99: " << Json(3.99).int_value() << "\n";
        std::cout << "int_value -3.99: " << Json(-3.99).int_value() << "\n";
        std::cout << "number_value 7: " << Json(7).number_value() << "\n";
    }

    void tour_strings(void)
    {
        show("escapes", Json("q\" b\\ /\b\f\n\r\t"));
        show("control", Json(std::string("\x01\x1f\x7f\0end", 7)));
        show("utf-8", Json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
        show("separators", Json("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c"));
        show("cut separator", Json("\xe2\x80"));
        show("key order", Json::object{{"b", 1}, {"a", 2}, {"B", 3}, {"", 4}, {"a\xc3\xa9", 5}});
    }

    void tour_accessors(void)
    {
        Json doc = Json::object{{"n", 2.5}, {"s", "text"}, {"a", Json::array{10, 20}},
                                {"t", true}};
        show("doc[a][1]", doc["a"][1]);
        show("doc[a][2]", doc["a"][2]);
        show("doc[missing]", doc["missing"]);
        show("doc[0]", doc[0]);
        show("text[k]", doc["s"]["k"]);
        std::cout << "number of string: " << doc["s"].number_value() << "\n";
        std::cout << "int of bool: " << doc["t"].int_value() << "\n";
        check("bool of number", doc["n"].bool_value());
        check("bool of true", doc["t"].bool_value());
        std::cout << "string of number: [" << doc["n"].string_value() << "]\n";
        std::cout << "items of object: " << doc.array_items().size() << "\n";
        std::cout << "members of array: " << doc["a"].object_items().size() << "\n";
        std::cout << "members: " << doc.object_items().size() << "\n";
        check("is_null", doc["x"].is_null());
        check("is_number", doc["n"].is_number());
        check("is_bool", doc["t"].is_bool());
        check("is_string", doc["s"].is_string());
        check("is_array", doc["a"].is_array());
        check("is_object", doc.is_object());
    }

    void tour_comparisons(void)
    {
        const Json nan_value(NAN);
        check("1 == 1.0", Json(1) == Json(1.0));
        check("1.0 == 1", Json(1.0) == Json(1));
        check("1 < 1.5", Json(1) < Json(1.5));
        check("1.5 < 2", Json(1.5) < Json(2));
        check("nan == nan", Json(NAN) == Json(NAN));
        check("nan == itself", nan_value == nan_value);
        check("nan copy == nan", Json(nan_value) == nan_value);
        check("null == null", Json() == Json(nullptr));
        check("null < null", Json() < Json());
        check("null < 0", Json() < Json(0));
        check("99 < false", Json(99) < Json(false));
        check("false < true", Json(false) < Json(true));
        check("true < \"\"", Json(true) < Json(""));
        check("\"b\" < \"a\"", Json("b") < Json("a"));
        check("\"z\" < []", Json("z") < Json(Json::array{}));
        check("[] < {}", Json(Json::array{}) < Json(Json::object{}));
        check("[1,2] < [1,3]", Json(Json::array{1, 2}) < Json(Json::array{1, 3}));
        check("[1,2] < [1]", Json(Json::array{1, 2}) < Json(Json::array{1}));
        check("[1] < [1,2]", Json(Json::array{1}) < Json(Json::array{1, 2}));
        check("[1] == [1.0]", Json(Json::array{1}) == Json(Json::array{1.0}));
        check("{a:1} == {a:1.0}", Json(Json::object{{"a", 1}}) == Json(Json::object{{"a", 1.0}}));
        check("{a:1} < {a:2}", Json(Json::object{{"a", 1}}) < Json(Json::object{{"a", 2}}));
        check("{a:9} < {b:0}", Json(Json::object{{"a", 9}}) < Json(Json::object{{"b", 0}}));
        check("{b:0} < {a:9}", Json(Json::object{{"b", 0}}) < Json(Json::object{{"a", 9}}));
        check("1 != 2", Json(1) != Json(2));
        check("1 <= 1", Json(1) <= Json(1));
        check("2 <= 1", Json(2) <= Json(1));
        check("2 > 1", Json(2) > Json(1));
        check("1 >= 2", Json(1) >= Json(2));
        check("\"1\" == 1", Json("1") == Json(1));
    }

    void tour_shape(void)
    {
        Json doc = Json::object{{"name", "x"}, {"size", 3}};
        std::string err = "untouched";
        check("shape ok", doc.has_shape({{"name", Json::STRING}, {"size", Json::NUMBER}}, err));
        std::cout << "err: " << err << "\n";
        check("missing as null", doc.has_shape({{"other", Json::NUL}}, err));
        check("wrong type", doc.has_shape({{"name", Json::STRING}, {"size", Json::STRING}}, err));
        std::cout << "err: " << printable(err) << "\n";
        check("missing", doc.has_shape({{"other", Json::ARRAY}}, err));
        std::cout << "err: " << printable(err) << "\n";
        check("not object", Json(Json::array{1}).has_shape({}, err));
        std::cout << "err: " << printable(err) << "\n";
    }

    void tour_parse(void)
    {
        std::string err = "untouched";
        Json doc = Json::parse(" {\"b\": [1, 2.50, -0, 1e2, true, null], \"a\": \"\\u00e9\"} ", err);
        show("parsed", doc);
        std::cout << "err after success: " << err << "\n";
        check("round trip", Json::parse(doc.dump(), err) == doc);
        show("failed", Json::parse("[1, }", err));
        std::cout << "err: " << printable(err) << "\n";
        show("char* input", Json::parse("[\"c\"]", err));
        const char *no_text = nullptr;
        err.clear();
        show("null char*", Json::parse(no_text, err));
        std::cout << "err: " << err << "\n";
        err.clear();
        show("comments", Json::parse("// a\n[1, /* b */ 2] /* c */", err, json11::COMMENTS));
        show("no comments", Json::parse("[1, /* b */ 2]", err, json11::STANDARD));
        std::cout << "err: " << printable(err) << "\n";
        err.clear();
        std::string::size_type stop = 99;
        std::vector<Json> many = Json::parse_multi("1 [2] {\"x\": 3}  \"four\" nul", stop, err);
        std::cout << "multi: " << many.size() << " values, stop " << stop << ", err "
                  << printable(err) << "\n";
        for (const Json &item : many) {
            show("  item", item);
        }
        err.clear();
        many = Json::parse_multi("true false", err);
        std::cout << "multi (no stop): " << many.size() << " values, err [" << err << "]\n";
    }

    // Cases from standard input: "<mode> <size>\n<size bytes>".
    int parse_cases(void)
    {
        std::string mode;
        size_t size = 0;
        while (std::cin >> mode >> size) {
            std::cin.get();
            std::string text(size, '\0');
            std::cin.read(&text[0], static_cast<std::streamsize>(size));
            const json11::JsonParse strategy =
                mode.find("comments") != std::string::npos ? json11::COMMENTS : json11::STANDARD;
            std::string err;
            if (mode.compare(0, 5, "multi") == 0) {
                std::string::size_type stop = 0;
                std::vector<Json> values = Json::parse_multi(text, stop, err, strategy);
                std::cout << "multi";
                for (const Json &value : values) {
                    std::cout << " " << printable(value.dump());
                }
                std::cout << " | stop " << stop << " | " << printable(err) << "\n";
                continue;
            }
            Json value = Json::parse(text, err, strategy);
            if (err.empty()) {
                std::cout << "ok " << type_name(value.type()) << " " << printable(value.dump()) << "\n";
            }
            else {
                std::cout << "error " << printable(err) << " -> " << value.dump() << "\n";
            }
        }
        return 0;
    }
}

int main(int argc, char **argv)
{
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "parse") {
        return parse_cases();
    }
    if (mode != "tour") {
        std::cerr << "usage: json11_program tour | parse\n";
        return 2;
    }
    tour_constructors();
    tour_numbers();
    tour_strings();
    tour_accessors();
    tour_comparisons();
    tour_shape();
    tour_parse();
    return 0;
}
