// The datagouv connector's configuration keys and their validated form.
#pragma once

#include "catalog.hpp"
#include "csv_profile.hpp"

#include <sluice/config_kit.hpp>
#include <sluice/sdk.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace sluice::datagouv {

struct Options {
    std::string dataset;
    std::string base_url;
    ResourceFilter filter;
    std::chrono::milliseconds poll_interval{};
    std::chrono::milliseconds http_timeout{};
    std::vector<std::string> key_fields;
    CsvSettings csv;
    // As written: resource.format, delimiter, encoding (filter and csv have them parsed).
    std::vector<std::string> formats;
    std::string delimiter, encoding;

    // Every key, the parse into Options and the rules validate() checks.
    static const config_kit::Spec<Options>& spec();
    static Options from(const Config& config);  // throws FatalError naming the bad key
    // {base_url}/api/1/datasets/{dataset}/
    std::string dataset_url() const;
};

inline std::vector<ConfigKey> config_keys() { return Options::spec().keys(); }

}  // namespace sluice::datagouv
