#include "settings.hpp"

#include <sluice/files.hpp>

namespace sluice::snowflake {

namespace {
// A PEM RSA key is a few KiB; anything much larger is not one.
constexpr std::size_t kMaxKeyFileBytes = 1024 * 1024;
}  // namespace

std::vector<ConfigKey> Settings::keys() {
    std::vector<ConfigKey> k;
    k.push_back(ConfigKey::string("account", "Account identifier, e.g. myorg-myaccount or xy12345.us-east-2.aws "
                                             "(the JWT uses the part before the first '.', upper-cased).")
                    .required());
    k.push_back(ConfigKey::string("user", "Snowflake user the public key is registered for (ALTER USER ... SET "
                                          "RSA_PUBLIC_KEY).")
                    .required());
    k.push_back(ConfigKey::string("url", "Base URL of the account; empty: https://<account>.snowflakecomputing.com.")
                    .default_value(""));
    k.push_back(ConfigKey::string("private_key_file", "PEM file with the user's RSA private key (PKCS#8, "
                                                      "optionally encrypted). Give this or private_key.")
                    .local_path());
    k.push_back(ConfigKey::string("private_key", "The PEM text of the private key itself (e.g. ${env:SNOWFLAKE_KEY}).")
                    .secret());
    k.push_back(ConfigKey::string("private_key_passphrase", "Passphrase of an encrypted private key.").secret());
    k.push_back(ConfigKey::string("database", "Database of the target table (unquoted identifier).").required());
    k.push_back(ConfigKey::string("schema", "Schema of the target table (unquoted identifier).").required());
    k.push_back(ConfigKey::string("table", "Target table (unquoted identifier); layout in the plugin README.").required());
    k.push_back(ConfigKey::string("warehouse", "Warehouse that runs the statements; empty: the user's default."));
    k.push_back(ConfigKey::string("role", "Role for the statements; empty: the user's default."));
    k.push_back(ConfigKey::boolean("create_table", "Create the table (CREATE TABLE IF NOT EXISTS) when partitions are "
                                                   "first assigned.")
                    .default_value("false"));
    k.push_back(ConfigKey::string("content.format", "json: values are JSON, stored parsed in RECORD_CONTENT (a value "
                                                    "that is not JSON goes to the error policy); text: stored as a "
                                                    "JSON string.")
                    .default_value("json")
                    .one_of({"json", "text"}));
    k.push_back(ConfigKey::integer("batch.max.rows", "Rows per MERGE statement at most (6 bind variables per row).")
                    .default_value("1000")
                    .between(1, 10000));
    k.push_back(ConfigKey::integer("batch.max.bytes", "Buffered key and value bytes that trigger a write.")
                    .default_value("8388608")
                    .between(1024, 64 * 1024 * 1024));
    k.push_back(ConfigKey::integer("batch.max.ms", "Oldest buffered row's age that triggers a write at the next put "
                                                   "(every flush writes everything).")
                    .default_value("1000")
                    .between(0, 3600000));
    k.push_back(ConfigKey::integer("statement.timeout.s", "Snowflake cancels a statement running longer (HTTP 408; "
                                                          "the sink resubmits it). 0: the account's default.")
                    .default_value("300")
                    .between(0, 604800));
    k.push_back(ConfigKey::integer("request.timeout.ms", "One HTTP request at most.").default_value("60000").between(100, 3600000));
    k.push_back(ConfigKey::integer("retry.max.attempts", "Submissions of one statement (429, 503, network errors) "
                                                         "before the worker backs off and offers the batch again.")
                    .default_value("6")
                    .between(1, 100));
    k.push_back(ConfigKey::integer("retry.backoff.ms", "First retry delay; doubles up to retry.backoff.max.ms "
                                                       "(Retry-After wins when sent).")
                    .default_value("200")
                    .between(1, 600000));
    k.push_back(ConfigKey::integer("retry.backoff.max.ms", "Longest retry delay.").default_value("10000").between(1, 600000));
    k.push_back(ConfigKey::integer("poll.interval.max.ms", "Longest wait between status polls of a running statement.")
                    .default_value("2000")
                    .between(1, 60000));
    k.push_back(ConfigKey::integer("jwt.lifetime.s", "Lifetime of each JWT (Snowflake accepts at most 3600); renewed "
                                                     "5 minutes (or a quarter of the lifetime) before it ends.")
                    .default_value("3600")
                    .between(60, 3600));
    return k;
}

Settings Settings::from(const Config& config) {
    Settings s;
    try {
        s.account = config.string("account");
        s.user = config.string("user");
        if (s.account.empty()) throw FatalError("account must not be empty");
        if (s.user.empty()) throw FatalError("user must not be empty");
        s.base_url = config.string("url");
        if (s.base_url.empty()) {
            std::string host = s.account;
            for (char& c : host)
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            s.base_url = "https://" + host + ".snowflakecomputing.com";
        }
        while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
        if (s.base_url.rfind("https://", 0) != 0 && s.base_url.rfind("http://", 0) != 0)
            throw FatalError("url must start with https:// (or http:// for a local test server), got '" + s.base_url + "'");
        s.table.database = checked_identifier(config.string("database"), "database");
        s.table.schema = checked_identifier(config.string("schema"), "schema");
        s.table.table = checked_identifier(config.string("table"), "table");
        s.warehouse = config.string_or("warehouse", "");
        s.role = config.string_or("role", "");
        s.create_table = config.boolean("create_table");
        s.format = config.string("content.format") == "text" ? ContentFormat::text : ContentFormat::json;
        s.batch_max_rows = static_cast<std::size_t>(config.integer("batch.max.rows"));
        s.batch_max_bytes = static_cast<std::size_t>(config.integer("batch.max.bytes"));
        s.batch_max_age = std::chrono::milliseconds(config.integer("batch.max.ms"));
        s.statement_timeout_s = static_cast<int>(config.integer("statement.timeout.s"));
        s.jwt_lifetime = std::chrono::seconds(config.integer("jwt.lifetime.s"));
        s.runner.base_url = s.base_url;
        s.runner.request_timeout = std::chrono::milliseconds(config.integer("request.timeout.ms"));
        s.runner.max_attempts = static_cast<int>(config.integer("retry.max.attempts"));
        s.runner.backoff_initial = std::chrono::milliseconds(config.integer("retry.backoff.ms"));
        s.runner.backoff_max = std::chrono::milliseconds(config.integer("retry.backoff.max.ms"));
        s.runner.poll_max = std::chrono::milliseconds(config.integer("poll.interval.max.ms"));
        s.runner.poll_initial = std::min(s.runner.poll_initial, s.runner.poll_max);
        // Snowflake cancels at statement.timeout.s; poll a little longer than that.
        if (s.statement_timeout_s > 0)
            s.runner.poll_deadline = std::chrono::seconds(s.statement_timeout_s) + std::chrono::seconds(60);
    } catch (const std::runtime_error& e) {
        if (dynamic_cast<const FatalError*>(&e)) throw;
        throw FatalError(e.what());
    }
    return s;
}

void Settings::validate(const Config& config, ConfigProblems& problems) {
    try {
        (void)Settings::from(config);
    } catch (const std::exception& e) {
        problems.add("", e.what());
    }
    const bool from_file = config.has("private_key_file") && !config.string("private_key_file").empty();
    const bool inline_key = config.has("private_key") && !config.string("private_key").empty();
    if (from_file && inline_key) return problems.add("private_key", "set only one of private_key_file and private_key");
    if (!from_file && !inline_key)
        return problems.add("private_key", "no private key: set private_key_file (a PEM file) or private_key (the PEM text)");
    // The inline key can be checked here; a key file is read by the pre-flight check.
    if (inline_key) {
        try {
            (void)PrivateKey::from_pem(config.string("private_key"), config.string_or("private_key_passphrase", ""), "private_key");
        } catch (const std::exception& e) {
            problems.add("private_key", e.what());
        }
    }
}

PrivateKey Settings::load_key(const Config& config) {
    const bool from_file = config.has("private_key_file") && !config.string("private_key_file").empty();
    const bool inline_key = config.has("private_key") && !config.string("private_key").empty();
    if (from_file == inline_key)
        throw FatalError(from_file ? "set only one of private_key_file and private_key"
                                   : "no private key: set private_key_file (a PEM file) or private_key (the PEM text)");
    std::string pem, origin;
    if (from_file) {
        origin = "private_key_file '" + config.string("private_key_file") + "'";
        std::string why;
        auto text = files::read_regular_file(config.string("private_key_file"), kMaxKeyFileBytes, why);
        if (!text) throw FatalError(origin + ": cannot be read: " + why);
        pem = std::move(*text);
    } else {
        origin = "private_key";
        pem = config.string("private_key");
    }
    try {
        return PrivateKey::from_pem(pem, config.string_or("private_key_passphrase", ""), origin);
    } catch (const std::runtime_error& e) {
        throw FatalError(e.what());
    }
}

StatementRequest Settings::request(std::string statement, std::vector<Binding> bindings) const {
    StatementRequest r;
    r.statement = std::move(statement);
    r.bindings = std::move(bindings);
    r.timeout_s = statement_timeout_s;
    r.database = table.database;
    r.schema = table.schema;
    r.warehouse = warehouse;
    r.role = role;
    return r;
}

}  // namespace sluice::snowflake
