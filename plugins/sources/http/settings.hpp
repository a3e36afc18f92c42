// The http source's configuration: declared keys, typed settings, cross-key checks (no I/O).
#pragma once

#include <sluice/config_kit.hpp>
#include <sluice/http_retry.hpp>
#include <sluice/sdk.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace sluice::http_source {

enum class Mode { bulk, timestamp, incrementing };
enum class Paging { none, next, page, offset, cursor };
enum class Emit { all, changes };

struct Settings {
    std::string url;  // with {offset.timestamp} / {offset.incrementing} placeholders
    std::vector<std::pair<std::string, std::string>> headers;
    std::string auth_header_name, auth_header_value;  // e.g. Authorization: Bearer ...
    std::string auth_query_name, auth_query_value;    // e.g. access_key=...
    std::string records_pointer;                      // JSON pointer to the array ("" = the body)
    std::vector<std::string> key_fields;              // dotted paths or JSON pointers
    std::string timestamp_field;
    Mode mode{};
    std::string incrementing_field;
    std::string timestamp_initial;     // {offset.timestamp} before any record
    std::string incrementing_initial;  // {offset.incrementing} before any record
    Paging paging{};
    std::string next_pointer;    // next: the next page's URL in the body
    std::string page_param;      // page: the page number's query parameter
    std::int64_t page_start = 0;
    std::string offset_param;    // offset: the record offset's query parameter
    std::string limit_param;     // page, offset: the page size's query parameter
    std::int64_t limit = 0;
    std::string cursor_pointer;  // cursor: the next cursor in the body
    std::string cursor_param;    // cursor: its query parameter
    std::string total_pointer;   // offset, page: the total count in the body (optional)
    int max_pages = 0;
    std::chrono::milliseconds poll_interval{};
    Emit emit{};
    std::chrono::milliseconds request_timeout{};
    http::RetrySettings retry;

    // Reads and cross-checks the settings; throws FatalError naming the key at fault.
    static Settings from(const Config& config);
};

// Every key, the parse into Settings and the cross-key rules (validate()).
const config_kit::Spec<Settings>& settings_spec();
inline std::vector<ConfigKey> config_keys() { return settings_spec().keys(); }

}  // namespace sluice::http_source
