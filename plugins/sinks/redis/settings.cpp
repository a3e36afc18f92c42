#include "settings.hpp"

namespace sluice::redis {
namespace {

config_kit::Spec<Settings> make_spec() {
    using S = Settings;
    config_kit::Spec<S> k;
    k.key("redis.url", &S::url, "Server: redis://host:port, or rediss://host:port for TLS").default_value("redis://127.0.0.1:6379");
    k.key("redis.user", [](S& s) -> auto& { return s.endpoint.user; }, "ACL user for AUTH (Redis 6+); empty: AUTH with the password only").default_value("");
    k.key("redis.password", [](S& s) -> auto& { return s.endpoint.password; }, "Password for AUTH; empty: no AUTH").default_value("").secret();
    k.key("redis.database", [](S& s) -> auto& { return s.endpoint.database; }, "Database number (SELECT)").default_value(0).between(0, 100000);
    k.key("tls.verify", [](S& s) -> auto& { return s.endpoint.verify_tls; }, "With rediss://, verify the server's certificate and host name").default_value(true);
    k.key("tls.ca.file", [](S& s) -> auto& { return s.endpoint.ca_file; }, "With rediss://, PEM file of the CAs to trust instead of the system's").default_value("");
    k.choice("mode", &S::mode, {{"set", Mode::set}, {"hash", Mode::hash}, {"stream", Mode::stream}},
             "set: SET key <value>; hash: the value's top-level fields as a hash (HSET); stream: XADD of the top-level fields to the stream at key").default_value(Mode::set);
    k.key("key.format", &S::key_format_text, "The Redis key: {key} (record key), {topic}, {partition}, {offset}, or value fields such as {flight.iata}").default_value("{key}");
    k.key("ttl.ms", &S::ttl_ms, "set and hash: expiry of each key written; 0: none").default_value(0).at_least(0);
    k.key("stream.maxlen", &S::stream_maxlen, "stream: XADD MAXLEN ~ this (approximate trimming); 0: no trimming").default_value(0).at_least(0);
    k.choice("behavior.on.null.values", &S::delete_on_null, {{"delete", true}, {"ignore", false}},
             "A record without value (tombstone), set and hash: delete (DEL its key) or ignore").default_value(true);
    k.key("exactly.once", &S::exactly_once, "Write each batch in MULTI/EXEC transactions that also store the last offset of each partition (in offsets.key), and resume from there").default_value(true);
    k.key("offsets.key", &S::offsets_key, "Hash holding the last offset written per topic/partition; {connector} is the connector's name").default_value("sluice:offsets:{connector}");
    k.key("request.timeout.ms", [](S& s) -> auto& { return s.endpoint.timeout; }, "Connect, and each read or write of the connection, at most").default_value(10000).between(100, 600000);
    k.key("retry.max.attempts", &S::max_attempts, "Connections tried within one call before the worker is asked to retry it").default_value(3).between(1, 100);
    k.key("retry.backoff.ms", &S::backoff, "First wait before reconnecting; doubles up to retry.backoff.max.ms").default_value(200).between(1, 600000);
    k.key("retry.backoff.max.ms", &S::backoff_max, "Longest wait before reconnecting").default_value(10000).between(1, 3600000);

    // The URL gives host, port and TLS; the other keys fill the rest of the endpoint.
    k.derive("redis.url", [](S& s, const Config&) {
        const Endpoint parsed = Endpoint::parse_url(s.url);
        s.endpoint.host = parsed.host;
        s.endpoint.port = parsed.port;
        s.endpoint.tls = parsed.tls;
    });
    k.derive("key.format", [](S& s, const Config&) { s.key_format = KeyFormat::parse(s.key_format_text); });
    k.rule("tls.verify", "tls.ca.file / tls.verify: only meaningful with a rediss:// URL",
           [](const S& s) { return !s.endpoint.tls && (!s.endpoint.ca_file.empty() || !s.endpoint.verify_tls); });
    k.rule("redis.user", "redis.user: needs redis.password",
           [](const S& s) { return !s.endpoint.user.empty() && s.endpoint.password.empty(); });
    k.rule("ttl.ms", "ttl.ms: not for mode stream (use stream.maxlen)", [](const S& s) { return s.mode == Mode::stream && s.ttl_ms > 0; });
    k.rule("stream.maxlen", "stream.maxlen: only for mode stream", [](const S& s) { return s.mode != Mode::stream && s.stream_maxlen > 0; });
    k.rule("offsets.key", "offsets.key: empty, and exactly.once needs it", [](const S& s) { return s.exactly_once && s.offsets_key.empty(); });
    return k;
}

}  // namespace

const config_kit::Spec<Settings>& settings_spec() {
    static const config_kit::Spec<Settings> spec = make_spec();
    return spec;
}

Settings Settings::from(const Config& config, std::string_view connector) {
    Settings s = settings_spec().parse(config);
    for (auto at = s.offsets_key.find("{connector}"); at != std::string::npos; at = s.offsets_key.find("{connector}"))
        s.offsets_key.replace(at, 11, connector);
    return s;
}

}  // namespace sluice::redis
