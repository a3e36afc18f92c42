#include <sluice/http_retry.hpp>
#include <sluice/sdk/text.hpp>

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>

namespace sluice::http {

using text::trim;
namespace {


bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Until `when`, from `now`; zero when past.
std::chrono::milliseconds until(std::chrono::system_clock::time_point when, std::chrono::system_clock::time_point now) {
    if (when <= now) return std::chrono::milliseconds(0);
    return std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
}

// Ten digits of seconds and more is over 300 years: enough to say "very long".
std::chrono::milliseconds seconds(std::string_view digits) {
    if (digits.size() > 9) return std::chrono::milliseconds(999999999LL * 1000);
    return std::chrono::milliseconds(std::stoll(std::string(digits)) * 1000);
}

}  // namespace

std::optional<std::chrono::milliseconds> retry_after(const Response& response, std::chrono::system_clock::time_point now) {
    auto value = response.header("retry-after");
    if (!value) return std::nullopt;
    std::string_view text = trim(*value);
    if (text.empty()) return std::nullopt;
    if (all_digits(text)) return seconds(text);
    // HTTP-date; curl_getdate understands RFC 1123, RFC 850 and asctime forms.
    const time_t when = curl_getdate(std::string(text).c_str(), nullptr);
    if (when == -1) return std::nullopt;
    return until(std::chrono::system_clock::from_time_t(when), now);
}

RetryPolicy::RetryPolicy(RetrySettings settings, Random random, WallClock now)
    : settings_(settings), random_(std::move(random)), now_(std::move(now)) {
    settings_.backoff = std::max(settings_.backoff, std::chrono::milliseconds(1));
    settings_.backoff_max = std::max(settings_.backoff_max, settings_.backoff);
    if (!random_) random_ = [rng = std::mt19937_64(std::random_device{}())]() mutable { return rng(); };
    if (!now_) now_ = [] { return std::chrono::system_clock::now(); };
}

std::chrono::milliseconds RetryPolicy::delay(int failures, std::optional<std::chrono::milliseconds> server_asks) const {
    if (server_asks) return std::clamp(*server_asks, std::chrono::milliseconds(0), settings_.backoff_max);
    // backoff * 2^(failures-1), without overflow: stop doubling at the cap.
    std::int64_t ceiling = settings_.backoff.count();
    for (int i = 1; i < failures && ceiling < settings_.backoff_max.count(); ++i) ceiling *= 2;
    ceiling = std::min<std::int64_t>(ceiling, settings_.backoff_max.count());
    // The 64 random bits scaled onto [0, ceiling]: 0 waits nothing, the highest draw the ceiling.
    __extension__ using Wide = unsigned __int128;  // GCC and Clang; __extension__ keeps -Wpedantic quiet
    const Wide scaled = (static_cast<Wide>(random_()) * static_cast<std::uint64_t>(ceiling + 1)) >> 64;
    return std::chrono::milliseconds(static_cast<std::int64_t>(scaled));
}

std::optional<std::chrono::milliseconds> RetryPolicy::server_asks(const Response& response) const {
    return requested_wait(response, now_());
}

std::optional<std::chrono::milliseconds> requested_wait(const Response& response, std::chrono::system_clock::time_point now) {
    if (auto asked = retry_after(response, now)) return asked;
    auto reset = response.header("x-ratelimit-reset");
    if (!reset) return std::nullopt;
    const std::string_view text = trim(*reset);
    if (!all_digits(text)) return std::nullopt;
    // Epoch seconds (GitHub, many APIs) or seconds from now (others): a value past 2001 in
    // epoch seconds is a time, not a wait.
    if (text.size() >= 10 && text.size() <= 12 && std::stoll(std::string(text)) > 1000000000LL)
        return until(std::chrono::system_clock::from_time_t(static_cast<time_t>(std::stoll(std::string(text)))), now);
    return seconds(text);
}

}  // namespace sluice::http
