// The requests the source sends to an Opendatasoft portal and the answers it reads back:
// Explore API v2.1 (/api/explore/v2.1/catalog/datasets/{id}/records, {total_count, results})
// and the legacy search API v1 (/api/records/1.0/search/?dataset=, {nhits, records[].fields}).
#pragma once

#include "record_mapper.hpp"
#include "settings.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::ods {

// Records reachable by offset paging: offset + limit must stay within this (the API
// answers 400 beyond it).
inline constexpr int offset_cap = 10000;

// The API names of the configured fields, as the dataset's schema spells them.
struct ResolvedFields {
    std::string timestamp;
    std::vector<std::string> keys;
    std::string timestamp_type;  // "datetime", "date", ... ("" when the schema does not say)
};

// Where a page request starts within a sweep.
struct Anchor {
    std::optional<std::int64_t> from_ts_ms;  // timestamp >= this (none: from the beginning)
    // Keyset: strictly after this (timestamp, key values) in (timestamp, keys) order.
    std::optional<std::int64_t> after_ts_ms;
    Json after_keys;  // array, one value per key field
    int offset = 0;
};

std::string catalog_url(const Settings& s);
std::string records_url(const Settings& s, const ResolvedFields& f, const Anchor& a, int limit);

// An ODSQL / v1 literal for a JSON scalar (strings double-quoted and escaped).
std::string literal(const Json& value);

// An answer that is not the expected envelope. `retriable` is true for what looks
// transient (an HTML error page, a truncated body); false for an answer that parses but
// is not a records envelope.
class ResponseError : public std::runtime_error {
public:
    ResponseError(const std::string& message, bool retriable) : std::runtime_error(message), retriable_(retriable) {}
    bool retriable() const { return retriable_; }

private:
    bool retriable_;
};

struct Page {
    std::vector<Json> records;  // v2.1 results[i]; v1 records[i].fields (null when absent)
    std::optional<std::int64_t> total;
};

// Parses a 200 answer of records_url(). `where` names the request in errors.
Page parse_page(const std::string& body, Api api, const std::string& where);

// The fields a catalog answer declares: (name, type) pairs. Throws ResponseError.
std::vector<std::pair<std::string, std::string>> parse_catalog_fields(const std::string& body, const std::string& where);

// Resolves the configured timestamp and key fields against a schema, ignoring case.
// Throws std::runtime_error naming the missing field and listing the dataset's fields.
ResolvedFields resolve_fields(const Settings& s, const std::vector<std::pair<std::string, std::string>>& schema);

// The "message" of an Opendatasoft error body ({"error_code":..,"message":..}), or the
// start of the body when it is something else.
std::string error_summary(const std::string& body);

}  // namespace sluice::ods
