#include "csv_parser.hpp"
#include "source_options.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace sluice::file_source;

namespace {

std::vector<std::string> fields_of(const CsvParser& parser) {
    auto fields = parser.fields();
    return {fields.begin(), fields.end()};
}

using Fields = std::vector<std::string>;

}  // namespace

TEST_CASE("csv: plain fields, LF terminator") {
    CsvParser parser(',');
    auto row = parser.parse("a,b,c\nnext");
    REQUIRE(row);
    CHECK(row->length == 6);
    CHECK(row->newlines == 1);
    CHECK_FALSE(row->blank);
    CHECK(fields_of(parser) == Fields{"a", "b", "c"});
}

TEST_CASE("csv: CRLF terminator is not part of the last field") {
    CsvParser parser(',');
    auto row = parser.parse("a,b\r\n");
    REQUIRE(row);
    CHECK(row->length == 5);
    CHECK(fields_of(parser) == Fields{"a", "b"});
}

TEST_CASE("csv: empty fields and a trailing delimiter") {
    CsvParser parser(',');
    REQUIRE(parser.parse(",,\n"));
    CHECK(fields_of(parser) == Fields{"", "", ""});
    REQUIRE(parser.parse("a,\n"));
    CHECK(fields_of(parser) == Fields{"a", ""});
}

TEST_CASE("csv: quoted fields hold delimiters, doubled quotes, CR and LF") {
    CsvParser parser(',');
    const std::string text = "\"x,y\",\"he said \"\"hi\"\"\",\"two\nlines\",\"cr\r\"\r\n";
    auto row = parser.parse(text);
    REQUIRE(row);
    CHECK(row->length == text.size());
    CHECK(row->newlines == 2);
    CHECK(fields_of(parser) == Fields{"x,y", "he said \"hi\"", "two\nlines", "cr\r"});
}

TEST_CASE("csv: an empty quoted field and a field that is just a quote") {
    CsvParser parser(',');
    REQUIRE(parser.parse("\"\",\"\"\"\"\n"));
    CHECK(fields_of(parser) == Fields{"", "\""});
}

TEST_CASE("csv: lenient with stray quotes") {
    CsvParser parser(',');
    REQUIRE(parser.parse("ab\"c,\"ab\"c\n"));
    CHECK(fields_of(parser) == Fields{"ab\"c", "abc"});
}

TEST_CASE("csv: incomplete rows ask for more bytes") {
    CsvParser parser(',');
    CHECK_FALSE(parser.parse(""));
    CHECK_FALSE(parser.parse("a,b"));
    CHECK_FALSE(parser.parse("a,b\r"));
    CHECK_FALSE(parser.parse("\"open quote\n still open"));
    CHECK_FALSE(parser.parse("\"ends on a quote\""));   // could be a doubled quote
    CHECK_FALSE(parser.parse("\"ends on a quote\"\"")); // a doubled quote, still open
    CHECK_FALSE(parser.parse("\"closed\",")); // the next field is not there yet
}

TEST_CASE("csv: a row completed by later bytes parses the same as a whole one") {
    const std::string text = "1,\"multi\nline\",\"q\"\"q\"\r\n";
    CsvParser whole(',');
    REQUIRE(whole.parse(text));
    for (std::size_t cut = 0; cut < text.size(); ++cut) {
        CsvParser parser(',');
        CHECK_FALSE(parser.parse(std::string_view(text).substr(0, cut)));
        REQUIRE(parser.parse(text));
        CHECK(fields_of(parser) == fields_of(whole));
    }
}

TEST_CASE("csv: blank lines are reported as blank") {
    CsvParser parser(',');
    auto lf = parser.parse("\n");
    REQUIRE(lf);
    CHECK(lf->blank);
    CHECK(fields_of(parser) == Fields{""});
    auto crlf = parser.parse("\r\n");
    REQUIRE(crlf);
    CHECK(crlf->blank);
    auto quoted_empty = parser.parse("\"\"\n");
    REQUIRE(quoted_empty);
    CHECK_FALSE(quoted_empty->blank);
}

TEST_CASE("csv: other delimiters") {
    CsvParser semicolon(';');
    REQUIRE(semicolon.parse("a;b,c;\"d;e\"\n"));
    CHECK(fields_of(semicolon) == Fields{"a", "b,c", "d;e"});
    CsvParser tab('\t');
    REQUIRE(tab.parse("a\tb c\t\n"));
    CHECK(fields_of(tab) == Fields{"a", "b c", ""});
}

TEST_CASE("csv: field storage is reused across rows of different widths") {
    CsvParser parser(',');
    REQUIRE(parser.parse("a,b,c,d\n"));
    REQUIRE(parser.parse("x\n"));
    CHECK(fields_of(parser) == Fields{"x"});
    REQUIRE(parser.parse("1,2\n"));
    CHECK(fields_of(parser) == Fields{"1", "2"});
}

TEST_CASE("csv.delimiter: one character or the \\t escape") {
    CHECK(parse_delimiter(",") == ',');
    CHECK(parse_delimiter(";") == ';');
    CHECK(parse_delimiter("\t") == '\t');
    CHECK(parse_delimiter("\\t") == '\t');
    CHECK(parse_delimiter("|") == '|');
    CHECK_THROWS_WITH(parse_delimiter(";;"), doctest::Contains("single character"));
    CHECK_THROWS_WITH(parse_delimiter(""), doctest::Contains("single character"));
    CHECK_THROWS_WITH(parse_delimiter("\""), doctest::Contains("quote"));
    CHECK_THROWS(parse_delimiter("\n"));
}
