// Drives a plugin through its C ABI, the way the worker does, without a worker: a fake
// host, a config built from text values (declared defaults applied), a capturing batch
// writer. Plugin unit tests compile the plugin's sources into the test executable and
// reach its descriptors through sluice_plugin_manifest().
#pragma once

#include <sluice/abi.h>

#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

extern "C" const sluice_manifest* sluice_plugin_manifest(uint32_t, uint32_t);

namespace sluice::testing {

inline const sluice_plugin_descriptor& descriptor(sluice_plugin_kind kind, const std::string& name) {
    const sluice_manifest* m = sluice_plugin_manifest(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
    for (size_t i = 0; m != nullptr && i < m->plugin_count; ++i)
        if (m->plugins[i]->kind == kind && name == m->plugins[i]->name) return *m->plugins[i];
    throw std::runtime_error("no plugin " + name + " in this executable");
}

inline const sluice_config_def* config_def(const sluice_plugin_descriptor& d, const std::string& key) {
    for (size_t i = 0; i < d.config_count; ++i)
        if (key == d.config[i]->name) return d.config[i];
    return nullptr;
}

// A sluice_config owning its strings. Values are given in canonical text form; LIST values
// are split on commas, MAP values given as "k=v,k2=v2".
class ConfigFixture {
public:
    ConfigFixture(const sluice_plugin_descriptor& d, std::map<std::string, std::string> values) {
        for (size_t i = 0; i < d.config_count; ++i) {
            const sluice_config_def* def = d.config[i];
            auto it = values.find(def->name);
            // A former name binds to the key, as the worker binds it.
            for (size_t a = 0; it == values.end() && a < def->deprecated_alias_count; ++a)
                it = values.find(def->deprecated_aliases[a]);
            if (it != values.end()) add(def->name, def->type, it->second);
            else if (def->default_value != nullptr) add(def->name, def->type, def->default_value);
            else add_unset(def->name);
            if (it != values.end()) values.erase(it);
        }
        if (!values.empty()) throw std::runtime_error("undeclared config key in test: " + values.begin()->first);
        for (auto& e : entries_) pointers_.push_back(&e.value);
        config_.values = pointers_.data();
        config_.count = pointers_.size();
    }
    ConfigFixture(const ConfigFixture&) = delete;
    ConfigFixture& operator=(const ConfigFixture&) = delete;
    const sluice_config* get() const { return &config_; }

private:
    struct Entry {
        std::string key, text, json;
        bool unset = false;
        std::deque<std::string> items;
        std::vector<const char*> item_ptrs;
        sluice_config_value value{};
    };
    static std::string quote(const std::string& s) {
        std::string out = "\"";
        for (char c : s) {
            if (c == '"' || c == '\\') out.push_back('\\');
            out.push_back(c);
        }
        return out + "\"";
    }
    void add_unset(const std::string& key) {
        Entry& e = entries_.emplace_back();
        e.key = key;
        e.unset = true;
        e.json = "null";
        finish(e);
    }
    void add(const std::string& key, sluice_config_type type, const std::string& text) {
        Entry& e = entries_.emplace_back();
        e.key = key;
        e.text = text;
        if (type == SLUICE_CONFIG_LIST || type == SLUICE_CONFIG_MAP) {
            size_t start = 0;
            while (!text.empty() && start <= text.size()) {
                size_t comma = text.find(',', start);
                std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                if (type == SLUICE_CONFIG_MAP) {
                    size_t eq = item.find('=');
                    e.items.push_back(item.substr(0, eq));
                    e.items.push_back(eq == std::string::npos ? "" : item.substr(eq + 1));
                } else {
                    e.items.push_back(item);
                }
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        }
        switch (type) {
        case SLUICE_CONFIG_STRING: e.json = quote(text); break;
        case SLUICE_CONFIG_LIST: {
            e.json = "[";
            for (size_t i = 0; i < e.items.size(); ++i) e.json += (i ? "," : "") + quote(e.items[i]);
            e.json += "]";
            break;
        }
        case SLUICE_CONFIG_MAP: {
            e.json = "{";
            for (size_t i = 0; i + 1 < e.items.size(); i += 2)
                e.json += (i ? "," : "") + quote(e.items[i]) + ":" + quote(e.items[i + 1]);
            e.json += "}";
            e.text = e.json;
            break;
        }
        default: e.json = text;
        }
        finish(e);
    }
    void finish(Entry& e) {
        for (auto& i : e.items) e.item_ptrs.push_back(i.c_str());
        e.value.key = e.key.c_str();
        e.value.text = e.unset ? nullptr : e.text.c_str();
        e.value.items = e.item_ptrs.empty() ? nullptr : e.item_ptrs.data();
        e.value.item_count = e.item_ptrs.size();
        e.value.json = e.json.c_str();
    }
    std::deque<Entry> entries_;
    std::vector<const sluice_config_value*> pointers_;
    sluice_config config_{};
};

// Bytes the plugin passed, copied; NULL data is an absent key, value or topic.
inline std::optional<std::string> copy_bytes(const sluice_bytes& b) {
    if (b.data == nullptr) return std::nullopt;
    return std::string(b.data, b.size);
}

// What the host's report_errant (ABI 1.1) received for one record.
struct ErrantReport {
    std::optional<std::string> topic, key, value;
    int32_t partition = SLUICE_ANY_PARTITION;
    int64_t offset = -1;
    std::string source_partition, source_offset;  // empty when NULL (a sink's record)
    std::string message;
};

// A host that records log lines and serves stored offsets from a map keyed by the exact
// partition JSON text. Like a 1.0 worker it has no report_errant until enable_errant().
// Every callback takes this FakeHost as its opaque: a driver wrapping it keeps its state
// here and never rewires the callbacks.
class FakeHost {
public:
    explicit FakeHost(std::string connector = "test.connector", int task_id = 0, int task_count = 1)
        : connector_(std::move(connector)) {
        host_.opaque = this;
        host_.worker_id = "test-worker";
        host_.connector = connector_.c_str();
        host_.plugin = "test";
        host_.task_id = task_id;
        host_.task_count = task_count;
        host_.log = [](void* self, sluice_log_level level, const char* msg, size_t len) {
            static_cast<FakeHost*>(self)->logs.emplace_back(level, std::string(msg, len));
        };
        host_.stored_offset = [](void* self, const char* p, size_t len) -> const char* {
            auto& offsets = static_cast<FakeHost*>(self)->offsets;
            auto it = offsets.find(std::string(p, len));
            return it == offsets.end() ? nullptr : it->second.c_str();
        };
        host_.stopping = [](void* self) -> int32_t { return static_cast<FakeHost*>(self)->stopping ? 1 : 0; };
    }
    FakeHost(const FakeHost&) = delete;
    FakeHost& operator=(const FakeHost&) = delete;
    const sluice_host* get() const { return &host_; }

    // Gives the host an error policy: report_errant records each report in `errants` and
    // answers `errant_answer` (SLUICE_OK: tolerated; SLUICE_ERROR or SLUICE_FATAL: refused).
    FakeHost& enable_errant(sluice_status answer = SLUICE_OK) {
        errant_answer = answer;
        host_.report_errant = [](void* self, const sluice_record* r, const char* msg, size_t len) -> sluice_status {
            auto* host = static_cast<FakeHost*>(self);
            ErrantReport e;
            e.topic = copy_bytes(r->topic);
            e.key = copy_bytes(r->key);
            e.value = copy_bytes(r->value);
            e.partition = r->partition;
            e.offset = r->offset;
            e.source_partition = copy_bytes(r->source_partition).value_or("");
            e.source_offset = copy_bytes(r->source_offset).value_or("");
            e.message.assign(msg, len);
            host->errants.push_back(std::move(e));
            return host->errant_answer;
        };
        return *this;
    }
    bool logged(const std::string& needle) const {
        for (const auto& [level, line] : logs)
            if (line.find(needle) != std::string::npos) return true;
        return false;
    }

    std::vector<std::pair<sluice_log_level, std::string>> logs;
    std::map<std::string, std::string> offsets; // partition JSON -> offset JSON
    bool stopping = false;
    std::vector<ErrantReport> errants;
    sluice_status errant_answer = SLUICE_OK;

private:
    std::string connector_;
    sluice_host host_{};
};

// A record as the worker copied it out of append().
struct CapturedRecord {
    std::optional<std::string> key, value, topic;
    std::string source_partition, source_offset;
    bool has_source_offset = false;  // false: both were NULL
    int64_t timestamp_ms = SLUICE_NO_TIMESTAMP;
    int32_t partition = SLUICE_ANY_PARTITION;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

class CapturingWriter {
public:
    explicit CapturingWriter(size_t max_records = 1000) {
        writer_.opaque = this;
        writer_.max_records = max_records;
        writer_.append = [](void* self, const sluice_record* r, sluice_error*) -> sluice_status {
            CapturedRecord c;
            c.key = copy_bytes(r->key);
            c.value = copy_bytes(r->value);
            c.topic = copy_bytes(r->topic);
            c.has_source_offset = r->source_partition.data != nullptr;
            c.source_partition = copy_bytes(r->source_partition).value_or("");
            c.source_offset = copy_bytes(r->source_offset).value_or("");
            c.timestamp_ms = r->timestamp_ms;
            c.partition = r->partition;
            for (size_t i = 0; i < r->header_count; ++i)
                c.headers.emplace_back(std::string(r->headers[i]->key.data, r->headers[i]->key.size),
                                       copy_bytes(r->headers[i]->value));
            static_cast<CapturingWriter*>(self)->records.push_back(std::move(c));
            return SLUICE_OK;
        };
    }
    sluice_batch_writer* get() { return &writer_; }
    std::vector<CapturedRecord> records;

private:
    sluice_batch_writer writer_{};
};

// Outcome of one ABI call.
struct CallResult {
    sluice_status status = SLUICE_OK;
    std::string message;
    int64_t record_index = -1;
};

template <class F>
CallResult call(F&& f) {
    char buf[1024] = {0};
    sluice_error err{buf, sizeof buf, -1};
    CallResult r;
    r.status = f(&err);
    r.message = buf;
    r.record_index = err.record_index;
    return r;
}

// The plugin's validate() (ABI 1.2) on a configuration: every (key, message) it reported.
inline std::vector<std::pair<std::string, std::string>> validate_config(const std::string& plugin,
                                                                        std::map<std::string, std::string> config,
                                                                        sluice_plugin_kind kind = SLUICE_KIND_SOURCE) {
    const auto& d = descriptor(kind, plugin);
    std::vector<std::pair<std::string, std::string>> found;
    if (d.validate == nullptr) return found;
    ConfigFixture c(d, std::move(config));
    sluice_config_problems sink{&found, [](void* opaque, const char* key, const char* message) {
                                    static_cast<std::vector<std::pair<std::string, std::string>>*>(opaque)->emplace_back(
                                        key ? key : "", message ? message : "");
                                }};
    const sluice_status status = d.validate(c.get(), &sink);
    if (status != SLUICE_OK && found.empty()) found.emplace_back("", "validate() failed without a problem");
    if (status == SLUICE_OK && !found.empty()) found.emplace_back("", "validate() returned OK with problems");
    return found;
}

// One source task instance, created through the ABI.
class SourceUnderTest {
public:
    SourceUnderTest(const std::string& plugin, std::map<std::string, std::string> config, FakeHost& host)
        : desc_(descriptor(SLUICE_KIND_SOURCE, plugin)),
          vt_(static_cast<const sluice_source_vtable*>(desc_.vtable)),
          config_(desc_, std::move(config)) {
        created = call([&](sluice_error* e) { return vt_->create(host.get(), config_.get(), &instance_, e); });
    }
    ~SourceUnderTest() {
        if (instance_ != nullptr) vt_->destroy(instance_);
    }
    SourceUnderTest(const SourceUnderTest&) = delete;
    SourceUnderTest& operator=(const SourceUnderTest&) = delete;

    bool ok() const { return created.status == SLUICE_OK; }
    CallResult poll(CapturingWriter& out, int32_t timeout_ms = 100) {
        return call([&](sluice_error* e) { return vt_->poll(instance_, out.get(), timeout_ms, e); });
    }
    CallResult commit(const std::vector<std::pair<std::string, std::string>>& offsets) {
        std::vector<sluice_source_offset> raw;
        for (auto& [p, o] : offsets) raw.push_back({{p.data(), p.size()}, {o.data(), o.size()}});
        std::vector<const sluice_source_offset*> ptrs;
        for (auto& r : raw) ptrs.push_back(&r);
        return call([&](sluice_error* e) { return vt_->commit(instance_, ptrs.data(), ptrs.size(), e); });
    }
    static CallResult test(const std::string& plugin, std::map<std::string, std::string> config, FakeHost& host) {
        const auto& d = descriptor(SLUICE_KIND_SOURCE, plugin);
        const auto* vt = static_cast<const sluice_source_vtable*>(d.vtable);
        ConfigFixture c(d, std::move(config));
        if (vt->test == nullptr) return {};
        return call([&](sluice_error* e) { return vt->test(host.get(), c.get(), e); });
    }
    CallResult created;

private:
    const sluice_plugin_descriptor& desc_;
    const sluice_source_vtable* vt_;
    ConfigFixture config_;
    void* instance_ = nullptr;
};

// A record handed to a sink, owning its bytes.
struct SinkInput {
    std::optional<std::string> key, value;
    std::string topic = "topic";
    int32_t partition = 0;
    int64_t offset = 0;
    int64_t timestamp_ms = SLUICE_NO_TIMESTAMP;
};

// SinkInputs as the records a sink's put receives (pointing into the inputs).
class AbiRecords {
public:
    explicit AbiRecords(const std::vector<SinkInput>& inputs) : records_(inputs.size()) {
        for (size_t i = 0; i < inputs.size(); ++i) {
            const SinkInput& in = inputs[i];
            sluice_record& r = records_[i];
            r.struct_size = sizeof r;
            r.key = in.key ? sluice_bytes{in.key->data(), in.key->size()} : sluice_bytes{nullptr, 0};
            r.value = in.value ? sluice_bytes{in.value->data(), in.value->size()} : sluice_bytes{nullptr, 0};
            r.topic = {in.topic.data(), in.topic.size()};
            r.partition = in.partition;
            r.offset = in.offset;
            r.timestamp_ms = in.timestamp_ms;
            pointers_.push_back(&r);
        }
    }
    const sluice_record* const* data() const { return pointers_.data(); }
    size_t size() const { return pointers_.size(); }

private:
    std::vector<sluice_record> records_;
    std::vector<const sluice_record*> pointers_;
};

class SinkUnderTest {
public:
    SinkUnderTest(const std::string& plugin, std::map<std::string, std::string> config, FakeHost& host)
        : desc_(descriptor(SLUICE_KIND_SINK, plugin)),
          vt_(static_cast<const sluice_sink_vtable*>(desc_.vtable)),
          config_(desc_, std::move(config)) {
        created = call([&](sluice_error* e) { return vt_->create(host.get(), config_.get(), &instance_, e); });
    }
    ~SinkUnderTest() {
        if (instance_ != nullptr) vt_->destroy(instance_);
    }
    SinkUnderTest(const SinkUnderTest&) = delete;
    SinkUnderTest& operator=(const SinkUnderTest&) = delete;

    bool ok() const { return created.status == SLUICE_OK; }
    CallResult put(const std::vector<SinkInput>& inputs) {
        const AbiRecords records(inputs);
        return call([&](sluice_error* e) { return vt_->put(instance_, records.data(), records.size(), e); });
    }
    // positions: (topic, partition, next offset); returns them as the sink left them.
    CallResult flush(std::vector<sluice_topic_partition>& positions) {
        std::vector<sluice_topic_partition*> ptrs;
        for (auto& p : positions) ptrs.push_back(&p);
        return call([&](sluice_error* e) { return vt_->flush(instance_, ptrs.data(), ptrs.size(), e); });
    }
    static CallResult test(const std::string& plugin, std::map<std::string, std::string> config, FakeHost& host) {
        const auto& d = descriptor(SLUICE_KIND_SINK, plugin);
        const auto* vt = static_cast<const sluice_sink_vtable*>(d.vtable);
        ConfigFixture c(d, std::move(config));
        if (vt->test == nullptr) return {};
        return call([&](sluice_error* e) { return vt->test(host.get(), c.get(), e); });
    }
    CallResult created;

private:
    const sluice_plugin_descriptor& desc_;
    const sluice_sink_vtable* vt_;
    ConfigFixture config_;
    void* instance_ = nullptr;
};

// ---- transforms and predicates (ABI 1.1) ---------------------------------------------------

// A record entering a transform chain, owning its bytes.
struct ChainInput {
    std::optional<std::string> key, value;
    std::string topic = "topic";
    int32_t partition = 0;
    int64_t offset = 0;
    int64_t timestamp_ms = SLUICE_NO_TIMESTAMP;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;
    bool is_source = false;
};

// The record as the worker copies it out at the end of a chain.
struct ChainOutput {
    bool kept = true;
    std::optional<std::string> key, value;
    std::string topic;
    int32_t partition = 0;
    int64_t timestamp_ms = SLUICE_NO_TIMESTAMP;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;
    std::optional<std::string> header(const std::string& name) const {
        for (auto it = headers.rbegin(); it != headers.rend(); ++it)
            if (it->first == name) return it->second;
        throw std::runtime_error("no header " + name);
    }
};

// A document from "another library": JSON text behind a foreign owner tag, counting the
// serialize() and release() calls the ABI requires of a transform that meets it.
struct ForeignDocument {
    std::string text;
    int serializations = 0;
    int releases = 0;
    static const void* owner() {
        static const char tag = 0;
        return &tag;
    }
    sluice_document document() {
        sluice_document d{};
        d.handle = this;
        d.owner = owner();
        d.serialize = [](void* self, sluice_bytes* out) -> sluice_status {
            auto* f = static_cast<ForeignDocument*>(self);
            ++f->serializations;
            *out = {f->text.data(), f->text.size()};
            return SLUICE_OK;
        };
        d.release = [](void* self) { ++static_cast<ForeignDocument*>(self)->releases; };
        return d;
    }
};

// One record travelling through a chain: the mutable sluice_transform_record the worker would
// hand to each transform, and finish(), which does what the worker does after the last one
// (serialise an attached document once, copy, release).
class ChainRecord {
public:
    explicit ChainRecord(ChainInput in) : in_(std::move(in)) {
        auto bytes = [](const std::optional<std::string>& s) {
            return s ? sluice_bytes{s->data(), s->size()} : sluice_bytes{nullptr, 0};
        };
        rec_.key = bytes(in_.key);
        rec_.value = bytes(in_.value);
        rec_.timestamp_ms = in_.timestamp_ms;
        rec_.topic = {in_.topic.data(), in_.topic.size()};
        rec_.partition = in_.partition;
        rec_.offset = in_.is_source ? -1 : in_.offset;
        rec_.is_source = in_.is_source ? 1 : 0;
        for (auto& [k, v] : in_.headers) headers_.push_back({{k.data(), k.size()}, bytes(v)});
        for (auto& h : headers_) header_ptrs_.push_back(&h);
        rec_.headers = header_ptrs_.empty() ? nullptr : header_ptrs_.data();
        rec_.header_count = header_ptrs_.size();
    }
    ChainRecord(const ChainRecord&) = delete;
    ChainRecord& operator=(const ChainRecord&) = delete;
    ~ChainRecord() { release_documents(); }

    sluice_transform_record* get() { return &rec_; }

    ChainOutput finish() {
        ChainOutput out;
        out.key = text_of(rec_.key, rec_.key_doc);
        out.value = text_of(rec_.value, rec_.value_doc);
        out.topic.assign(rec_.topic.data ? rec_.topic.data : "", rec_.topic.size);
        out.partition = rec_.partition;
        out.timestamp_ms = rec_.timestamp_ms;
        for (size_t i = 0; i < rec_.header_count; ++i) {
            const sluice_header* h = rec_.headers[i];
            out.headers.emplace_back(std::string(h->key.data ? h->key.data : "", h->key.size),
                                     h->value.data ? std::optional<std::string>(std::string(h->value.data, h->value.size))
                                                   : std::nullopt);
        }
        release_documents();
        return out;
    }

private:
    static std::optional<std::string> text_of(const sluice_bytes& b, const sluice_document& d) {
        if (d.handle != nullptr) {
            sluice_bytes text{};
            if (d.serialize(d.handle, &text) != SLUICE_OK) throw std::runtime_error("document serialize failed");
            if (text.data == nullptr) return std::nullopt;
            return std::string(text.data, text.size);
        }
        return copy_bytes(b);
    }
    void release_documents() {
        for (sluice_document* d : {&rec_.key_doc, &rec_.value_doc}) {
            if (d->handle != nullptr && d->release != nullptr) d->release(d->handle);
            *d = sluice_document{};
        }
    }
    ChainInput in_;
    sluice_transform_record rec_{};
    std::vector<sluice_header> headers_;
    std::vector<const sluice_header*> header_ptrs_;
};

// One transform instance, created through the ABI.
class TransformUnderTest {
public:
    TransformUnderTest(const std::string& plugin, std::map<std::string, std::string> config, FakeHost& host)
        : desc_(descriptor(SLUICE_KIND_TRANSFORM, plugin)),
          vt_(static_cast<const sluice_transform_vtable*>(desc_.vtable)),
          config_(desc_, std::move(config)) {
        created = call([&](sluice_error* e) { return vt_->create(host.get(), config_.get(), &instance_, e); });
    }
    ~TransformUnderTest() {
        if (instance_ != nullptr) vt_->destroy(instance_);
    }
    TransformUnderTest(const TransformUnderTest&) = delete;
    TransformUnderTest& operator=(const TransformUnderTest&) = delete;

    bool ok() const { return created.status == SLUICE_OK; }
    // Applies to a record in a chain; `keep` receives the transform's verdict.
    CallResult apply(ChainRecord& record, int32_t& keep) {
        keep = 1;
        return call([&](sluice_error* e) { return vt_->apply(instance_, record.get(), &keep, e); });
    }
    CallResult created;

private:
    const sluice_plugin_descriptor& desc_;
    const sluice_transform_vtable* vt_;
    ConfigFixture config_;
    void* instance_ = nullptr;
};

class PredicateUnderTest {
public:
    PredicateUnderTest(const std::string& plugin, std::map<std::string, std::string> config, FakeHost& host)
        : desc_(descriptor(SLUICE_KIND_PREDICATE, plugin)),
          vt_(static_cast<const sluice_predicate_vtable*>(desc_.vtable)),
          config_(desc_, std::move(config)) {
        created = call([&](sluice_error* e) { return vt_->create(host.get(), config_.get(), &instance_, e); });
    }
    ~PredicateUnderTest() {
        if (instance_ != nullptr) vt_->destroy(instance_);
    }
    PredicateUnderTest(const PredicateUnderTest&) = delete;
    PredicateUnderTest& operator=(const PredicateUnderTest&) = delete;

    bool ok() const { return created.status == SLUICE_OK; }
    CallResult test(ChainRecord& record, int32_t& result) {
        result = 0;
        return call([&](sluice_error* e) { return vt_->test(instance_, record.get(), &result, e); });
    }
    CallResult created;

private:
    const sluice_plugin_descriptor& desc_;
    const sluice_predicate_vtable* vt_;
    ConfigFixture config_;
    void* instance_ = nullptr;
};

// Runs one record through one transform: apply, then finish as the worker would.
struct TransformRun {
    CallResult result;
    ChainOutput out;
};
inline TransformRun run_transform(const std::string& plugin, std::map<std::string, std::string> config, ChainInput in) {
    FakeHost host;
    TransformUnderTest t(plugin, std::move(config), host);
    if (!t.ok()) throw std::runtime_error("transform " + plugin + " not created: " + t.created.message);
    ChainRecord record(std::move(in));
    int32_t keep = 1;
    TransformRun run;
    run.result = t.apply(record, keep);
    run.out = record.finish();
    run.out.kept = keep != 0;
    return run;
}

}  // namespace sluice::testing
