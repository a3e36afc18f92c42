// What a database error means for a connector: try again later, blame a row, or stop.
// Each database's client wrapper (libpq, MariaDB Connector/C) turns its errors into a
// DbError of one of these classes (see postgres/ and mysql/ for the codes).
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

namespace sluice::sql {

enum class ErrorClass {
    retriable,  // connection lost, server starting or stopping, deadlock, serialization failure, lock timeout
    record,     // the data was refused: a conversion, a constraint (NOT NULL, unique, check, foreign key)
    fatal,      // authentication, privileges, missing objects, syntax: no retry or split can help
};

const char* error_class_name(ErrorClass c);

class DbError : public std::runtime_error {
public:
    // `code`: the SQLSTATE (PostgreSQL) or "errno/SQLSTATE" (MariaDB); `row`: the 1-based row
    // of a multi-row statement the server blamed, when its message says so.
    DbError(ErrorClass cls, std::string code, const std::string& message, std::optional<std::size_t> row = std::nullopt)
        : std::runtime_error(message), class_(cls), code_(std::move(code)), row_(row) {}
    ErrorClass error_class() const noexcept { return class_; }
    const std::string& code() const noexcept { return code_; }
    std::optional<std::size_t> row() const noexcept { return row_; }

private:
    ErrorClass class_;
    std::string code_;
    std::optional<std::size_t> row_;
};

}  // namespace sluice::sql
