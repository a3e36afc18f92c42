#include "sql.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using namespace sluice::clickhouse;

TEST_CASE("identifiers and strings are quoted so that any name is safe") {
    CHECK(quote_identifier("traffic") == "`traffic`");
    CHECK(quote_identifier("we`ird\\name") == "`we\\`ird\\\\name`");
    CHECK(quote_string("it's") == "'it\\'s'");
    CHECK(qualified("db", "t") == "`db`.`t`");
}

TEST_CASE("column declarations are checked for what would change the statement") {
    CHECK(column_problem("sensor String") == "");
    CHECK(column_problem("ts DateTime('UTC')") == "");
    CHECK(column_problem("kind Enum8('a' = 1, 'b' = 2)") == "");
    CHECK(column_problem("`odd name` Nullable(Float64) DEFAULT 0") == "");
    CHECK(column_problem("sensor") != "");
    CHECK(column_problem("") != "");
    CHECK(column_problem("a String, b String") != "");
    CHECK(column_problem("a String); DROP TABLE x; --") != "");
    CHECK(column_problem("a Array(String") != "");
    CHECK(column_problem("_offset Int64").find("added by the sink") != std::string::npos);
}

TEST_CASE("the created table: declared columns, the coordinates, one part per insert") {
    CHECK(create_table_sql("default", "traffic", {"sensor String", "flow UInt32"}) ==
          "CREATE TABLE IF NOT EXISTS `default`.`traffic` (sensor String, flow UInt32, _topic String, _partition Int32, "
          "_offset Int64) ENGINE = MergeTree ORDER BY (_topic, _partition, _offset)");
    CHECK(insert_sql("db", "t") == "INSERT INTO `db`.`t` FORMAT JSONEachRow");
}

TEST_CASE("watermark queries and their answers") {
    CHECK(watermark_sql("db", "t", {"a", "b'c"}) ==
          "SELECT _topic, _partition, max(_offset) FROM `db`.`t` WHERE _topic IN ('a', 'b\\'c') GROUP BY _topic, "
          "_partition FORMAT TabSeparated");
    Watermarks marks = parse_watermarks("a\t0\t41\na\t3\t7\nwith\\ttab\t1\t0\n");
    CHECK(marks.size() == 3);
    CHECK(marks.at({"a", 0}) == 41);
    CHECK(marks.at({"a", 3}) == 7);
    CHECK(marks.at({"with\ttab", 1}) == 0);
    CHECK(parse_watermarks("").empty());
    CHECK_THROWS_WITH_AS(parse_watermarks("a\t0\n"), doctest::Contains("line 1"), std::runtime_error);
    CHECK_THROWS_AS(parse_watermarks("a\tx\t1\n"), std::runtime_error);

    CHECK(partition_watermark_sql("db", "t", "a", 2) ==
          "SELECT max(_offset), count() FROM `db`.`t` WHERE _topic = 'a' AND _partition = 2 FORMAT TabSeparated");
    CHECK(parse_partition_watermark("0\t0\n") == -1);  // 18.x: max() of no rows is 0
    CHECK(parse_partition_watermark("0\t1\n") == 0);
    CHECK(parse_partition_watermark("99\t100\n") == 99);
    CHECK_THROWS_AS(parse_partition_watermark("<html>"), std::runtime_error);
}

TEST_CASE("the partition key of a table from engine_full (servers without system.tables.partition_key)") {
    CHECK(partition_key_from_engine_full("MergeTree ORDER BY x SETTINGS index_granularity = 8192") == "");
    CHECK(partition_key_from_engine_full("MergeTree PARTITION BY toYYYYMM(d) ORDER BY x SETTINGS index_granularity = 8192") ==
          "toYYYYMM(d)");
    CHECK(partition_key_from_engine_full("ReplacingMergeTree PARTITION BY (x % 2, d) ORDER BY x") == "(x % 2, d)");
    CHECK(partition_key_from_engine_full("MergeTree PARTITION BY tuple() ORDER BY x") == "tuple()");
    CHECK(partition_key_from_engine_full("MergeTree PARTITION BY d PRIMARY KEY x ORDER BY (x, y)") == "d");
    // A string literal or a nested expression that reads like a clause ends nothing.
    CHECK(partition_key_from_engine_full("MergeTree PARTITION BY if(s = ' ORDER BY ', 1, 2) ORDER BY x") ==
          "if(s = ' ORDER BY ', 1, 2)");
    // The old syntax partitions by the month of its date column.
    CHECK(partition_key_from_engine_full("MergeTree(d, x, 8192)") == "toYYYYMM(d)");
    CHECK(partition_key_from_engine_full("CollapsingMergeTree(day, (a, b), 8192, sign)") == "toYYYYMM(day)");
    CHECK(partition_key_from_engine_full("Log") == "");
    CHECK(partition_key_from_engine_full("Distributed(cluster, db, t, rand())") == "");
}

TEST_CASE("a partition key puts every row in one table partition only when it is empty or tuple()") {
    CHECK(partition_key_is_constant(""));
    CHECK(partition_key_is_constant("tuple()"));
    CHECK(partition_key_is_constant(" tuple( ) "));
    CHECK_FALSE(partition_key_is_constant("toYYYYMM(d)"));
    CHECK_FALSE(partition_key_is_constant("_partition"));
    CHECK_FALSE(partition_key_is_constant("tuple(d)"));
}
