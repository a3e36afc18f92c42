#include "settings.hpp"

namespace sluice::redis {

std::vector<ConfigKey> config_keys() {
    std::vector<ConfigKey> k;
    k.push_back(ConfigKey::string("redis.url", "Server: redis://host:port, or rediss://host:port for TLS")
                    .default_value("redis://127.0.0.1:6379"));
    k.push_back(ConfigKey::string("redis.user", "ACL user for AUTH (Redis 6+); empty: AUTH with the password only")
                    .default_value(""));
    k.push_back(ConfigKey::string("redis.password", "Password for AUTH; empty: no AUTH").default_value("").secret());
    k.push_back(ConfigKey::integer("redis.database", "Database number (SELECT)").default_value("0").between(0, 100000));
    k.push_back(ConfigKey::boolean("tls.verify", "With rediss://, verify the server's certificate and host name")
                    .default_value("true"));
    k.push_back(ConfigKey::string("tls.ca.file", "With rediss://, PEM file of the CAs to trust instead of the system's")
                    .default_value(""));
    k.push_back(ConfigKey::string("mode", "set: SET key <value>; hash: the value's top-level fields as a hash (HSET); "
                                          "stream: XADD of the top-level fields to the stream at key")
                    .default_value("set")
                    .one_of({"set", "hash", "stream"}));
    k.push_back(ConfigKey::string("key.format", "The Redis key: {key} (record key), {topic}, {partition}, {offset}, or "
                                                "value fields such as {flight.iata}")
                    .default_value("{key}"));
    k.push_back(ConfigKey::integer("ttl.ms", "set and hash: expiry of each key written; 0: none").default_value("0").at_least(0));
    k.push_back(ConfigKey::integer("stream.maxlen", "stream: XADD MAXLEN ~ this (approximate trimming); 0: no trimming")
                    .default_value("0")
                    .at_least(0));
    k.push_back(ConfigKey::string("behavior.on.null.values", "A record without value (tombstone), set and hash: delete "
                                                             "(DEL its key) or ignore")
                    .default_value("delete")
                    .one_of({"delete", "ignore"}));
    k.push_back(ConfigKey::boolean("exactly.once", "Write each batch in MULTI/EXEC with the last offset of each partition "
                                                   "(in offsets.key), and resume from there")
                    .default_value("true"));
    k.push_back(ConfigKey::string("offsets.key", "Hash holding the last offset written per topic/partition; {connector} "
                                                 "is the connector's name")
                    .default_value("sluice:offsets:{connector}"));
    k.push_back(ConfigKey::integer("request.timeout.ms", "Connect, and each read or write of the connection, at most")
                    .default_value("10000")
                    .between(100, 600000));
    k.push_back(ConfigKey::integer("retry.max.attempts", "Connections tried within one call before the worker is asked "
                                                         "to retry it")
                    .default_value("3")
                    .between(1, 100));
    k.push_back(ConfigKey::integer("retry.backoff.ms", "First wait before reconnecting; doubles up to retry.backoff.max.ms")
                    .default_value("200")
                    .between(1, 600000));
    k.push_back(ConfigKey::integer("retry.backoff.max.ms", "Longest wait before reconnecting").default_value("10000").between(1, 3600000));
    return k;
}

Settings Settings::from(const Config& config, std::string_view connector) {
    Settings s;
    try {
        s.endpoint = Endpoint::parse_url(config.string("redis.url"));
        s.key_format = KeyFormat::parse(config.string("key.format"));
    } catch (const std::runtime_error& e) {
        throw FatalError(e.what());
    }
    s.endpoint.user = config.string("redis.user");
    s.endpoint.password = config.string("redis.password");
    s.endpoint.database = static_cast<int>(config.integer("redis.database"));
    s.endpoint.verify_tls = config.boolean("tls.verify");
    s.endpoint.ca_file = config.string("tls.ca.file");
    if (!s.endpoint.tls && (!s.endpoint.ca_file.empty() || !s.endpoint.verify_tls))
        throw FatalError("tls.ca.file / tls.verify: only meaningful with a rediss:// URL");
    if (!s.endpoint.user.empty() && s.endpoint.password.empty())
        throw FatalError("redis.user: needs redis.password");
    s.endpoint.timeout = std::chrono::milliseconds(config.integer("request.timeout.ms"));
    const std::string mode = config.string("mode");
    s.mode = mode == "hash" ? Mode::hash : mode == "stream" ? Mode::stream : Mode::set;
    s.ttl_ms = config.integer("ttl.ms");
    s.stream_maxlen = config.integer("stream.maxlen");
    if (s.mode == Mode::stream && s.ttl_ms > 0) throw FatalError("ttl.ms: not for mode stream (use stream.maxlen)");
    if (s.mode != Mode::stream && s.stream_maxlen > 0) throw FatalError("stream.maxlen: only for mode stream");
    s.delete_on_null = config.string("behavior.on.null.values") == "delete";
    s.exactly_once = config.boolean("exactly.once");
    s.offsets_key = config.string("offsets.key");
    for (auto at = s.offsets_key.find("{connector}"); at != std::string::npos; at = s.offsets_key.find("{connector}"))
        s.offsets_key.replace(at, 11, connector);
    if (s.exactly_once && s.offsets_key.empty()) throw FatalError("offsets.key: empty, and exactly.once needs it");
    s.max_attempts = static_cast<int>(config.integer("retry.max.attempts"));
    s.backoff = std::chrono::milliseconds(config.integer("retry.backoff.ms"));
    s.backoff_max = std::chrono::milliseconds(config.integer("retry.backoff.max.ms"));
    return s;
}

}  // namespace sluice::redis
