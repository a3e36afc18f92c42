// JSON values -> column text (sink), inference (auto.create), column text -> JSON (source).
#include <sluice/sql/values.hpp>

#include <doctest/doctest.h>

using namespace sluice::sql;

namespace {

Column column(ColumnKind kind, std::string type = "t") {
    return Column{"c", std::move(type), kind};
}

// The converted text, "NULL" for SQL NULL, or "error: <message>".
std::string convert(JsonKind kind, std::string_view text, const Column& c) {
    std::string out;
    try {
        return convert_value({kind, text}, c, out) ? out : "NULL";
    } catch (const ConversionError& e) {
        return std::string("error: ") + e.what();
    }
}

}  // namespace

TEST_CASE("integers: exact digits, zero fractions accepted, ranges enforced with the column named") {
    Column c = column(ColumnKind::integer, "integer");
    c.min = INT32_MIN;
    c.max = INT32_MAX;
    CHECK(convert(JsonKind::number, "42", c) == "42");
    CHECK(convert(JsonKind::number, "-7", c) == "-7");
    CHECK(convert(JsonKind::number, "60.0", c) == "60");
    CHECK(convert(JsonKind::string, " 12 ", c) == "12");
    CHECK(convert(JsonKind::number, "60.5", c) == "error: 60.5 is not an integer (column c integer)");
    CHECK(convert(JsonKind::number, "2147483648", c).starts_with("error: 2147483648 is not an integer in the column's range"));
    CHECK(convert(JsonKind::string, "abc", c) == "error: \"abc\" is not an integer (column c integer)");
    CHECK(convert(JsonKind::boolean, "true", c).starts_with("error: true is not an integer"));
    CHECK(convert(JsonKind::object, "{\"a\":1}", c) == "error: a JSON object is not an integer (column c integer)");
    CHECK(convert(JsonKind::null, "", c) == "NULL");
    Column u = column(ColumnKind::integer, "bigint unsigned");
    u.min = 0;
    u.max = UINT64_MAX;
    CHECK(convert(JsonKind::number, "18446744073709551615", u) == "18446744073709551615");
    CHECK(convert(JsonKind::number, "-1", u).starts_with("error:"));
}

TEST_CASE("numbers keep their spelling; booleans; text takes anything; json quotes strings") {
    const Column dec = column(ColumnKind::decimal), flt = column(ColumnKind::floating);
    CHECK(convert(JsonKind::number, "12345678901234567890.125", dec) == "12345678901234567890.125");
    CHECK(convert(JsonKind::string, "1e3", dec) == "1e3");
    CHECK(convert(JsonKind::string, "NaN", dec).starts_with("error:"));
    CHECK(convert(JsonKind::string, "NaN", flt) == "NaN");
    CHECK(convert(JsonKind::number, "-0.5E-3", flt) == "-0.5E-3");
    const Column b = column(ColumnKind::boolean);
    CHECK(convert(JsonKind::boolean, "true", b) == "true");
    CHECK(convert(JsonKind::number, "0", b) == "false");
    CHECK(convert(JsonKind::string, "yes", b).starts_with("error: \"yes\" is not a boolean"));
    const Column t = column(ColumnKind::text);
    CHECK(convert(JsonKind::number, "1.50", t) == "1.50");
    CHECK(convert(JsonKind::array, "[1,2]", t) == "[1,2]");
    const Column j = column(ColumnKind::json);
    CHECK(convert(JsonKind::string, "a\"b", j) == "\"a\\\"b\"");
    CHECK(convert(JsonKind::object, "{\"x\":[1]}", j) == "{\"x\":[1]}");
    CHECK(convert(JsonKind::boolean, "false", j) == "false");
}

TEST_CASE("timestamps: offsets applied for zone-less columns, epoch milliseconds accepted") {
    const Column ts = column(ColumnKind::timestamp, "timestamp"), tz = column(ColumnKind::timestamp_tz, "timestamptz");
    CHECK(convert(JsonKind::string, "2024-05-01T10:00:00+02:00", ts) == "2024-05-01 08:00:00");
    CHECK(convert(JsonKind::string, "2024-05-01T10:00:00.123456789Z", ts) == "2024-05-01 10:00:00.123456");
    CHECK(convert(JsonKind::string, "2024-05-01 10:00", ts) == "2024-05-01 10:00:00");
    CHECK(convert(JsonKind::string, "2024-05-01", ts) == "2024-05-01");  // the database decides
    CHECK(convert(JsonKind::number, "1714557600000", ts) == "2024-05-01 10:00:00");
    CHECK(convert(JsonKind::number, "1714557600123", tz) == "2024-05-01T10:00:00.123Z");
    CHECK(convert(JsonKind::string, "2024-05-01T10:00:00+02:00", tz) == "2024-05-01T10:00:00+02:00");
    CHECK(convert(JsonKind::boolean, "true", ts).starts_with("error:"));
}

TEST_CASE("binary columns take base64") {
    const Column bin = column(ColumnKind::binary, "bytea");
    CHECK(convert(JsonKind::string, "AAEC/w==", bin) == std::string("\x00\x01\x02\xff", 4));
    CHECK(convert(JsonKind::string, "not base64!", bin) == "error: \"not base64!\" is not base64 text (column c bytea)");
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_decode("Zm9vYg") == "foob");
    CHECK(!base64_decode("Z"));
}

TEST_CASE("inference: the first non-null value types a column, mixed values widen it") {
    CHECK(infer_type({JsonKind::number, "3"}) == Inferred::integer);
    CHECK(infer_type({JsonKind::number, "3.5"}) == Inferred::floating);
    CHECK(infer_type({JsonKind::number, "123456789012345678901234"}) == Inferred::bignum);
    CHECK(infer_type({JsonKind::string, "2024-05-01T10:00:00Z"}) == Inferred::timestamp_tz);
    CHECK(infer_type({JsonKind::string, "2024-05-01T10:00:00"}) == Inferred::timestamp);
    CHECK(infer_type({JsonKind::string, "2024-05-01"}) == Inferred::date);
    CHECK(infer_type({JsonKind::string, "2024-13-01"}) == Inferred::text);
    CHECK(infer_type({JsonKind::string, "FLUIDE"}) == Inferred::text);
    CHECK(infer_type({JsonKind::object, "{}"}) == Inferred::json);
    CHECK(infer_type({JsonKind::null, ""}) == Inferred::none);
    CHECK(unify(Inferred::integer, Inferred::floating) == Inferred::floating);
    CHECK(unify(Inferred::none, Inferred::date) == Inferred::date);
    CHECK(unify(Inferred::integer, Inferred::text) == Inferred::text);
    CHECK(unify(Inferred::timestamp, Inferred::timestamp_tz) == Inferred::timestamp_tz);
    CHECK(unify(Inferred::json, Inferred::integer) == Inferred::json);
}

TEST_CASE("source side: column text to JSON, precision kept") {
    auto json = [](std::optional<std::string_view> cell, ColumnKind kind) {
        std::string out;
        append_json_value(out, cell, kind);
        return out;
    };
    CHECK(json(std::nullopt, ColumnKind::integer) == "null");
    CHECK(json("42", ColumnKind::integer) == "42");
    CHECK(json("12.50", ColumnKind::decimal) == "12.50");
    CHECK(json("1234567890.123456", ColumnKind::decimal) == "\"1234567890.123456\"");  // 16 digits: a string
    CHECK(json("NaN", ColumnKind::floating) == "\"NaN\"");
    CHECK(json("t", ColumnKind::boolean) == "true");
    CHECK(json("0", ColumnKind::boolean) == "false");
    CHECK(json("{\"a\": [1, 2]}", ColumnKind::json) == "{\"a\": [1, 2]}");
    CHECK(json("2024-05-01 10:00:00.5+00", ColumnKind::timestamp_tz) == "\"2024-05-01T10:00:00.5Z\"");
    CHECK(json("2024-05-01 10:00:00", ColumnKind::timestamp) == "\"2024-05-01T10:00:00Z\"");
    CHECK(json(std::string_view("\x00\xff", 2), ColumnKind::binary) == "\"AP8=\"");
    CHECK(json("S\"1", ColumnKind::text) == "\"S\\\"1\"");
}
