#include "sluice/http_client.hpp"
#include <sluice/sdk/text.hpp>
#include "sluice/http_retry.hpp"

#include <curl/curl.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <exception>
#include <mutex>

namespace sluice::http {

using text::trim;
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}


// curl_global_init is not thread-safe before curl 7.84; do it once, whichever task comes first.
void global_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Where the body goes: Response::body, or the request's on_body for 2xx answers.
struct BodyTarget {
    CURL* curl;
    std::string* body;
    const std::function<void(std::string_view)>* sink;
    std::exception_ptr error;  // thrown by the sink; rethrown once curl has given up
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* target = static_cast<BodyTarget*>(user);
    if (*target->sink) {
        long status = 0;
        curl_easy_getinfo(target->curl, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status < 300) {
            try {
                (*target->sink)(std::string_view(data, size * count));
            } catch (...) {
                target->error = std::current_exception();
                return 0;  // makes curl abort with CURLE_WRITE_ERROR
            }
            return size * count;
        }
    }
    target->body->append(data, size * count);
    return size * count;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* cancelled = static_cast<const std::function<bool()>*>(user);
    return (*cancelled)() ? 1 : 0;  // non-zero aborts with CURLE_ABORTED_BY_CALLBACK
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* headers = static_cast<std::vector<Header>*>(user);
    std::string_view line(data, size * count);
    // A status line starts a new response (redirect or 100-continue): keep the last one's headers.
    if (line.starts_with("HTTP/")) {
        headers->clear();
        return size * count;
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos)
        headers->push_back({lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
    return size * count;
}

bool is_secret_param(std::string_view name) {
    static constexpr std::string_view secret_names[] = {
        "apikey", "api_key", "appid", "app_id", "key", "token", "access_token", "password",
        "passwd", "secret", "client_secret", "signature", "sig", "auth", "authorization"};
    std::string n = lower(name);
    return std::find(std::begin(secret_names), std::end(secret_names), n) != std::end(secret_names);
}

}  // namespace

std::optional<std::string> Response::header(std::string_view name) const {
    std::string wanted = lower(name);
    for (const auto& h : headers)
        if (h.name == wanted) return h.value;
    return std::nullopt;
}

struct Client::Impl {
    Options options;
    CURL* curl = nullptr;
};

Client::Client() : Client(Options{}) {}

Client::Client(Options options) : impl_(new Impl{std::move(options)}) {
    global_init_once();
    impl_->curl = curl_easy_init();
    if (!impl_->curl) {
        delete impl_;
        throw TransportError("cannot initialise libcurl", false);
    }
}

Client::~Client() {
    if (impl_) {
        curl_easy_cleanup(impl_->curl);
        delete impl_;
    }
}

Client::Client(Client&& other) noexcept : impl_(std::exchange(other.impl_, nullptr)) {}

Client& Client::operator=(Client&& other) noexcept {
    if (this != &other) {
        if (impl_) {
            curl_easy_cleanup(impl_->curl);
            delete impl_;
        }
        impl_ = std::exchange(other.impl_, nullptr);
    }
    return *this;
}

Response Client::send(const Request& request) {
    if (!impl_) throw std::logic_error("http::Client used after move");
    CURL* curl = impl_->curl;
    const Options& opt = impl_->options;
    // Reset forgets the previous request's options but keeps the connection cache, so the
    // next request to the same host reuses the open connection.
    curl_easy_reset(curl);

    Response response;
    char error_buffer[CURL_ERROR_SIZE] = {0};
    const std::string_view given = request.body_view ? *request.body_view : std::string_view(request.body);
    std::string body = request.gzip_body ? gzip_compress(given) : std::string();
    const std::string_view payload = request.gzip_body ? std::string_view(body) : given;

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(opt.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_USERAGENT, opt.user_agent.c_str());
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, opt.verify_tls ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, opt.verify_tls ? 2L : 0L);
    if (!opt.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, opt.ca_file.c_str());
    // "" = every encoding this libcurl can decode (gzip, deflate, ...); the body arrives decoded.
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    BodyTarget body_target{curl, &response.body, &request.on_body, nullptr};
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body_target);
    if (request.cancelled) {
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &request.cancelled);
    }
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);

    if (request.basic_auth) {
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(curl, CURLOPT_USERNAME, request.basic_auth->first.c_str());
        curl_easy_setopt(curl, CURLOPT_PASSWORD, request.basic_auth->second.c_str());
    }
    std::string sigv4_provider;
    if (request.aws_sigv4) {
        const auto& aws = *request.aws_sigv4;
        sigv4_provider = "aws:amz:" + aws.region + ":" + aws.service;
        curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4_provider.c_str());
        curl_easy_setopt(curl, CURLOPT_USERNAME, aws.access_key.c_str());
        curl_easy_setopt(curl, CURLOPT_PASSWORD, aws.secret_key.c_str());
    }

    const std::string method = request.method.empty() ? std::string("GET") : request.method;
    if (method == "GET") {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else {
        if (method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
        if (!payload.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
            curl_easy_setopt(curl, CURLOPT_POST, 1L);
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.data() != nullptr ? payload.data() : "");
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
        }
    }

    curl_slist* header_list = nullptr;
    for (const auto& h : request.headers)
        header_list = curl_slist_append(header_list, (h.name + ": " + h.value).c_str());
    if (request.gzip_body) header_list = curl_slist_append(header_list, "Content-Encoding: gzip");
    // No "Expect: 100-continue" round trip for large bodies: most APIs answer at once anyway.
    // Not with SigV4: libcurl 7.88 signs every header of the list, this empty one included,
    // which it then does not send, so AWS would refuse the signature.
    if (!request.aws_sigv4) header_list = curl_slist_append(header_list, "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);

    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(header_list);
    if (body_target.error) std::rethrow_exception(body_target.error);
    if (rc != CURLE_OK) {
        std::string detail = error_buffer[0] ? std::string(error_buffer) : curl_easy_strerror(rc);
        while (!detail.empty() && detail.back() == '\n') detail.pop_back();
        throw TransportError(method + " " + redact_url(request.url) + ": " + detail,
                             rc == CURLE_OPERATION_TIMEDOUT);
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &response.total_seconds);
    return response;
}

std::string url_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string redact_url(std::string_view url) {
    std::string out;
    // user:password@ between "scheme://" and the host.
    auto scheme_end = url.find("://");
    size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
    size_t authority_end = url.find_first_of("/?#", authority_start);
    if (authority_end == std::string_view::npos) authority_end = url.size();
    auto at = url.substr(authority_start, authority_end - authority_start).rfind('@');
    out.append(url.substr(0, authority_start));
    if (at != std::string_view::npos)
        out.append(url.substr(authority_start + at + 1, authority_end - authority_start - at - 1));
    else
        out.append(url.substr(authority_start, authority_end - authority_start));
    std::string_view rest = url.substr(authority_end);

    auto query = rest.find('?');
    if (query == std::string_view::npos) {
        out.append(rest);
        return out;
    }
    out.append(rest.substr(0, query + 1));
    std::string_view params = rest.substr(query + 1);
    std::string_view fragment;
    if (auto hash = params.find('#'); hash != std::string_view::npos) {
        fragment = params.substr(hash);
        params = params.substr(0, hash);
    }
    bool first = true;
    while (true) {
        auto amp = params.find('&');
        std::string_view param = params.substr(0, amp);
        if (!first) out.push_back('&');
        first = false;
        auto eq = param.find('=');
        if (eq != std::string_view::npos && is_secret_param(param.substr(0, eq))) {
            out.append(param.substr(0, eq + 1));
            out.append("***");
        } else {
            out.append(param);
        }
        if (amp == std::string_view::npos) break;
        params = params.substr(amp + 1);
    }
    out.append(fragment);
    return out;
}

std::optional<std::chrono::milliseconds> retry_after(const Response& response) {
    return retry_after(response, std::chrono::system_clock::now());
}

bool is_retriable_status(long status) {
    return status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

std::string gzip_compress(std::string_view data) {
    z_stream zs{};
    // windowBits 15 + 16 = gzip wrapper instead of zlib's.
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("gzip: deflateInit2 failed");
    std::string out;
    out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("gzip: deflate did not finish");
    out.resize(zs.total_out);
    return out;
}

}  // namespace sluice::http
