#include "sluice/sql/connection_settings.hpp"
#include "sluice/sql/database.hpp"

#include <algorithm>
#include <charconv>

namespace sluice::sql {

const char* dialect_name(Dialect d) { return d == Dialect::postgres ? "PostgreSQL" : "MariaDB"; }

namespace {

const char* example_url(Dialect d) {
    return d == Dialect::postgres ? "postgresql://127.0.0.1:5432/sluice" : "mysql://127.0.0.1:3306/sluice";
}

std::string percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            unsigned v = 0;
            auto [p, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, v, 16);
            if (ec == std::errc() && p == text.data() + i + 3) {
                out.push_back(static_cast<char>(v));
                i += 2;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

}  // namespace

config_kit::Spec<ConnectionSettings> ConnectionSettings::spec(Dialect d, bool request_timeout) {
    using C = ConnectionSettings;
    const std::string example = example_url(d);
    config_kit::Spec<C> k;
    // The URL gives dialect, host, port, database and parameters; the keys after it the rest.
    k.custom("connection.url", SLUICE_CONFIG_STRING,
             d == Dialect::postgres
                 ? "PostgreSQL server and database: postgresql://host[:port]/database[?libpq-keyword=value&...] (a jdbc: prefix is accepted), e.g. " + example
                 : "MariaDB/MySQL server and database: mysql://host[:port]/database (mariadb:// and a jdbc: prefix are accepted), e.g. " + example,
             [d](C& c, const Config& config) { c = parse_url(config.string("connection.url"), d); })
        .required();
    k.key("connection.user", &C::user, "Database user").default_value("");
    k.key("connection.password", &C::password, "Password of the user").default_value("").secret();
    k.key("connection.timeout.ms", &C::connect_timeout, "Timeout of establishing a connection").default_value(10000).between(100, 600000);
    if (request_timeout)
        k.key("request.timeout.ms", &C::request_timeout, "Longest a statement may run before the connection is considered lost (the batch is then retried)")
            .default_value(300000)
            .between(1000, 86400000);
    return k;
}

ConnectionSettings ConnectionSettings::parse_url(std::string_view url, Dialect d) {
    ConnectionSettings s;
    s.dialect = d;
    const std::string shown(url);
    std::string_view rest = url;
    if (rest.rfind("jdbc:", 0) == 0) rest.remove_prefix(5);
    const std::vector<std::string_view> schemes = d == Dialect::postgres ? std::vector<std::string_view>{"postgresql://", "postgres://"}
                                                                         : std::vector<std::string_view>{"mysql://", "mariadb://"};
    bool matched = false;
    for (auto scheme : schemes)
        if (rest.rfind(scheme, 0) == 0) {
            rest.remove_prefix(scheme.size());
            matched = true;
            break;
        }
    if (!matched)
        throw FatalError("connection.url: expected " + std::string(schemes[0]) + "host[:port]/database, e.g. " +
                         example_url(d) + ", got '" + shown + "'");
    const std::size_t query_at = rest.find('?');
    std::string_view query = query_at == std::string_view::npos ? std::string_view() : rest.substr(query_at + 1);
    rest = rest.substr(0, query_at);
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) s.database = percent_decode(rest.substr(slash + 1));
    if (const std::size_t at = authority.find('@'); at != std::string_view::npos)
        throw FatalError("connection.url: put the user and password in connection.user and connection.password "
                         "(a password in the URL would show in logs), got '" +
                         std::string(authority.substr(0, std::min(at, authority.find(':')))) + "...@...'");
    std::string_view host = authority, port;
    if (!authority.empty() && authority.front() == '[') {  // [::1]:5432
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) throw FatalError("connection.url: unclosed '[' in '" + shown + "'");
        host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
    } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    s.host = host.empty() ? "127.0.0.1" : std::string(host);
    s.port = d == Dialect::postgres ? 5432 : 3306;
    if (!port.empty()) {
        auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), s.port);
        if (ec != std::errc() || p != port.data() + port.size() || s.port < 1 || s.port > 65535)
            throw FatalError("connection.url: the port must be a number between 1 and 65535, got '" + std::string(port) + "'");
    }
    if (s.database.empty() || s.database.find('/') != std::string::npos)
        throw FatalError("connection.url: name the database after the host, e.g. " + std::string(example_url(d)) + ", got '" +
                         shown + "'");
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        const std::size_t eq = pair.find('=');
        std::string key = percent_decode(pair.substr(0, eq));
        std::string value = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
        if (key == "user" || key == "password")
            throw FatalError("connection.url: put the " + key + " in connection." + key +
                             " (a password in the URL would show in logs)");
        if (key == "host" || key == "port" || key == "dbname" || key == "hostaddr")
            throw FatalError("connection.url: give the " + key + " in the URL itself (" + example_url(d) + "), not as ?" + key + "=");
        if (d == Dialect::mysql)
            throw FatalError("connection.url: unknown parameter '" + key + "' (the MariaDB connectors take none; JDBC-only "
                             "options such as useSSL do not apply)");
        s.params.emplace_back(std::move(key), std::move(value));
    }
    return s;
}

std::string ConnectionSettings::where() const {
    const bool v6 = host.find(':') != std::string::npos;
    return std::string(dialect == Dialect::postgres ? "postgresql://" : "mysql://") + (v6 ? "[" + host + "]" : host) + ":" +
           std::to_string(port) + "/" + database;
}

std::unique_ptr<Database> connect_for_check(DatabaseFactory factory, const ConnectionSettings& settings, std::string& where) {
    where = std::string(dialect_name(settings.dialect)) + " " + settings.where();
    std::unique_ptr<Database> db = factory(settings);
    try {
        db->connect();
    } catch (const DbError& e) {
        throw FatalError(where + ": cannot connect as '" + settings.user + "': " + e.what());
    }
    return db;
}

}  // namespace sluice::sql
