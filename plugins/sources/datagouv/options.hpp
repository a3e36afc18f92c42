// The datagouv connector's configuration keys and their validated form.
#pragma once

#include "catalog.hpp"
#include "csv_profile.hpp"

#include <sluice/sdk.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace sluice::datagouv {

struct Options {
    std::string dataset;
    std::string base_url;
    ResourceFilter filter;
    std::chrono::milliseconds poll_interval{3600000};
    std::chrono::milliseconds http_timeout{300000};
    std::vector<std::string> key_fields;
    CsvSettings csv;

    static Options from(const Config& config);  // throws FatalError naming the bad key
    // {base_url}/api/1/datasets/{dataset}/
    std::string dataset_url() const;
};

std::vector<ConfigKey> config_keys();

}  // namespace sluice::datagouv
