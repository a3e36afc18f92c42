// The CSV side of the datagouv source: reader, delimiter and encoding detection, numbers.
#include "csv_profile.hpp"
#include "csv_reader.hpp"
#include "row_json.hpp"
#include "text_encoding.hpp"

#include "datagouv_harness.hpp"

#include <doctest/doctest.h>

using namespace sluice::datagouv;
using sluice::testing::TempBytes;

namespace {

std::vector<CsvRecord> read_all(const std::string& bytes, char delimiter, std::size_t max = 1 << 20) {
    TempBytes file(bytes);
    ByteStream in(file.file);
    CsvReader reader(in, delimiter, max);
    std::vector<CsvRecord> out;
    CsvRecord r;
    while (reader.next(r)) out.push_back(r);
    return out;
}

using Fields = std::vector<std::string>;

}  // namespace

TEST_CASE("csv reader: quoted fields hold delimiters, line breaks and doubled quotes") {
    auto records = read_all("id,comment,val\n1,\"a, b\",1.5\n2,\"line1\nline2\",2\n3,\"say \"\"hi\"\"\",3\n4,,\n", ',');
    REQUIRE(records.size() == 5);
    CHECK(records[0].fields == Fields{"id", "comment", "val"});
    CHECK(records[1].fields == Fields{"1", "a, b", "1.5"});
    CHECK(records[2].fields == Fields{"2", "line1\nline2", "2"});
    CHECK(records[3].fields == Fields{"3", "say \"hi\"", "3"});
    CHECK(records[4].fields == Fields{"4", "", ""});
    for (const auto& r : records) CHECK(r.problem.empty());
    // Physical lines: the record after the two-line field starts on line 5.
    CHECK(records[2].line == 3);
    CHECK(records[3].line == 5);
    CHECK(records[3].raw == "3,\"say \"\"hi\"\"\",3");
}

TEST_CASE("csv reader: CRLF, lone CR, blank lines, a last line without line break") {
    auto records = read_all("a;b\r\n1;2\r\n\r\n3;4\r5;6", ';');
    REQUIRE(records.size() == 4);
    CHECK(records[1].fields == Fields{"1", "2"});
    CHECK(records[2].fields == Fields{"3", "4"});
    CHECK(records[2].line == 4);
    CHECK(records[3].fields == Fields{"5", "6"});
    CHECK(records[3].line == 5);
    // CRLF inside quotes is kept as written.
    auto quoted = read_all("x\r\n\"a\r\nb\"\r\n", ';');
    REQUIRE(quoted.size() == 2);
    CHECK(quoted[1].fields == Fields{"a\r\nb"});
}

TEST_CASE("csv reader: malformed records are returned with what is wrong, never dropped") {
    auto cut = read_all("a,b\n1,\"unterminated\n", ',');
    REQUIRE(cut.size() == 2);
    CHECK(cut[1].problem.find("ends inside a quoted field opened on line 2") != std::string::npos);
    auto stray = read_all("a,b\n\"x\"y,2\n3,4\n", ',');
    REQUIRE(stray.size() == 3);
    CHECK(stray[1].problem.find("after the closing quote of field 1") != std::string::npos);
    CHECK(stray[2].problem.empty());
    CHECK(stray[2].fields == Fields{"3", "4"});
    // A quote inside an unquoted field is data (12" pipe), not an error.
    auto inch = read_all("a,b\n12\" pipe,2\n", ',');
    CHECK(inch[1].problem.empty());
    CHECK(inch[1].fields == Fields{"12\" pipe", "2"});
}

TEST_CASE("csv reader: a record longer than max_record_bytes is flagged and memory stays bounded") {
    std::string big = "a;b\n" + std::string(5000, 'x') + ";1\nshort;2\n";
    auto records = read_all(big, ';', 1024);
    REQUIRE(records.size() == 3);
    CHECK(records[1].problem.find("longer than 1024 bytes") != std::string::npos);
    CHECK(records[1].raw.size() <= 1024);
    CHECK(records[2].fields == Fields{"short", "2"});
}

TEST_CASE("delimiter detection from the header line") {
    CHECK(detect_delimiter("IDENT;HPM_VAL;HPS_VAL") == ';');
    CHECK(detect_delimiter("GID,IDENT,HEURE,TYPEVOIE,ETAT") == ',');
    CHECK(detect_delimiter("a\tb\tc") == '\t');
    CHECK(detect_delimiter("\"a;b\",c") == ',');  // inside quotes does not count
    CHECK(detect_delimiter("single") == ',');
}

TEST_CASE("numbers: decimal point or comma, no leading zeros, no units") {
    CHECK(as_json_number("3,5") == "3.5");
    CHECK(as_json_number("-0.2") == "-0.2");
    CHECK(as_json_number("+7") == "7");
    CHECK(as_json_number("5381") == "5381");
    CHECK(as_json_number("0") == "0");
    CHECK(as_json_number("0,25") == "0.25");
    CHECK_FALSE(as_json_number("3,5%"));
    CHECK_FALSE(as_json_number("007"));   // codes keep their zeros
    CHECK(as_json_number("33063") == "33063");
    CHECK_FALSE(as_json_number("1e3"));
    CHECK_FALSE(as_json_number("1 000"));
    CHECK_FALSE(as_json_number("3,"));
    CHECK_FALSE(as_json_number(""));
    CHECK_FALSE(as_json_number("-"));
    CHECK_FALSE(as_json_number("1,2,3"));
}

TEST_CASE("encodings: Latin-1, Windows-1252, and UTF-8 with stray bytes repaired") {
    CHECK(to_utf8("M\xe9rignac", Encoding::latin1) == "Mérignac");
    CHECK(to_utf8("\x80 \x9c", Encoding::windows1252) == "€ œ");
    CHECK(to_utf8("\x80", Encoding::latin1) == "\xc2\x80");
    CHECK(to_utf8("Mérignac", Encoding::utf8) == "Mérignac");
    CHECK(to_utf8("M\xe9rignac", Encoding::utf8) == "Mérignac");
    CHECK(encoding_named("iso-8859-1") == Encoding::latin1);
    CHECK_FALSE(encoding_named("utf-16"));
}

TEST_CASE("profile: BOM, CRLF, ';', numeric columns, Latin-1 detected over the whole file") {
    // Latin-1: é is 0xE9; the only non-ASCII byte sits in the last row.
    std::string bytes = "nom;valeur;taux;code;vide\r\nBordeaux;3,5;3,5%;33063;\r\nBruges;4;-1,0%;03000;\r\nM\xe9rignac;;0,0%;33281;\r\n";
    TempBytes file(bytes);
    ByteStream in(file.file);
    CsvProfile p = profile_csv(in, CsvSettings{});
    CHECK(p.delimiter == ';');
    CHECK_FALSE(p.bom);
    CHECK(p.encoding == Encoding::windows1252);
    CHECK(p.rows == 3);
    CHECK(p.columns == Fields{"nom", "valeur", "taux", "code", "vide"});
    CHECK(p.numeric == std::vector<bool>{false, true, false, false, false});

    CsvReader reader = open_data_records(in, p, 1 << 20);
    CsvRecord r;
    std::vector<std::string> rows;
    while (reader.next(r)) rows.push_back(csv_row_json(p, r.fields));
    REQUIRE(rows.size() == 3);
    CHECK(rows[0] == R"({"nom":"Bordeaux","valeur":3.5,"taux":"3,5%","code":"33063","vide":null})");
    CHECK(rows[1] == R"({"nom":"Bruges","valeur":4,"taux":"-1,0%","code":"03000","vide":null})");
    CHECK(rows[2] == R"({"nom":"Mérignac","valeur":null,"taux":"0,0%","code":"33281","vide":null})");
}

TEST_CASE("profile: UTF-8 BOM is not part of the first column name; header names made unique") {
    std::string bytes = "\xEF\xBB\xBFIDENT; nom ;IDENT;\nZ1;a;b;c\n";
    TempBytes file(bytes);
    ByteStream in(file.file);
    CsvProfile p = profile_csv(in, CsvSettings{});
    CHECK(p.bom);
    CHECK(p.encoding == Encoding::utf8);
    CHECK(p.columns == Fields{"IDENT", "nom", "IDENT_2", "column_4"});
    CHECK(p.rows == 1);
}

TEST_CASE("profile: forced settings win; an empty file has no header") {
    std::string bytes = "a,b;c\n1,2;3\n";
    TempBytes file(bytes);
    ByteStream in(file.file);
    CsvSettings settings;
    settings.delimiter = ';';
    settings.infer_numbers = false;
    CsvProfile p = profile_csv(in, settings);
    CHECK(p.columns == Fields{"a,b", "c"});
    CHECK(p.numeric == std::vector<bool>{false, false});

    TempBytes empty("");
    ByteStream none(empty.file);
    CHECK_THROWS_WITH_AS(profile_csv(none, CsvSettings{}), "the file is empty: no header line", std::runtime_error);
}

TEST_CASE("key: configured fields matched case-insensitively, missing ones null") {
    std::string bytes = "IDENT;SENS_CIR;MJO_VAL\nZ10BE;Sens Entrant;5381\n";
    TempBytes file(bytes);
    ByteStream in(file.file);
    CsvProfile p = profile_csv(in, CsvSettings{});
    std::vector<std::string> keys{"ident", "SENS_CIR", "year"};
    auto columns = key_columns(p, keys);
    CHECK(columns[0] == 0u);
    CHECK(columns[1] == 1u);
    CHECK_FALSE(columns[2]);
    CHECK(csv_key_json(p, {"Z10BE", "Sens Entrant", "5381"}, keys, columns) ==
          R"({"ident":"Z10BE","SENS_CIR":"Sens Entrant","year":null})");
}
