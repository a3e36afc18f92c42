#include "isolation/plugin_host.hpp"

#include "isolation/arena.hpp"
#include "isolation/channel.hpp"
#include "isolation/host_process.hpp"
#include "plugin/instance.hpp"
#include "plugin/loader.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <mutex>
#include <new>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <variant>

namespace sluice::isolation {

namespace {

std::atomic<bool> out_of_memory{false};
std::string memory_note;  // what an answer says after an allocation failed

// What the plugin's callbacks reach: the worker, over the socket, during a call.
class HostSide {
public:
    HostSide(Channel& channel, Arena& arena, const Message& hello)
        : channel_(channel), arena_(arena), worker_id_(hello.worker_id), connector_(hello.connector), plugin_(hello.plugin) {
        host_.opaque = this;
        host_.worker_id = worker_id_.c_str();
        host_.connector = connector_.c_str();
        host_.plugin = plugin_.c_str();
        host_.task_id = hello.task_id;
        host_.task_count = hello.task_count;
        host_.log = &HostSide::log;
        host_.stored_offset = hello.kind == static_cast<uint8_t>(config::ConnectorKind::source) ? &HostSide::stored_offset : nullptr;
        host_.stopping = &HostSide::stopping;
        host_.report_errant = &HostSide::report_errant;
    }
    const sluice_host* get() const { return &host_; }

    // Calls are made on one thread; callbacks that need an answer are allowed from it and,
    // one at a time, from the plugin's own threads while a call is running.
    void in_call(bool on) {
        std::lock_guard lock(mutex_);
        in_call_ = on;
    }

    bool send(const Message& m) {
        std::lock_guard lock(mutex_);
        std::string error;
        return channel_.send(m, -1, error);
    }

private:
    // A request and its answer, under the lock (no other frame may come between them).
    bool ask(const Message& request, Type answer_type, Message& answer) {
        std::lock_guard lock(mutex_);
        if (!in_call_) return false;
        std::string error;
        if (!channel_.send(request, -1, error)) return false;
        if (channel_.receive(answer, -1, -1, error) != Channel::Got::message || answer.type != answer_type) std::_Exit(3);
        return true;
    }

    static void log(void* self, sluice_log_level level, const char* message, size_t length) {
        if (message == nullptr) return;
        Message m;
        m.type = Type::log;
        m.level = level;
        m.text.assign(message, std::min<size_t>(length, 64 * 1024));
        static_cast<HostSide*>(self)->send(m);
    }

    static const char* stored_offset(void* self, const char* partition, size_t length) {
        auto* h = static_cast<HostSide*>(self);
        if (partition == nullptr) return nullptr;
        Message request, answer;
        request.type = Type::stored_offset;
        request.text.assign(partition, length);
        if (!h->ask(request, Type::stored_offset_answer, answer) || !answer.found) return nullptr;
        std::lock_guard lock(h->mutex_);
        return h->handed_out_.emplace_back(std::move(answer.text)).c_str();
    }

    static int32_t stopping(void* self) {
        return static_cast<HostSide*>(self)->arena_.stop_flag().load(std::memory_order_relaxed) != 0 ? 1 : 0;
    }

    static sluice_status report_errant(void* self, const sluice_record* record, const char* message, size_t length) {
        auto* h = static_cast<HostSide*>(self);
        if (record == nullptr || record->struct_size < offsetof(sluice_record, value) + sizeof(record->value)) return SLUICE_FATAL;
        Message request, answer;
        request.type = Type::report_errant;
        request.record = own(*record);
        if (message != nullptr) request.message.assign(message, length);
        fit_errant(request);  // a record too large for a frame must not end the host
        if (!h->ask(request, Type::errant_answer, answer)) return SLUICE_FATAL;
        return static_cast<sluice_status>(answer.status);
    }

    Channel& channel_;
    Arena& arena_;
    std::string worker_id_, connector_, plugin_;
    std::mutex mutex_;
    bool in_call_ = false;
    std::deque<std::string> handed_out_;
    sluice_host host_{};
};

// The source writer of one poll: records straight into the arena.
struct ArenaWriter {
    Arena& arena;
    RecordWriter records;
    uint32_t count = 0;
    sluice_batch_writer writer{};

    ArenaWriter(Arena& a, uint32_t max_records)
        : arena(a), records(a.data(), Arena::kHeaderBytes, a.size(), &grow_arena, &a) {
        writer.opaque = this;
        writer.max_records = max_records;
        writer.append = &ArenaWriter::append;
    }
    static sluice_status append(void* self, const sluice_record* record, sluice_error* err) {
        auto* w = static_cast<ArenaWriter*>(self);
        std::string error = record == nullptr ? record_problem(record) : std::string();
        if (record != nullptr && w->records.append(*record, error)) {
            ++w->count;
            return SLUICE_OK;
        }
        if (err != nullptr && err->message != nullptr && err->capacity > 0) {
            size_t n = std::min(error.size(), err->capacity - 1);
            std::memcpy(err->message, error.data(), n);
            err->message[n] = '\0';
        }
        return SLUICE_ERROR;
    }
};

void fill(Message& done, const plugin::Outcome& out) {
    done.type = Type::done;
    done.status = out.status;
    done.message = out.message;
    done.record_index = out.record_index;
}

// After a call in which an allocation failed, the host's state cannot be trusted (the
// plugin may have caught the failure half-way): it says why and ends, as the kernel's
// OOM killer would have ended it, and the worker fails the task.
void end_if_out_of_memory(HostSide& side) {
    if (!out_of_memory.load()) return;
    Message m;
    m.type = Type::log;
    m.level = SLUICE_LOG_ERROR;
    m.text = memory_note;
    side.send(m);
    std::_Exit(kOutOfMemoryExit);
}
std::vector<sluice_topic_partition> partitions(const std::vector<Position>& ps, std::vector<sluice_topic_partition*>& pointers) {
    std::vector<sluice_topic_partition> out;
    out.reserve(ps.size());
    for (const auto& p : ps) out.push_back({p.topic.c_str(), p.partition, p.offset});
    pointers.clear();
    for (auto& p : out) pointers.push_back(&p);
    return out;
}

// The answer to hello (ready) or check (checked) when the plugin cannot even be loaded.
[[noreturn]] void refuse(Channel& channel, Type answer, const std::string& message) {
    Message ready;
    ready.type = answer;
    ready.version = kProtocolVersion;
    ready.status = SLUICE_FATAL;
    ready.message = message;
    std::string error;
    channel.send(ready, 5000, error);
    std::_Exit(0);
}

// A check: the plugin's test or validate on the configuration, no instance, then the host
// ends (one check per host: what the plugin did in it leaves nothing behind in the next).
[[noreturn]] void run_check(Channel& channel, Arena& arena, const Message& request, const plugin::PluginPtr& plugin,
                            const config::Resolved& config) {
    HostSide side(channel, arena, request);
    Message answer;
    answer.type = Type::checked;
    plugin::Outcome out;
    side.in_call(true);
    if (request.check == Check::test) {
        out = plugin::preflight(*plugin, config, side.get());
    } else if (plugin->facts.validate) {
        for (auto& problem : plugin->facts.validate(plugin->facts.schema, config))
            answer.problems.emplace_back(std::move(problem.key), std::move(problem.message));
    }
    side.in_call(false);
    end_if_out_of_memory(side);
    answer.status = out.status;
    answer.message = out.message;
    answer.record_index = out.record_index;
    side.send(answer);
    std::_Exit(0);
}

}  // namespace

int plugin_host_main(int argc, char** argv) {
    ::prctl(PR_SET_NAME, "sluice-plugin");  // in ps and top, instead of "exe"
    // Started by a worker that may be gone already (PR_SET_PDEATHSIG was set before exec).
    if (argc < 3 || ::getppid() != static_cast<pid_t>(std::atoll(argv[2]))) {
        std::cerr << "sluice plugin-host is started by the worker only (plugin.isolation: process)\n";
        return 2;
    }
    // What the plugin forks dies with this host and does not hold the worker's socket open.
    ::pthread_atfork(nullptr, nullptr, [] {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::close(kHostSocketFd);
    });
    std::set_new_handler([] {
        out_of_memory = true;  // said in the answer of the call that ran out
        throw std::bad_alloc();
    });
    Channel channel(kHostSocketFd);
    std::string error;
    auto arena = Arena::attach(kHostArenaFd, error);
    if (!arena) return 2;
    Message hello;
    if (channel.receive(hello, -1, -1, error) != Channel::Got::message || (hello.type != Type::hello && hello.type != Type::check))
        return 2;
    const Type answer = hello.type == Type::check ? Type::checked : Type::ready;
    if (hello.version != kProtocolVersion)
        refuse(channel, answer, "the plugin host speaks protocol version " + std::to_string(kProtocolVersion) + ", the worker " +
                            std::to_string(hello.version));
    if (hello.memory_max_bytes > 0) {
        rlimit limit{static_cast<rlim_t>(hello.memory_max_bytes), static_cast<rlim_t>(hello.memory_max_bytes)};
        if (::setrlimit(RLIMIT_AS, &limit) != 0) refuse(channel, answer, std::string("cannot set the memory limit: ") + std::strerror(errno));
    }
    memory_note = "an allocation failed in the plugin host" +
                  (hello.memory_max_bytes > 0 ? " (plugin.memory.max.bytes is " + std::to_string(hello.memory_max_bytes) + ")" : std::string());
    auto loaded = plugin::load_plugin_file(hello.file);
    if (auto* refusal = std::get_if<plugin::Refusal>(&loaded)) refuse(channel, answer, "plugin file refused: " + refusal->reason);
    plugin::PluginPtr plugin;
    for (const auto& p : std::get<std::vector<plugin::PluginPtr>>(loaded))
        if (p->name == hello.plugin && static_cast<uint8_t>(p->kind) == hello.kind) plugin = p;
    if (!plugin) refuse(channel, answer, hello.file + " no longer holds the plugin " + hello.plugin);
    config::Resolved config;
    for (auto& e : hello.config) {
        config::Value v;
        v.type = static_cast<config::ValueType>(e.type);
        v.text = std::move(e.text);
        v.items = std::move(e.items);
        v.json = std::move(e.json);
        config[e.key] = std::move(v);
    }
    if (hello.type == Type::check) run_check(channel, *arena, hello, plugin, config);

    HostSide side(channel, *arena, hello);
    std::unique_ptr<plugin::Source> source;
    std::unique_ptr<plugin::Sink> sink;
    plugin::Outcome created;
    side.in_call(true);
    if (plugin->kind == config::ConnectorKind::source) {
        auto made = plugin::SourceInstance::create(plugin, config, side.get());
        if (auto* o = std::get_if<plugin::Outcome>(&made)) created = *o;
        else source = std::get<std::unique_ptr<plugin::SourceInstance>>(std::move(made));
    } else if (plugin->kind == config::ConnectorKind::sink) {
        auto made = plugin::SinkInstance::create(plugin, config, side.get());
        if (auto* o = std::get_if<plugin::Outcome>(&made)) created = *o;
        else sink = std::get<std::unique_ptr<plugin::SinkInstance>>(std::move(made));
    } else {
        created = {SLUICE_FATAL, "only sources and sinks run in a plugin host", -1};
    }
    side.in_call(false);
    end_if_out_of_memory(side);
    Message ready;
    fill(ready, created);
    ready.type = Type::ready;
    ready.version = kProtocolVersion;
    if (!side.send(ready) || !created.ok()) std::_Exit(0);

    DecodedBatch batch;
    for (;;) {
        Message m;
        if (channel.receive(m, -1, -1, error) != Channel::Got::message) std::_Exit(0);  // the worker is gone, or spoke nonsense
        Message done;
        plugin::Outcome out;
        side.in_call(true);
        switch (m.type) {
        case Type::poll: {
            if (!source) std::_Exit(3);
            ArenaWriter writer(*arena, m.max_records);
            out = source->poll(&writer.writer, m.timeout_ms);
            done.count = writer.count;
            done.arena_used = writer.records.used();
            break;
        }
        case Type::commit: {
            if (!source) std::_Exit(3);
            std::vector<sluice_source_offset> raw;
            std::vector<const sluice_source_offset*> pointers;
            for (const auto& [p, o] : m.offsets) raw.push_back({{p.data(), p.size()}, {o.data(), o.size()}});
            for (const auto& r : raw) pointers.push_back(&r);
            out = source->commit(pointers.data(), pointers.size());
            break;
        }
        case Type::put: {
            if (!sink) std::_Exit(3);
            if (!arena->follow(m.arena_size, error) || m.arena_used > arena->size() || m.arena_used < Arena::kHeaderBytes ||
                !decode_batch(arena->data(), Arena::kHeaderBytes, m.arena_used, m.count, batch, error))
                std::_Exit(3);
            out = sink->put(batch.pointers.data(), batch.pointers.size());
            break;
        }
        case Type::flush:
        case Type::open:
        case Type::close: {
            if (!sink) std::_Exit(3);
            std::vector<sluice_topic_partition*> pointers;
            auto parts = partitions(m.positions, pointers);
            out = m.type == Type::flush  ? sink->flush(pointers.data(), pointers.size())
                  : m.type == Type::open ? sink->open(pointers.data(), pointers.size())
                                         : sink->close(pointers.data(), pointers.size());
            for (const auto& p : parts) done.positions.push_back({p.topic, p.partition, p.offset});
            break;
        }
        case Type::shutdown:
            side.in_call(true);
            source.reset();
            sink.reset();
            std::_Exit(0);
        default: std::_Exit(3);
        }
        side.in_call(false);
        end_if_out_of_memory(side);
        fill(done, out);
        done.arena_size = arena->size();
        if (!side.send(done)) std::_Exit(0);
    }
}

}  // namespace sluice::isolation
