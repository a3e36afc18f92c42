#include "common/text.hpp"

#include <doctest/doctest.h>

using namespace sluice::text;

TEST_CASE("suggestions for typos") {
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(closest("datagne", {"datagen", "file"}) == "datagen");
    CHECK(closest("rat", {"rate", "seed"}) == "rate");
    CHECK(closest("zzzzzz", {"rate", "seed"}).empty());
}

TEST_CASE("split, join, trim, shown") {
    CHECK(split("a,,b", ',') == std::vector<std::string>{"a", "", "b"});
    CHECK(join({"a", "b"}, ", ") == "a, b");
    CHECK(trim("  x \n") == "x");
    CHECK(shown("two words") == "'two words'");
    CHECK(shown("") == "''");
    CHECK(shown(std::string(100, 'x'), 10) == "xxxxxxxxxx...");
}
