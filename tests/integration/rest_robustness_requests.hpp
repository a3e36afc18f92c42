// The requests of integration.rest_robustness: a seeded generator of hostile HTTP/1.1
// requests to the REST API (every route with odd names, byte-mutated Connect configurations
// and pipeline YAML, bad JSON, malformed, truncated, pipelined and garbage requests, canary
// references through ${env:} and ${file:}), each with what may legitimately come back.
// What it can make a worker create stays bounded: datagen, blackhole and file connectors with
// names, topics, rates and paths (inside the test's directory) from small sets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::it {

// The environment variable the canary configurations reference.
inline constexpr const char* kCanaryVar = "SLUICE_ROBUSTNESS_CANARY";

// One request and what may legitimately happen to it.
struct Request {
    std::string kind;  // for the report
    std::string bytes;
    bool answer_required = true;  // false: the server may close without answering
    bool close_write = false;     // end our side after the bytes (a truncated request ends there)
    int answers = 1;              // pipelined: answers expected on the connection
};

class RequestGenerator {
public:
    // The same seed gives the same sequence. Files the requests name are in `dir`; the
    // canary is key `canary` of the properties file `canary_file`.
    RequestGenerator(uint64_t seed, const std::string& dir, const std::string& canary_file);
    ~RequestGenerator();
    Request next();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A request with Host, and Content-Type and Content-Length when it has a body (or is a
// POST, PUT or PATCH); `type` empty leaves Content-Type out.
std::string http(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& type = "application/json", const std::string& extra_headers = "");

// For messages: CR, LF and other non-printable bytes escaped, cut after `max` bytes.
std::string escaped(std::string_view s, size_t max = 160);

}  // namespace sluice::it
