// The redis sink's configuration: declared keys, typed settings, cross-key checks (no I/O).
#pragma once

#include "connection.hpp"
#include "key_format.hpp"

#include <sluice/sdk.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::redis {

enum class Mode { set, hash, stream };

struct Settings {
    Endpoint endpoint;
    Mode mode = Mode::set;
    KeyFormat key_format;
    std::int64_t ttl_ms = 0;        // set and hash: PX / PEXPIRE; 0: none
    std::int64_t stream_maxlen = 0; // stream: XADD MAXLEN ~ n; 0: no trimming
    bool delete_on_null = true;     // set and hash: a tombstone deletes the key
    bool exactly_once = true;       // each batch in MULTI/EXEC with its offsets
    std::string offsets_key;        // hash of "<topic>/<partition>" -> last offset written
    int max_attempts = 3;
    std::chrono::milliseconds backoff{200};
    std::chrono::milliseconds backoff_max{10000};

    static Settings from(const Config& config, std::string_view connector);
};

std::vector<ConfigKey> config_keys();

}  // namespace sluice::redis
