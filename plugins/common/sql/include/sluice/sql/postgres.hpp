// The PostgreSQL side of the connectors, over libpq: COPY FROM STDIN for inserts, COPY into
// a session staging table then INSERT ... ON CONFLICT DO UPDATE for upserts, single-row mode
// for reading. Errors are classified by SQLSTATE (postgres/errors.cpp).
#pragma once

#include "sluice/sql/database.hpp"

#include <memory>

namespace sluice::sql {

std::unique_ptr<Database> make_postgres(const ConnectionSettings& settings);

// How a SQLSTATE is handled (exposed for tests).
ErrorClass classify_sqlstate(std::string_view sqlstate);
// How a failed connection attempt is handled, from libpq's message (there is no SQLSTATE
// before the session exists): authentication and unknown roles or databases are fatal,
// the rest (refused, timed out, starting up, too many clients) is retried.
ErrorClass classify_connect_failure(std::string_view message);
// "line 3" of a COPY error's context ("COPY t, line 3, column x: ..."), 1-based.
std::optional<std::size_t> copy_line(std::string_view context);

}  // namespace sluice::sql
