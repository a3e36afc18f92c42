#include "runtime/tap.hpp"

#include <algorithm>

namespace sluice::runtime {

namespace {
std::optional<std::string> copy_cut(const char* data, size_t size, bool& truncated) {
    if (data == nullptr) return std::nullopt;
    if (size > TapRecord::kMaxBytes) {
        truncated = true;
        size = TapRecord::kMaxBytes;
    }
    return std::string(data, size);
}
}  // namespace

void TapRecord::set_key(const char* data, size_t size) { key = copy_cut(data, size, truncated); }
void TapRecord::set_value(const char* data, size_t size) { value = copy_cut(data, size, truncated); }

void fill_tap_record(TapRecord& r, const sluice_record& rec) {
    r.topic.assign(rec.topic.data ? rec.topic.data : "", rec.topic.data ? rec.topic.size : 0);
    r.partition = rec.partition;
    r.offset = rec.offset;
    r.timestamp_ms = rec.timestamp_ms;
    r.set_key(rec.key.data, rec.key.size);
    r.set_value(rec.value.data, rec.value.size);
    for (size_t i = 0; i < rec.header_count; ++i) {
        const sluice_header* h = rec.headers[i];
        r.headers.emplace_back(std::string(h->key.data ? h->key.data : "", h->key.data ? h->key.size : 0),
                               h->value.data ? std::optional<std::string>(std::string(h->value.data, std::min(h->value.size, TapRecord::kMaxBytes)))
                                             : std::nullopt);
    }
}

TapWatcher::TapWatcher(Options options)
    : options_(options), tokens_(std::max(1.0, options.max_rate)), refilled_(std::chrono::steady_clock::now()) {}

bool TapWatcher::admit() {
    std::lock_guard lock(mutex_);
    sampled_ += options_.sample;
    if (sampled_ + 1e-9 < 1.0) return false;  // sampled out: not a loss, what was asked for
    sampled_ -= 1.0;
    const auto now = std::chrono::steady_clock::now();
    const double burst = std::max(1.0, options_.max_rate);
    tokens_ = std::min(burst, tokens_ + std::chrono::duration<double>(now - refilled_).count() * options_.max_rate);
    refilled_ = now;
    if (tokens_ < 1.0) {
        ++rate_limited_;
        return false;
    }
    tokens_ -= 1.0;
    return true;
}

void TapWatcher::push(std::shared_ptr<const TapRecord> record) {
    std::lock_guard lock(mutex_);
    if (ring_.size() >= std::max<size_t>(1, options_.buffer)) {
        ring_.pop_front();  // the reader is behind: it loses the oldest
        ++dropped_;
    }
    ring_.push_back(std::move(record));
}

TapWatcher::Batch TapWatcher::take() {
    std::lock_guard lock(mutex_);
    Batch b;
    b.records.assign(ring_.begin(), ring_.end());
    ring_.clear();
    b.dropped = std::exchange(dropped_, 0);
    b.rate_limited = std::exchange(rate_limited_, 0);
    return b;
}

void TapChannel::offer(const std::function<void(TapRecord&)>& build) {
    std::vector<std::shared_ptr<TapWatcher>> takers;
    {
        std::lock_guard lock(mutex_);
        for (const auto& w : list_)
            if (w->admit()) takers.push_back(w);
    }
    if (takers.empty()) return;
    auto record = std::make_shared<TapRecord>();
    build(*record);
    for (const auto& w : takers) w->push(record);
}

void TapChannel::add(const std::shared_ptr<TapWatcher>& w) {
    std::lock_guard lock(mutex_);
    list_.push_back(w);
    watchers_.store(static_cast<int>(list_.size()));
}

void TapChannel::remove(const TapWatcher* w) {
    std::lock_guard lock(mutex_);
    list_.erase(std::remove_if(list_.begin(), list_.end(), [w](const auto& p) { return p.get() == w; }), list_.end());
    watchers_.store(static_cast<int>(list_.size()));
}

TapHub& TapHub::instance() {
    static TapHub hub;
    return hub;
}

std::shared_ptr<TapChannel> TapHub::channel(const std::string& connector) {
    std::lock_guard lock(mutex_);
    auto& c = channels_[connector];
    if (!c) c = std::make_shared<TapChannel>();
    return c;
}

TapHub::Subscription::~Subscription() {
    if (channel && watcher) channel->remove(watcher.get());
}

std::unique_ptr<TapHub::Subscription> TapHub::subscribe(const std::string& connector, TapWatcher::Options options) {
    auto s = std::make_unique<Subscription>();
    s->channel = channel(connector);
    s->watcher = std::make_shared<TapWatcher>(options);
    s->channel->add(s->watcher);
    return s;
}

size_t TapHub::watchers() const {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const auto& [name, c] : channels_) n += c->watchers();
    return n;
}

}  // namespace sluice::runtime
