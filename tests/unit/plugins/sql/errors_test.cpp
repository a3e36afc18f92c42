// How each database's errors are classified: retried, blamed on a row, or fatal.
#include <sluice/sql/mysql.hpp>
#include <sluice/sql/postgres.hpp>

#include <doctest/doctest.h>

using namespace sluice::sql;

TEST_CASE("PostgreSQL: SQLSTATE classes") {
    for (const char* s : {"08006", "08001", "40001", "40P01", "53300", "57P01", "57P03", "57014", "55P03", "58030", ""})
        CHECK(classify_sqlstate(s) == ErrorClass::retriable);
    for (const char* s : {"22P02", "22003", "23505", "23502", "23503", "23514", "22021", "54000", "P0001"})
        CHECK(classify_sqlstate(s) == ErrorClass::record);
    for (const char* s : {"28P01", "42501", "42P01", "42703", "42601", "3D000", "0A000", "XX000", "42P10"})
        CHECK(classify_sqlstate(s) == ErrorClass::fatal);
    CHECK(classify_connect_failure("connection to server at \"127.0.0.1\", port 1 failed: Connection refused") ==
          ErrorClass::retriable);
    CHECK(classify_connect_failure("FATAL:  the database system is starting up") == ErrorClass::retriable);
    CHECK(classify_connect_failure("FATAL:  password authentication failed for user \"x\"") == ErrorClass::fatal);
    CHECK(classify_connect_failure("FATAL:  database \"nope\" does not exist") == ErrorClass::fatal);
    CHECK(copy_line("COPY t, line 3, column speed: \"abc\"") == 3);
    CHECK(copy_line("COPY t, line 12") == 12);
    CHECK(!copy_line("SQL statement \"...\""));
}

TEST_CASE("MariaDB: error numbers, SQLSTATE as a fallback") {
    for (unsigned n : {2002u, 2003u, 2006u, 2013u, 1040u, 1053u, 1205u, 1213u, 1927u}) CHECK(classify_mysql_error(n, "HY000") == ErrorClass::retriable);
    for (unsigned n : {1048u, 1062u, 1264u, 1265u, 1366u, 1406u, 1292u, 1452u, 4025u}) CHECK(classify_mysql_error(n, "23000") == ErrorClass::record);
    for (unsigned n : {1045u, 1044u, 1049u, 1142u, 1146u, 1054u, 1064u}) CHECK(classify_mysql_error(n, "42000") == ErrorClass::fatal);
    CHECK(classify_mysql_error(9999, "22007") == ErrorClass::record);
    CHECK(classify_mysql_error(9999, "40001") == ErrorClass::retriable);
    CHECK(classify_mysql_error(9999, "HY000") == ErrorClass::fatal);
    CHECK(mysql_error_row("Out of range value for column 'x' at row 17") == 17);
    CHECK(!mysql_error_row("Duplicate entry '1' for key 'PRIMARY'"));
}
