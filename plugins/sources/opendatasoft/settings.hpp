// The opendatasoft source's configuration: declared keys and the checked, typed settings.
#pragma once

#include <sluice/config_kit.hpp>
#include <sluice/sdk.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::ods {

enum class Api { v2_1, v1 };
enum class Emit { all, changes };

struct Settings {
    std::string base_url;  // without a trailing slash
    std::string dataset;
    Api api{};
    std::string timestamp_field;
    std::vector<std::string> key_fields;
    std::string where;   // ODSQL (v2.1) or query language (v1), ANDed with the cursor's condition
    std::string select;  // v2.1 select / v1 fields; the timestamp and key fields are added when missing
    std::chrono::milliseconds poll_interval{};
    int page_size = 0;
    Emit emit{};
    std::vector<std::string> change_fields;  // emit: changes compares only these (empty: all but the timestamp)
    std::string api_key;
    std::string timezone;
    std::chrono::milliseconds request_timeout{};
    std::chrono::milliseconds retry_backoff_max{};
    int max_retries = 0;  // failed requests in a row retried before the task fails; 0: no limit

    // Reads and cross-checks the settings. Throws FatalError naming the key at fault.
    static Settings from(const Config& config);
};

// Every key, the parse into Settings and the cross-key rules (validate()).
const config_kit::Spec<Settings>& settings_spec();
inline std::vector<ConfigKey> config_keys() { return settings_spec().keys(); }

}  // namespace sluice::ods
