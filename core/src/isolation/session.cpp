#include "isolation/session.hpp"

#include "common/log.hpp"

#include <algorithm>
#include <chrono>

namespace sluice::isolation {

namespace {
using Clock = std::chrono::steady_clock;
constexpr size_t kLastLines = 8;
constexpr size_t kLineChars = 400;
constexpr int kSliceMs = 50;  // how often a waiting call refreshes the shared stop flag
constexpr auto kShutdownGrace = std::chrono::seconds(5);

log::Level level_of(int32_t level) {
    return level <= SLUICE_LOG_TRACE   ? log::Level::trace
           : level == SLUICE_LOG_DEBUG ? log::Level::debug
           : level == SLUICE_LOG_INFO  ? log::Level::info
           : level == SLUICE_LOG_WARN  ? log::Level::warn
                                       : log::Level::error;
}
}  // namespace

HostSession::HostSession(const RemoteSpec& spec, const sluice_host* host)
    : file_(spec.plugin->file),
      plugin_(spec.plugin->name),
      context_(spec.connector + "/" + std::to_string(spec.task_id)),
      timeout_ms_(spec.policy.call_timeout_ms),
      memory_max_(spec.policy.memory_max_bytes),
      stop_grace_ms_(spec.stop_grace_ms),
      host_(host) {}

std::unique_ptr<HostSession> HostSession::launch(const RemoteSpec& spec, const sluice_host* host, std::string& error) {
    std::unique_ptr<HostSession> s(new HostSession(spec, host));
    if (s->file_.empty()) {
        error = "plugin " + s->plugin_ + " is built into the worker (no .so file): it cannot run in a plugin host";
        return nullptr;
    }
    s->arena_ = Arena::create(error);
    if (!s->arena_) {
        error = "cannot start a plugin host for " + s->file_ + ": " + error;
        return nullptr;
    }
    s->process_ = HostProcess::spawn(s->arena_->fd(), error);
    if (!s->process_) {
        error = "cannot start a plugin host for " + s->file_ + ": " + error;
        return nullptr;
    }
    s->channel_ = std::make_unique<Channel>(s->process_->socket());
    return s;
}

Message HostSession::plugin_spec(const RemoteSpec& spec, Type type) {
    Message m;
    m.type = type;
    m.kind = static_cast<uint8_t>(spec.plugin->kind);
    m.file = spec.plugin->file;
    m.plugin = spec.plugin->name;
    m.worker_id = spec.worker_id;
    m.connector = spec.connector;
    m.task_id = spec.task_id;
    m.task_count = spec.task_count;
    m.memory_max_bytes = spec.policy.memory_max_bytes;
    for (const auto& [key, value] : spec.config)
        m.config.push_back({key, static_cast<uint8_t>(value.type), value.text, value.items, value.json});
    return m;
}

std::unique_ptr<HostSession> HostSession::start(const RemoteSpec& spec, const sluice_host* host, std::string& error) {
    auto s = launch(spec, host, error);
    if (!s) return nullptr;
    Message ready;
    plugin::Outcome out = s->call(plugin_spec(spec, Type::hello), "create", ready);
    if (!out.ok()) {
        error = out.message;
        return nullptr;
    }
    log::info("plugin ", s->plugin_, " runs in plugin host process ", s->process_->pid(), " (", s->file_, ")");
    return s;
}

plugin::Outcome HostSession::check(const RemoteSpec& spec, const sluice_host* host, Check which, Message& answer) {
    std::string error;
    auto s = launch(spec, host, error);
    if (!s) return {SLUICE_FATAL, error, -1};
    Message request = plugin_spec(spec, Type::check);
    request.check = which;
    s->ends_by_itself_ = true;
    log::debug("plugin ", s->plugin_, ": ", check_name(which), " runs in plugin host process ", s->process_->pid(), " (", s->file_, ")");
    return s->call(request, check_name(which), answer);
}

HostSession::~HostSession() {
    if (!process_) return;
    if (failure_.empty() && channel_ && !ends_by_itself_) {
        Message bye;
        bye.type = Type::shutdown;
        std::string error;
        if (channel_->send(bye, 1000, error)) {
            // The instance's destroy() runs now; its log lines still come through.
            Message m;
            const auto deadline = Clock::now() + kShutdownGrace;
            while (Clock::now() < deadline) {
                auto got = channel_->receive(m, kSliceMs, process_->pidfd(), error);
                if (got == Channel::Got::message && m.type == Type::log) serve(m, error);
                else if (got == Channel::Got::message && m.type == Type::done) continue;  // a prefetched poll's, dropped
                else if (got != Channel::Got::timeout) break;
            }
        }
    }
    channel_.reset();  // EOF for a host still reading
    const std::string ending = process_->reap(failure_.empty() ? kShutdownGrace : std::chrono::milliseconds(0));
    if (failure_.empty() && ending != "exited with status 0") log::warn("plugin host of ", plugin_, " ", ending, " at stop");
}

void HostSession::remember(std::string line) {
    if (line.size() > kLineChars) line = line.substr(0, kLineChars) + "...";
    last_lines_.push_back(std::move(line));
    if (last_lines_.size() > kLastLines) last_lines_.pop_front();
}

plugin::Outcome HostSession::failed(std::string_view callback, const std::string& reason) {
    if (failure_.empty()) {
        process_->kill();
        const std::string ending = process_->reap(std::chrono::milliseconds(0));
        std::string lines;
        for (const auto& l : last_lines_) lines += (lines.empty() ? "" : " | ") + l;
        failure_ = "plugin " + plugin_ + " (" + file_ + "), isolated in a plugin host: " + std::string(callback) + ": " + reason +
                   " (host " + ending + "). Last log lines of the host: " + (lines.empty() ? "none" : lines);
        log::error(failure_);
    }
    return {SLUICE_FATAL, failure_, -1};
}

plugin::Outcome HostSession::violation(std::string_view callback, const std::string& what) {
    return failed(callback, "the plugin host broke the protocol (" + what + "), so it was killed");
}

bool HostSession::serve(const Message& m, std::string& error) {
    switch (m.type) {
    case Type::log: {
        std::string text = plugin::shown_message(m.text);
        log::write(level_of(m.level), context_, text);
        remember(std::move(text));
        return true;
    }
    case Type::stored_offset: {
        Message answer;
        answer.type = Type::stored_offset_answer;
        if (host_->stored_offset != nullptr) {
            const char* found = host_->stored_offset(host_->opaque, m.text.c_str(), m.text.size());
            answer.found = found != nullptr;
            if (found) answer.text = found;
        }
        return channel_->send(answer, static_cast<int>(timeout_ms_), error);
    }
    case Type::report_errant: {
        std::vector<sluice_header> headers;
        std::vector<const sluice_header*> pointers;
        const sluice_record record = view(m.record, headers, pointers);
        Message answer;
        answer.type = Type::errant_answer;
        answer.status = host_->report_errant(host_->opaque, &record, m.message.data(), m.message.size());
        return channel_->send(answer, static_cast<int>(timeout_ms_), error);
    }
    default: error = "unexpected " + std::string(type_name(m.type)) + " frame during a call"; return false;
    }
}

plugin::Outcome HostSession::call(const Message& request, std::string_view callback, Message& done) {
    if (!begin(request, callback)) return {SLUICE_FATAL, failure_, -1};
    return end(callback, done);
}

bool HostSession::begin(const Message& request, std::string_view callback) {
    if (!failure_.empty()) return false;
    const uint32_t stopping = host_->stopping != nullptr && host_->stopping(host_->opaque) ? 1 : 0;
    arena_->stop_flag().store(stopping, std::memory_order_relaxed);
    std::string error;
    if (!channel_->send(request, static_cast<int>(timeout_ms_), error)) {
        if (error.rfind("timed out", 0) == 0) failed(callback, "the plugin host does not read its socket: " + error);
        else failed(callback, "the plugin host is gone");
        return false;
    }
    expected_ = request.type == Type::hello ? Type::ready : request.type == Type::check ? Type::checked : Type::done;
    deadline_ = Clock::now() + std::chrono::milliseconds(timeout_ms_);
    return true;
}

plugin::Outcome HostSession::end(std::string_view callback, Message& done) {
    if (!failure_.empty()) return {SLUICE_FATAL, failure_, -1};
    std::string error;
    for (;;) {
        // An answer that is already there counts, however late it is read (a prefetched poll).
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
        Message m;
        switch (channel_->receive(m, static_cast<int>(std::clamp<int64_t>(left, 0, kSliceMs)), process_->pidfd(), error)) {
        case Channel::Got::timeout:
            if (Clock::now() >= deadline_)
                return failed(callback, "no answer within plugin.call.timeout.ms (" + std::to_string(timeout_ms_) +
                                            " ms), so the plugin host was killed");
            if (host_->stopping != nullptr && host_->stopping(host_->opaque)) {
                arena_->stop_flag().store(1, std::memory_order_relaxed);
                if (!stop_seen_) stop_seen_ = Clock::now();
                // A stopping worker waits shutdown.timeout.ms for a plugin, not plugin.call.timeout.ms.
                if (Clock::now() - *stop_seen_ >= std::chrono::milliseconds(stop_grace_ms_))
                    return failed(callback, "still no answer " + std::to_string(stop_grace_ms_) +
                                                " ms (shutdown.timeout.ms) after the task was asked to stop, so the plugin host was killed");
            }
            continue;
        case Channel::Got::closed: {
            const std::string ending = process_->reap(std::chrono::milliseconds(1000));
            std::string why = "the plugin host died during the call";
            if (ending == "exited with status " + std::to_string(kOutOfMemoryExit))
                why = "the plugin host ran out of memory (plugin.memory.max.bytes is " + std::to_string(memory_max_) + ")";
            else if (memory_max_ > 0)
                why += " (its memory limit plugin.memory.max.bytes is " + std::to_string(memory_max_) + " bytes)";
            return failed(callback, why);
        }
        case Channel::Got::violation: return violation(callback, error);
        case Channel::Got::message: break;
        }
        if (m.type == expected_) {
            if (m.version != kProtocolVersion && expected_ == Type::ready)
                return violation(callback, "it speaks protocol version " + std::to_string(m.version) + ", the worker " +
                                               std::to_string(kProtocolVersion));
            if (expected_ == Type::done && !arena_->follow(m.arena_size, error)) return violation(callback, error);
            done = std::move(m);
            plugin::Outcome out{static_cast<sluice_status>(done.status), plugin::shown_message(done.message), done.record_index};
            return out;
        }
        if (!serve(m, error)) return violation(callback, error);
    }
}

}  // namespace sluice::isolation
