// GET /connectors/{name}/tap: the connector's records as server-sent events (text/event-stream),
// one `event: record` per record sampled (runtime/tap.hpp), each with what was lost before it:
//   event: record
//   data: {"connector":"gen","task":0,"stage":"source","topic":"t","partition":0,"offset":41,
//          "timestamp":1700000000000,"key":"S1","value":{...},"headers":[],"dropped":0,"rate_limited":0}
// Query: sample (0 < s <= 1, default 1), max_rate (records/s, default 100, at most 10000),
// buffer (records held while the client is behind, default 256, at most 4096). A comment line
// is sent every few seconds while nothing arrives, so a client that went away is noticed.
// Values that are JSON are sent as JSON, other UTF-8 as a string, other bytes as base64
// ("value_encoding":"base64"); fields named like secrets (password, secret, token, ...)
// and every secret value the worker knows are masked as "****".
#pragma once

#include "rest/http_server.hpp"
#include "rest/router.hpp"
#include "runtime/tap.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace sluice::rest {

class Api;

inline constexpr size_t kMaxTapClients = 32;

void add_tap_routes(Router& router, Api& api);

// One record as the JSON of its event (masked), with the losses since the previous event.
nlohmann::json tap_event(const runtime::TapRecord& record, uint64_t dropped, uint64_t rate_limited);
// The SSE text of one event.
std::string sse_event(const std::string& event, const nlohmann::json& data);

}  // namespace sluice::rest
