// The redis sink's configuration: declared keys, typed settings, cross-key checks (no I/O).
#pragma once

#include "connection.hpp"
#include "key_format.hpp"

#include <sluice/config_kit.hpp>
#include <sluice/sdk.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::redis {

enum class Mode { set, hash, stream };

struct Settings {
    std::string url;  // redis.url as written; endpoint has it parsed
    Endpoint endpoint;
    Mode mode{};
    std::string key_format_text;  // key.format as written
    KeyFormat key_format;
    std::int64_t ttl_ms = 0;        // set and hash: PX / PEXPIRE; 0: none
    std::int64_t stream_maxlen = 0; // stream: XADD MAXLEN ~ n; 0: no trimming
    bool delete_on_null = false;    // set and hash: a tombstone deletes the key
    bool exactly_once = false;      // each batch in MULTI/EXEC with its offsets
    std::string offsets_key;        // hash of "<topic>/<partition>" -> last offset written
    int max_attempts = 0;
    std::chrono::milliseconds backoff{};
    std::chrono::milliseconds backoff_max{};

    // Reads and cross-checks the settings ({connector} in offsets.key replaced); throws
    // FatalError naming the key at fault.
    static Settings from(const Config& config, std::string_view connector);
};

// Every key, the parse into Settings and the cross-key rules (validate()).
const config_kit::Spec<Settings>& settings_spec();
inline std::vector<ConfigKey> config_keys() { return settings_spec().keys(); }

}  // namespace sluice::redis
