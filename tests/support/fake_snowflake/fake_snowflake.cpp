#include "fake_snowflake.hpp"

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <random>
#include <regex>
#include <stdexcept>

namespace sluice::testing {
namespace {

using nlohmann::json;

std::string upper(std::string text) {
    for (char& c : text)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return text;
}

// base64url (no padding) -> bytes through OpenSSL's standard decoder.
std::optional<std::string> decode_segment(std::string segment) {
    for (char& c : segment) {
        if (c == '-') c = '+';
        else if (c == '_') c = '/';
        else if (c == '+' || c == '/' || c == '=') return std::nullopt;  // not base64url
    }
    while (segment.size() % 4 != 0) segment.push_back('=');
    std::string out(segment.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(segment.data()), static_cast<int>(segment.size()));
    if (n < 0) return std::nullopt;
    std::size_t pad = 0;
    for (auto it = segment.rbegin(); it != segment.rend() && *it == '='; ++it) ++pad;
    out.resize(static_cast<std::size_t>(n) - pad);
    return out;
}

struct PublicKey {
    EVP_PKEY* key = nullptr;
    std::string fingerprint;
};

PublicKey load_public_key(const std::string& pem) {
    PublicKey result;
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    result.key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (result.key == nullptr) throw std::runtime_error("fake Snowflake: cannot read the registered public key");
    unsigned char* der = nullptr;
    int length = i2d_PUBKEY(result.key, &der);
    unsigned char digest[32];
    unsigned int size = 0;
    EVP_Digest(der, static_cast<std::size_t>(length), digest, &size, EVP_sha256(), nullptr);
    OPENSSL_free(der);
    std::string b64(4 * ((size + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), digest, static_cast<int>(size));
    b64.resize(static_cast<std::size_t>(n));
    result.fingerprint = "SHA256:" + b64;
    return result;
}

bool verify_rs256(EVP_PKEY* key, const std::string& data, const std::string& signature) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
              EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                               reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

bool is_uuid(const std::string& s) {
    static const std::regex uuid("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
    return std::regex_match(s, uuid);
}

std::optional<std::int64_t> to_int(const std::string& s) {
    if (s.empty()) return std::nullopt;
    std::size_t used = 0;
    try {
        long long v = std::stoll(s, &used);
        if (used == s.size()) return v;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

// "?" placeholders outside string literals.
std::size_t count_placeholders(const std::string& statement) {
    std::size_t n = 0;
    bool quoted = false;
    for (char c : statement) {
        if (c == '\'') quoted = !quoted;
        else if (c == '?' && !quoted) ++n;
    }
    return n;
}

HttpResponse json_response(int status, const json& body) { return HttpResponse::json(body.dump(), status); }

json failure(const std::string& code, const std::string& sql_state, const std::string& message,
             const std::string& handle) {
    return {{"code", code}, {"sqlState", sql_state}, {"message", message}, {"statementHandle", handle}};
}

// A statement's outcome: a status and the JSON body (ResultSet, QueryStatus or failure).
struct Outcome {
    int status = 200;
    json body;
};

struct Table {
    std::size_t key_max_length = 16777216;
    std::vector<FakeRow> rows;
};

const std::string kMergeHead =
    " AS t USING (SELECT column1 AS _TOPIC, column2 AS _PARTITION, column3 AS _OFFSET, "
    "TO_TIMESTAMP_LTZ(column4, 3) AS _TIMESTAMP, column5 AS RECORD_KEY, PARSE_JSON(column6) AS RECORD_CONTENT "
    "FROM VALUES ";
const std::string kMergeTail =
    ") AS s ON t._TOPIC = s._TOPIC AND t._PARTITION = s._PARTITION AND t._OFFSET = s._OFFSET WHEN NOT MATCHED "
    "THEN INSERT (_TOPIC, _PARTITION, _OFFSET, _TIMESTAMP, RECORD_KEY, RECORD_CONTENT) VALUES (s._TOPIC, "
    "s._PARTITION, s._OFFSET, s._TIMESTAMP, s.RECORD_KEY, s.RECORD_CONTENT)";
const std::string kTuple = "(?, ?, ?, ?, ?, ?)";
const std::string kCreateColumns =
    " (_TOPIC VARCHAR, _PARTITION NUMBER(10,0), _OFFSET NUMBER(19,0), _TIMESTAMP TIMESTAMP_LTZ, RECORD_KEY VARCHAR, "
    "RECORD_CONTENT VARIANT) CLUSTER BY (_TOPIC, _PARTITION, _OFFSET)";
const std::regex kResume(R"(^SELECT _PARTITION, MAX\(_OFFSET\) FROM ([A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*) WHERE _TOPIC = \? GROUP BY _PARTITION$)");
const std::regex kProbe(R"(^SELECT _TOPIC, _PARTITION, _OFFSET, _TIMESTAMP, RECORD_KEY, RECORD_CONTENT FROM ([A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*) LIMIT 0$)");
const std::regex kCreate(R"(^CREATE TABLE IF NOT EXISTS ([A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*)( \(.*)$)");
const std::regex kName(R"(^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$)");

}  // namespace

struct FakeSnowflake::Impl {
    Options options;
    PublicKey key;
    mutable std::mutex mutex;
    std::map<std::string, Table> tables;
    std::deque<Fault> faults;
    int async_polls = 0;
    Stats stats;
    std::vector<std::string> executed;
    std::map<std::string, std::string> handle_of_request;  // requestId -> statement handle
    struct Pending {
        int polls_left = 0;
        Outcome outcome;
    };
    std::map<std::string, Pending> statements;  // handle -> outcome (and polls still to answer 202)
    std::mt19937_64 rng{std::random_device{}()};
    std::unique_ptr<HttpTestServer> server;

    std::string new_handle() {
        static constexpr char hex[] = "0123456789abcdef";
        std::string h;
        for (int i = 0; i < 32; ++i) {
            if (i == 8 || i == 12 || i == 16 || i == 20) h.push_back('-');
            h.push_back(hex[rng() & 15]);
        }
        return h;
    }

    static std::int64_t now_s() {
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    // nullopt when the request is authenticated; otherwise why not.
    std::optional<std::string> authenticate(const HttpRequest& request) const {
        auto type = request.header("x-snowflake-authorization-token-type");
        if (!type) return "missing X-Snowflake-Authorization-Token-Type header (OAuth assumed; not an OAuth token)";
        if (*type != "KEYPAIR_JWT") return "token type '" + *type + "' is not KEYPAIR_JWT";
        auto authorization = request.header("authorization");
        if (!authorization || authorization->rfind("Bearer ", 0) != 0) return "no Bearer token in Authorization";
        const std::string token = authorization->substr(7);
        const std::size_t dot1 = token.find('.');
        const std::size_t dot2 = dot1 == std::string::npos ? dot1 : token.find('.', dot1 + 1);
        if (dot2 == std::string::npos || token.find('.', dot2 + 1) != std::string::npos)
            return "JWT does not have three segments";
        auto header = decode_segment(token.substr(0, dot1));
        auto payload = decode_segment(token.substr(dot1 + 1, dot2 - dot1 - 1));
        auto signature = decode_segment(token.substr(dot2 + 1));
        if (!header || !payload || !signature) return "JWT segment is not base64url";
        json h = json::parse(*header, nullptr, false);
        json p = json::parse(*payload, nullptr, false);
        if (!h.is_object() || !p.is_object()) return "JWT header or payload is not a JSON object";
        if (h.value("alg", "") != "RS256") return "JWT alg is not RS256";
        if (!verify_rs256(key.key, token.substr(0, dot2), *signature))
            return "JWT signature does not verify against the user's public key";
        const std::string subject = options.account + "." + options.user;
        if (!p.contains("iss") || !p["iss"].is_string()) return "JWT has no iss";
        const std::string iss = p["iss"];
        if (iss.rfind(subject + ".", 0) != 0) return "JWT issuer '" + iss + "' is not for " + subject;
        if (iss != subject + "." + key.fingerprint)
            return "JWT issuer fingerprint does not match the user's public key (" + key.fingerprint + ")";
        if (p.value("sub", "") != subject) return "JWT subject '" + p.value("sub", "") + "' is not " + subject;
        if (!p.contains("iat") || !p["iat"].is_number_integer() || !p.contains("exp") || !p["exp"].is_number_integer())
            return "JWT iat/exp missing or not integers";
        const std::int64_t iat = p["iat"], exp = p["exp"], now = now_s();
        if (exp <= now) return "JWT expired";
        if (iat > now + options.clock_skew.count()) return "JWT issued in the future";
        if (exp <= iat || exp - iat > 3600) return "JWT lifetime exceeds one hour";
        return std::nullopt;
    }

    HttpResponse unauthorized(const std::string& reason) {
        stats.auth_failures.push_back(reason);
        return json_response(401, {{"code", "390144"}, {"message", "JWT token is invalid. " + reason}});
    }

    HttpResponse bad_request(const std::string& reason) {
        stats.bad_requests.push_back(reason);
        return json_response(400, {{"code", "391902"}, {"message", reason}});
    }

    std::optional<Fault> take_fault(Target target) {
        for (auto it = faults.begin(); it != faults.end(); ++it)
            if (it->target == target) {
                Fault f = *it;
                faults.erase(it);
                ++stats.faults_served;
                return f;
            }
        return std::nullopt;
    }

    HttpResponse fault_response(const Fault& f, const std::string& handle) {
        switch (f.status) {
        case 401: return unauthorized("injected: token rejected");
        case 408:
            return json_response(408, failure("000630", "57014",
                                              "Statement reached its statement or warehouse timeout of 300 second(s) "
                                              "and was canceled.",
                                              handle));
        case 422: return json_response(422, failure(f.code, f.sql_state, f.message, handle));
        default: {
            HttpResponse r = HttpResponse::text(f.status, f.status == 429 ? "Too many requests" : "Service Unavailable");
            if (f.retry_after_s) r.headers.emplace_back("Retry-After", std::to_string(*f.retry_after_s));
            return r;
        }
        }
    }

    static json success(const std::string& handle, const json& columns, const json& data) {
        json row_type = json::array();
        for (const auto& c : columns) row_type.push_back({{"name", c[0]}, {"type", c[1]}, {"nullable", true}});
        return {{"resultSetMetaData", {{"numRows", data.size()}, {"format", "jsonv2"}, {"rowType", row_type},
                                        {"partitionInfo", json::array({{{"rowCount", data.size()}}})}}},
                {"data", data},
                {"code", "090001"},
                {"sqlState", "00000"},
                {"statementStatusUrl", "/api/v2/statements/" + handle},
                {"message", "Statement executed successfully."},
                {"statementHandle", handle},
                {"createdOn", now_s() * 1000}};
    }

    static Outcome compile_error(const std::string& handle, const std::string& message, const std::string& code = "001003",
                                 const std::string& sql_state = "42000") {
        return {422, failure(code, sql_state, "SQL compilation error:\n" + message, handle)};
    }

    Outcome missing_table(const std::string& handle, const std::string& name) {
        return compile_error(handle, "Object '" + name + "' does not exist or not authorized.", "002003", "42S02");
    }

    static std::optional<std::string> text_value(const json& binding) {
        const json& v = binding["value"];
        if (v.is_null()) return std::nullopt;
        return v.get<std::string>();
    }

    Outcome execute(const std::string& statement, const json& bindings, const std::string& handle) {
        ++stats.executions;
        executed.push_back(statement);
        std::smatch m;
        if (statement.rfind("MERGE INTO ", 0) == 0) return merge(statement, bindings, handle);
        if (std::regex_match(statement, m, kResume)) {
            const std::string name = upper(m[1]);
            auto t = tables.find(name);
            if (t == tables.end()) return missing_table(handle, name);
            const std::string topic = bindings["1"]["value"].is_string() ? bindings["1"]["value"].get<std::string>() : "";
            std::map<std::int64_t, std::int64_t> maxima;
            for (const auto& r : t->second.rows) {
                if (r.topic != topic) continue;
                auto [it, fresh] = maxima.emplace(r.partition, r.offset);
                if (!fresh) it->second = std::max(it->second, r.offset);
            }
            json data = json::array();
            for (auto [p, o] : maxima) data.push_back({std::to_string(p), std::to_string(o)});
            return {200, success(handle, json::array({{"_PARTITION", "fixed"}, {"MAX(_OFFSET)", "fixed"}}), data)};
        }
        if (std::regex_match(statement, m, kProbe)) {
            const std::string name = upper(m[1]);
            if (!tables.count(name)) return missing_table(handle, name);
            return {200, success(handle,
                                 json::array({{"_TOPIC", "text"}, {"_PARTITION", "fixed"}, {"_OFFSET", "fixed"},
                                              {"_TIMESTAMP", "timestamp_ltz"}, {"RECORD_KEY", "text"},
                                              {"RECORD_CONTENT", "variant"}}),
                                 json::array())};
        }
        if (std::regex_match(statement, m, kCreate)) {
            if (m[2] != kCreateColumns) return compile_error(handle, "syntax error in the column list of CREATE TABLE");
            const std::string name = upper(m[1]);
            const bool existed = tables.count(name) > 0;
            tables[name];
            const std::string short_name = name.substr(name.rfind('.') + 1);
            return {200, success(handle, json::array({{"status", "text"}}),
                                 json::array({json::array({existed ? short_name + " already exists, statement succeeded."
                                                                   : "Table " + short_name + " successfully created."})}))};
        }
        const std::string first = statement.substr(0, statement.find(' '));
        return compile_error(handle, "syntax error line 1 at position 0 unexpected '" + first + "'.");
    }

    Outcome merge(const std::string& statement, const json& bindings, const std::string& handle) {
        const std::size_t head = statement.find(kMergeHead);
        if (head == std::string::npos || statement.size() < kMergeTail.size() ||
            statement.compare(statement.size() - kMergeTail.size(), kMergeTail.size(), kMergeTail) != 0)
            return compile_error(handle, "syntax error line 1 at position 0 unexpected 'MERGE'.");
        const std::string name = statement.substr(11, head - 11);
        if (!std::regex_match(name, kName)) return compile_error(handle, "invalid identifier '" + name + "'");
        // The VALUES list: "(?, ?, ?, ?, ?, ?)" joined by ", ".
        const std::size_t begin = head + kMergeHead.size(), end = statement.size() - kMergeTail.size();
        std::size_t tuples = 0;
        for (std::size_t i = begin; i < end;) {
            if (tuples > 0) {
                if (statement.compare(i, 2, ", ") != 0) return compile_error(handle, "syntax error in VALUES");
                i += 2;
            }
            if (statement.compare(i, kTuple.size(), kTuple) != 0) return compile_error(handle, "syntax error in VALUES");
            i += kTuple.size();
            ++tuples;
        }
        if (tuples == 0) return compile_error(handle, "syntax error in VALUES");
        auto t = tables.find(upper(name));
        if (t == tables.end()) return missing_table(handle, upper(name));
        Table& table = t->second;
        // Evaluate every source row first: a statement takes effect entirely or not at all.
        static const char* const kTypes[] = {"TEXT", "FIXED", "FIXED", "FIXED", "TEXT", "TEXT"};
        std::vector<FakeRow> source;
        for (std::size_t r = 0; r < tuples; ++r) {
            json b[6];
            for (std::size_t c = 0; c < 6; ++c) {
                b[c] = bindings[std::to_string(r * 6 + c + 1)];
                if (b[c]["type"] != kTypes[c] && !b[c]["value"].is_null())
                    return compile_error(handle, "bind variable " + std::to_string(r * 6 + c + 1) + " of type " +
                                                     b[c]["type"].get<std::string>() + " where " + kTypes[c] + " is expected",
                                         "002023", "22000");
            }
            FakeRow row;
            auto topic = text_value(b[0]);
            if (!topic) return {422, failure("100072", "22000", "NULL result in a non-nullable column", handle)};
            row.topic = *topic;
            for (int c : {1, 2, 3}) {
                auto v = text_value(b[c]);
                if (!v) {
                    if (c == 3) continue;
                    return {422, failure("100072", "22000", "NULL result in a non-nullable column", handle)};
                }
                auto n = to_int(*v);
                if (!n) return {422, failure("100038", "22018", "Numeric value '" + *v + "' is not recognized", handle)};
                (c == 1 ? row.partition : c == 2 ? row.offset : row.timestamp_ms.emplace()) = *n;
            }
            row.key = text_value(b[4]);
            if (row.key && row.key->size() > table.key_max_length)
                return {422, failure("100074", "22001", "String '" + row.key->substr(0, 40) + "' is too long and would be truncated", handle)};
            if (auto content = text_value(b[5])) {
                json parsed = json::parse(*content, nullptr, false);
                if (parsed.is_discarded())
                    return {422, failure("100069", "22P02", "Error parsing JSON: " + content->substr(0, 40), handle)};
                row.content = parsed.dump();
            }
            source.push_back(std::move(row));
        }
        std::size_t inserted = 0;
        const std::size_t before = table.rows.size();
        for (auto& row : source) {
            bool matched = false;
            for (std::size_t i = 0; i < before && !matched; ++i) {
                const FakeRow& existing = table.rows[i];
                matched = existing.offset == row.offset && existing.partition == row.partition && existing.topic == row.topic;
            }
            if (!matched) {
                table.rows.push_back(std::move(row));
                ++inserted;
            }
        }
        return {200, success(handle, json::array({{"number of rows inserted", "fixed"}}),
                             json::array({json::array({std::to_string(inserted)})}))};
    }

    // A submission (or resubmission) answers 202 while polls are due; each poll uses one.
    HttpResponse answer(const std::string& handle, bool poll) {
        Pending& pending = statements[handle];
        if (pending.polls_left > 0) {
            if (poll) --pending.polls_left;
            return json_response(202, {{"code", "333334"},
                                       {"message", "Asynchronous execution in progress. Use provided query id to "
                                                   "perform query monitoring and management."},
                                       {"statementHandle", handle},
                                       {"statementStatusUrl", "/api/v2/statements/" + handle}});
        }
        return json_response(pending.outcome.status, pending.outcome.body);
    }

    HttpResponse submit(const HttpRequest& request) {
        auto content_type = request.header("content-type");
        if (!content_type || content_type->find("application/json") == std::string::npos)
            return bad_request("Content-Type must be application/json");
        if (!request.header("user-agent") || request.header("user-agent")->empty())
            return bad_request("User-Agent header is required");
        auto id = request.query.find("requestId");
        if (id != request.query.end() && !is_uuid(id->second)) return bad_request("requestId is not a UUID");
        json body = json::parse(request.body, nullptr, false);
        if (body.is_discarded() || !body.is_object()) return bad_request("Unable to parse the request body as JSON");
        if (!body.contains("statement") || !body["statement"].is_string() || body["statement"].get<std::string>().empty())
            return bad_request("The request body has no statement");
        json bindings = body.value("bindings", json::object());
        if (!bindings.is_object()) return bad_request("bindings must be an object");
        for (std::size_t i = 1; i <= bindings.size(); ++i) {
            auto it = bindings.find(std::to_string(i));
            if (it == bindings.end() || !it->is_object() || !(*it)["type"].is_string() || !it->contains("value") ||
                !((*it)["value"].is_string() || (*it)["value"].is_null()))
                return bad_request("binding " + std::to_string(i) + " is missing or malformed (needs type and value)");
        }
        if (id != request.query.end() && request.query.count("retry") && request.query.at("retry") == "true") {
            auto known = handle_of_request.find(id->second);
            if (known != handle_of_request.end()) {
                ++stats.answered_from_first_run;
                return answer(known->second, false);
            }
        }
        const std::string handle = new_handle();
        std::optional<Fault> fault = take_fault(Target::submit);
        if (fault && fault->status != 202 && !fault->drop_response) return fault_response(*fault, handle);
        const std::string statement = body["statement"];
        Outcome outcome;
        const std::size_t placeholders = count_placeholders(statement);
        if (placeholders != bindings.size())
            outcome = compile_error(handle, "error line 1 at position 0\nBind variable count mismatch: " +
                                                std::to_string(placeholders) + " placeholders, " +
                                                std::to_string(bindings.size()) + " bindings.",
                                    "002049", "42601");
        else
            outcome = execute(statement, bindings, handle);
        Pending& pending = statements[handle];
        pending.outcome = std::move(outcome);
        pending.polls_left = fault && fault->status == 202 ? std::max(1, fault->polls) : async_polls;
        if (id != request.query.end()) handle_of_request[id->second] = handle;
        if (fault && fault->drop_response) {
            HttpResponse lost;
            lost.drop_connection = true;
            return lost;
        }
        return answer(handle, false);
    }

    HttpResponse poll(const std::string& handle) {
        ++stats.polls;
        if (!statements.count(handle))
            return json_response(422, failure("000709", "02000", "Statement " + handle + " not found", handle));
        if (auto fault = take_fault(Target::poll)) return fault_response(*fault, handle);
        return answer(handle, true);
    }

    HttpResponse handle(const HttpRequest& request) {
        std::lock_guard lock(mutex);
        const std::string prefix = "/api/v2/statements";
        if (request.path != prefix && request.path.rfind(prefix + "/", 0) != 0)
            return HttpResponse::text(404, "Not Found");
        if (auto reason = authenticate(request)) return unauthorized(*reason);
        if (request.method == "POST" && request.path == prefix) {
            ++stats.submissions;
            return submit(request);
        }
        if (request.method == "GET" && request.path.size() > prefix.size() + 1)
            return poll(request.path.substr(prefix.size() + 1));
        return HttpResponse::text(405, "Method Not Allowed");
    }
};

FakeSnowflake::FakeSnowflake(Options options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    impl_->key = load_public_key(impl_->options.public_key_pem);
    impl_->server = std::make_unique<HttpTestServer>([this](const HttpRequest& r) { return impl_->handle(r); });
}

FakeSnowflake::~FakeSnowflake() {
    impl_->server.reset();  // no handler runs past this point
    EVP_PKEY_free(impl_->key.key);
}

std::string FakeSnowflake::url() const { return impl_->server->url(); }
HttpTestServer& FakeSnowflake::server() { return *impl_->server; }

void FakeSnowflake::create_table(const std::string& name, std::size_t key_max_length) {
    std::lock_guard lock(impl_->mutex);
    impl_->tables[upper(name)].key_max_length = key_max_length;
}

bool FakeSnowflake::has_table(const std::string& name) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->tables.count(upper(name)) > 0;
}

std::vector<FakeRow> FakeSnowflake::rows(const std::string& name) const {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->tables.find(upper(name));
    return it == impl_->tables.end() ? std::vector<FakeRow>{} : it->second.rows;
}

void FakeSnowflake::set_public_key(std::string pem) {
    PublicKey key = load_public_key(pem);
    std::lock_guard lock(impl_->mutex);
    EVP_PKEY_free(impl_->key.key);
    impl_->key = key;
    impl_->options.public_key_pem = std::move(pem);
}

void FakeSnowflake::inject(Fault fault, int times) {
    std::lock_guard lock(impl_->mutex);
    for (int i = 0; i < times; ++i) impl_->faults.push_back(fault);
}

void FakeSnowflake::clear_faults() {
    std::lock_guard lock(impl_->mutex);
    impl_->faults.clear();
}

void FakeSnowflake::set_async_polls(int polls) {
    std::lock_guard lock(impl_->mutex);
    impl_->async_polls = polls;
}

FakeSnowflake::Stats FakeSnowflake::stats() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->stats;
}

std::vector<std::string> FakeSnowflake::executed_statements() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->executed;
}

}  // namespace sluice::testing
