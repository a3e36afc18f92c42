// The snowflake sink's configuration keys and their checked values.
#pragma once

#include "jwt.hpp"
#include "statement_runner.hpp"
#include "table_statements.hpp"

#include <sluice/config_kit.hpp>
#include <sluice/sdk.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace sluice::snowflake {

struct Settings {
    std::string account, user, base_url;
    std::string role, warehouse;
    TableName table;
    bool create_table = false;
    ContentFormat format{};
    std::size_t batch_max_rows = 0;
    std::size_t batch_max_bytes = 0;
    std::chrono::milliseconds batch_max_age{};
    int statement_timeout_s = 0;
    std::chrono::seconds jwt_lifetime{};
    RunnerOptions runner;
    // Where the private key comes from: a file, or its PEM text (secret), and its passphrase.
    std::string private_key_file, private_key, private_key_passphrase;

    // Every key, the parse into Settings and the rules validate() checks.
    static const config_kit::Spec<Settings>& spec();
    static std::vector<ConfigKey> keys() { return spec().keys(); }
    // Throws FatalError naming the key at fault.
    static Settings from(const Config& config);

    // The private key from private_key_file or private_key, decrypted with
    // private_key_passphrase. Throws FatalError saying what is wrong (never the key).
    static PrivateKey load_key(const Config& config);
    // What from() and load_key() would refuse that needs no I/O (the key file is read later).
    static void validate(const Config& config, ConfigProblems& problems);

    // A statement request with the session fields (database, schema, warehouse, role, timeout).
    StatementRequest request(std::string statement, std::vector<Binding> bindings = {}) const;
};

}  // namespace sluice::snowflake
