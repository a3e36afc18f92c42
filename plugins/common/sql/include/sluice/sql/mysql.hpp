// The MariaDB/MySQL side of the connectors, over MariaDB Connector/C (Debian's libmariadb):
// multi-row INSERT (... ON DUPLICATE KEY UPDATE) in statements sized to max_allowed_packet,
// streamed reads (mysql_use_result). A strict sql_mode and a UTC session make conversions
// errors instead of silent truncations. Errors are classified by error number.
#pragma once

#include "sluice/sql/database.hpp"

#include <memory>

namespace sluice::sql {

std::unique_ptr<Database> make_mysql(const ConnectionSettings& settings);

// How a MariaDB error number (with its SQLSTATE) is handled (exposed for tests).
ErrorClass classify_mysql_error(unsigned number, std::string_view sqlstate);
// "... at row 3" of a multi-row statement's error message, 1-based.
std::optional<std::size_t> mysql_error_row(std::string_view message);

}  // namespace sluice::sql
