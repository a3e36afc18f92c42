#include "settings.hpp"

#include <sluice/files.hpp>

namespace sluice::snowflake {

namespace {

// A PEM RSA key is a few KiB; anything much larger is not one.
constexpr std::size_t kMaxKeyFileBytes = 1024 * 1024;

config_kit::Spec<Settings> make_spec() {
    using S = Settings;
    config_kit::Spec<S> k;
    k.key("account", &S::account, "Account identifier, e.g. myorg-myaccount or xy12345.us-east-2.aws (the JWT uses the part before the first '.', upper-cased).").required();
    k.key("user", &S::user, "Snowflake user the public key is registered for (ALTER USER ... SET RSA_PUBLIC_KEY).").required();
    k.key("url", &S::base_url, "Base URL of the account; empty: https://<account>.snowflakecomputing.com.").default_value("");
    k.key("private.key.file", &S::private_key_file, "PEM file with the user's RSA private key (PKCS#8, optionally encrypted). Give this or private.key.").local_path().deprecated("private_key_file");
    k.key("private.key", &S::private_key, "The PEM text of the private key itself (e.g. ${env:SNOWFLAKE_KEY}).").secret().deprecated("private_key");
    k.key("private.key.passphrase", &S::private_key_passphrase, "Passphrase of an encrypted private key.").secret().deprecated("private_key_passphrase");
    k.key("database", [](S& s) -> auto& { return s.table.database; }, "Database of the target table (unquoted identifier).").required();
    k.key("schema", [](S& s) -> auto& { return s.table.schema; }, "Schema of the target table (unquoted identifier).").required();
    k.key("table", [](S& s) -> auto& { return s.table.table; }, "Target table (unquoted identifier); layout in the plugin README.").required();
    k.key("warehouse", &S::warehouse, "Warehouse that runs the statements; empty: the user's default.");
    k.key("role", &S::role, "Role for the statements; empty: the user's default.");
    k.key("auto.create", &S::create_table, "Create the table (CREATE TABLE IF NOT EXISTS) when partitions are first assigned.").default_value(false).deprecated("create_table");
    k.choice("content.format", &S::format, {{"json", ContentFormat::json}, {"text", ContentFormat::text}},
             "json: values are JSON, stored parsed in RECORD_CONTENT (a value that is not JSON goes to the error policy); text: stored as a JSON string.").default_value(ContentFormat::json);
    k.key("batch.max.rows", &S::batch_max_rows, "Rows per MERGE statement at most (6 bind variables per row).").default_value(1000).between(1, 10000);
    k.key("batch.max.bytes", &S::batch_max_bytes, "Buffered key and value bytes that trigger a write.").default_value(8388608).between(1024, 64 * 1024 * 1024);
    k.key("batch.max.ms", &S::batch_max_age, "Oldest buffered row's age that triggers a write at the next put (every flush writes everything).").default_value(1000).between(0, 3600000);
    k.key("statement.timeout.s", &S::statement_timeout_s, "Snowflake cancels a statement running longer (HTTP 408; the sink resubmits it). 0: the account's default.").default_value(300).between(0, 604800);
    k.key("request.timeout.ms", [](S& s) -> auto& { return s.runner.request_timeout; }, "One HTTP request at most.").default_value(60000).between(100, 3600000);
    k.key("retry.max.attempts", [](S& s) -> auto& { return s.runner.max_attempts; }, "Submissions of one statement (429, 503, network errors) before the worker backs off and offers the batch again.").default_value(6).between(1, 100);
    k.key("retry.backoff.ms", [](S& s) -> auto& { return s.runner.backoff_initial; }, "First retry delay; doubles up to retry.backoff.max.ms (Retry-After wins when sent).").default_value(200).between(1, 600000);
    k.key("retry.backoff.max.ms", [](S& s) -> auto& { return s.runner.backoff_max; }, "Longest retry delay.").default_value(10000).between(1, 600000);
    k.key("poll.interval.max.ms", [](S& s) -> auto& { return s.runner.poll_max; }, "Longest wait between status polls of a running statement.").default_value(2000).between(1, 60000);
    k.key("jwt.lifetime.s", &S::jwt_lifetime, "Lifetime of each JWT (Snowflake accepts at most 3600); renewed 5 minutes (or a quarter of the lifetime) before it ends.").default_value(3600).between(60, 3600);

    k.rule("account", "account must not be empty", [](const S& s) { return s.account.empty(); });
    k.rule("user", "user must not be empty", [](const S& s) { return s.user.empty(); });
    k.derive("url", [](S& s, const Config&) {
        if (s.base_url.empty()) {
            std::string host = s.account;
            for (char& c : host)
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            s.base_url = "https://" + host + ".snowflakecomputing.com";
        }
        while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
        s.runner.base_url = s.base_url;
    });
    k.check("url", [](const S& s) {
        return s.base_url.rfind("https://", 0) != 0 && s.base_url.rfind("http://", 0) != 0
                   ? "url must start with https:// (or http:// for a local test server), got '" + s.base_url + "'"
                   : std::string();
    });
    // Unquoted identifiers, upper-cased as Snowflake stores them; checked_identifier throws
    // with the reason, which the kit reports at the key.
    k.derive("database", [](S& s, const Config&) { s.table.database = checked_identifier(s.table.database, "database"); });
    k.derive("schema", [](S& s, const Config&) { s.table.schema = checked_identifier(s.table.schema, "schema"); });
    k.derive("table", [](S& s, const Config&) { s.table.table = checked_identifier(s.table.table, "table"); });
    k.derive("poll.interval.max.ms", [](S& s, const Config&) {
        s.runner.poll_initial = std::min(s.runner.poll_initial, s.runner.poll_max);
        // Snowflake cancels at statement.timeout.s; poll a little longer than that.
        if (s.statement_timeout_s > 0)
            s.runner.poll_deadline = std::chrono::seconds(s.statement_timeout_s) + std::chrono::seconds(60);
    });
    return k;
}

// The key's source: exactly one of a file and the PEM text.
std::string key_source_problem(const Settings& s) {
    const bool from_file = !s.private_key_file.empty(), inline_key = !s.private_key.empty();
    if (from_file && inline_key) return "set only one of private.key.file and private.key";
    if (!from_file && !inline_key) return "no private key: set private.key.file (a PEM file) or private.key (the PEM text)";
    return {};
}

}  // namespace

const config_kit::Spec<Settings>& Settings::spec() {
    static const config_kit::Spec<Settings> s = make_spec();
    return s;
}

Settings Settings::from(const Config& config) { return spec().parse(config); }

void Settings::validate(const Config& config, ConfigProblems& problems) {
    const auto s = spec().parse_or_report(config, problems);
    if (!s) return;
    if (auto problem = key_source_problem(*s); !problem.empty()) return problems.add("private.key", problem);
    // The inline key can be checked here; a key file is read by the pre-flight check.
    if (!s->private_key.empty()) {
        try {
            (void)PrivateKey::from_pem(s->private_key, s->private_key_passphrase, "private.key");
        } catch (const std::exception& e) {
            problems.add("private.key", e.what());
        }
    }
}

PrivateKey Settings::load_key(const Config& config) {
    const Settings s = spec().parse(config);
    if (auto problem = key_source_problem(s); !problem.empty()) throw FatalError(problem);
    std::string pem, origin;
    if (!s.private_key_file.empty()) {
        origin = "private.key.file '" + s.private_key_file + "'";
        std::string why;
        auto text = files::read_regular_file(s.private_key_file, kMaxKeyFileBytes, why);
        if (!text) throw FatalError(origin + ": cannot be read: " + why);
        pem = std::move(*text);
    } else {
        origin = "private.key";
        pem = s.private_key;
    }
    try {
        return PrivateKey::from_pem(pem, s.private_key_passphrase, origin);
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
