#include "byte_window.hpp"
#include "line_reader.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

using namespace sluice::file_source;

TEST_CASE("first_line splits at LF and reports the bytes taken") {
    auto line = first_line("abc\ndef\n");
    REQUIRE(line);
    CHECK(line->text == "abc");
    CHECK(line->length == 4);
}

TEST_CASE("first_line drops the CR of a CRLF terminator only") {
    auto crlf = first_line("abc\r\nrest");
    REQUIRE(crlf);
    CHECK(crlf->text == "abc");
    CHECK(crlf->length == 5);

    auto inner_cr = first_line("a\rb\n");
    REQUIRE(inner_cr);
    CHECK(inner_cr->text == "a\rb");
}

TEST_CASE("first_line returns empty lines as empty text") {
    auto lf = first_line("\nx");
    REQUIRE(lf);
    CHECK(lf->text.empty());
    CHECK(lf->length == 1);

    auto crlf = first_line("\r\n");
    REQUIRE(crlf);
    CHECK(crlf->text.empty());
    CHECK(crlf->length == 2);
}

TEST_CASE("first_line waits for the terminator") {
    CHECK_FALSE(first_line(""));
    CHECK_FALSE(first_line("no newline yet"));
    CHECK_FALSE(first_line("half a CRLF\r"));
}

TEST_CASE("count_newlines counts LF bytes only") {
    CHECK(count_newlines("") == 0);
    CHECK(count_newlines("a\nb\r\nc\r") == 2);
}

TEST_CASE("ByteWindow tracks file positions across consume and prepare") {
    ByteWindow window(8);
    window.reset(100);
    CHECK(window.position() == 100);
    CHECK(window.end_position() == 100);
    CHECK(window.pending().empty());

    auto room = window.prepare();
    REQUIRE(room.size() >= 8);
    std::memcpy(room.data(), "hello\nwo", 8);
    window.commit(8);
    CHECK(window.pending() == "hello\nwo");
    CHECK(window.end_position() == 108);

    window.consume(6);
    CHECK(window.position() == 106);
    CHECK(window.pending() == "wo");

    room = window.prepare();
    CHECK(window.pending() == "wo"); // moved to the front, still pending
    std::memcpy(room.data(), "rld\n", 4);
    window.commit(4);
    CHECK(window.pending() == "world\n");
    CHECK(window.position() == 106);
    CHECK(window.end_position() == 112);
}

TEST_CASE("ByteWindow grows when a record does not fit in a block") {
    ByteWindow window(4);
    window.reset(0);
    std::string written;
    for (int i = 0; i < 10; ++i) {
        auto room = window.prepare();
        REQUIRE(room.size() >= 4);
        // Room is at least what is pending, so rescans of a long record stay logarithmic.
        CHECK(room.size() >= window.pending().size());
        const std::string chunk(room.size(), static_cast<char>('a' + i));
        std::memcpy(room.data(), chunk.data(), chunk.size());
        window.commit(chunk.size());
        written += chunk;
    }
    CHECK(window.pending() == written);
    CHECK(window.end_position() == written.size());
    CHECK(window.capacity() < 4 * written.size());
}

TEST_CASE("ByteWindow refuses to consume or commit beyond its bytes") {
    ByteWindow window(4);
    window.reset(0);
    CHECK_THROWS(window.consume(1));
    auto room = window.prepare();
    CHECK_THROWS(window.commit(room.size() + 1));
}

TEST_CASE("ByteWindow::reset forgets pending bytes") {
    ByteWindow window(4);
    window.reset(0);
    auto room = window.prepare();
    std::memcpy(room.data(), "abcd", 4);
    window.commit(4);
    window.reset(42);
    CHECK(window.pending().empty());
    CHECK(window.position() == 42);
    CHECK(window.end_position() == 42);
}
