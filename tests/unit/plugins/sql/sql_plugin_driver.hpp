// Drives the SQL plugins through their C ABI, as the worker does (create, put, flush, open,
// close, poll, test), on the harness's FakeHost (report_errant as the test sets it), against
// the ctest fixture's servers.
#pragma once

#include "sdk_harness.hpp"
#include "sql_test_servers.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sluice::testing {

inline std::string plugin_of(Db db) { return db == Db::postgres ? "postgres" : "mysql"; }

// The connection keys of a fixture server for the plugins, as the sluice user, and more keys.
inline std::map<std::string, std::string> config(const ServerInfo& s, std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> c{{"connection.url", s.url}, {"connection.user", s.user}, {"connection.password", s.password}};
    for (auto& [k, v] : extra) c[k] = v;
    return c;
}

// The servers whose fixture is up (none without ctest's environment: the cases check nothing).
inline std::vector<Db> servers() {
    std::vector<Db> out;
    for (Db db : {Db::postgres, Db::mariadb})
        if (env_path(db)) out.push_back(db);
    return out;
}

class SinkDriver {
public:
    // On a host of its own whose error policy refuses every record (errors.tolerance none).
    SinkDriver(Db db, std::map<std::string, std::string> config, const std::string& connector = "test.sink")
        : own_host_(std::make_unique<FakeHost>(connector)), host_(*own_host_), desc_(descriptor(SLUICE_KIND_SINK, plugin_of(db))),
          vt_(static_cast<const sluice_sink_vtable*>(desc_.vtable)), config_(desc_, std::move(config)) {
        own_host_->enable_errant(SLUICE_FATAL);
        create();
    }
    // On the test's host, which outlives the sink: its error policy, its logs.
    SinkDriver(Db db, std::map<std::string, std::string> config, FakeHost& host)
        : host_(host), desc_(descriptor(SLUICE_KIND_SINK, plugin_of(db))),
          vt_(static_cast<const sluice_sink_vtable*>(desc_.vtable)), config_(desc_, std::move(config)) {
        create();
    }
    ~SinkDriver() {
        if (instance_ != nullptr) vt_->destroy(instance_);
    }
    SinkDriver(const SinkDriver&) = delete;
    SinkDriver& operator=(const SinkDriver&) = delete;

    bool ok() const { return created.status == SLUICE_OK; }

    CallResult put(const std::vector<SinkInput>& inputs) {
        const AbiRecords records(inputs);
        return call([&](sluice_error* e) { return vt_->put(instance_, records.data(), records.size(), e); });
    }
    // positions (topic, partition, next offset) come back as the sink left them.
    CallResult flush(std::vector<sluice_topic_partition>* positions = nullptr) {
        std::vector<sluice_topic_partition*> ptrs;
        if (positions)
            for (auto& p : *positions) ptrs.push_back(&p);
        return call([&](sluice_error* e) { return vt_->flush(instance_, ptrs.data(), ptrs.size(), e); });
    }
    // Partitions assigned; the offsets the sink asked to resume at (UNSET: the committed ones).
    std::vector<int64_t> open(const std::string& topic, const std::vector<int32_t>& partitions, CallResult* result = nullptr) {
        std::vector<sluice_topic_partition> parts;
        for (int32_t p : partitions) parts.push_back({topic.c_str(), p, SLUICE_OFFSET_UNSET});
        std::vector<sluice_topic_partition*> ptrs;
        for (auto& p : parts) ptrs.push_back(&p);
        CallResult r = call([&](sluice_error* e) { return vt_->open(instance_, ptrs.data(), ptrs.size(), e); });
        if (result) *result = r;
        else CHECK_MESSAGE(r.status == SLUICE_OK, r.message);
        std::vector<int64_t> out;
        for (auto& p : parts) out.push_back(p.offset);
        return out;
    }
    static CallResult test(Db db, std::map<std::string, std::string> config) {
        FakeHost host;
        return SinkUnderTest::test(plugin_of(db), std::move(config), host);
    }
    bool logged(const std::string& needle) const { return host_.logged(needle); }

    CallResult created;

private:
    void create() {
        created = call([&](sluice_error* e) { return vt_->create(host_.get(), config_.get(), &instance_, e); });
    }
    std::unique_ptr<FakeHost> own_host_;
    FakeHost& host_;
    const sluice_plugin_descriptor& desc_;
    const sluice_sink_vtable* vt_;
    ConfigFixture config_;
    void* instance_ = nullptr;
};

// One source task through the ABI with stored offsets given by the test.
class SourceDriver {
public:
    SourceDriver(Db db, std::map<std::string, std::string> config, std::map<std::string, std::string> offsets = {},
                 int task_id = 0, int task_count = 1)
        : host_("test.source", task_id, task_count) {
        host_.offsets = std::move(offsets);
        source_ = std::make_unique<SourceUnderTest>(plugin_of(db), std::move(config), host_);
    }
    bool ok() const { return source_->ok(); }
    const CallResult& created() const { return source_->created; }
    // Polls until `n` records more arrived or `timeout` passed; the records of those polls.
    std::vector<CapturedRecord> poll_until(size_t n, std::chrono::milliseconds timeout, size_t max_records = 1000) {
        std::vector<CapturedRecord> out;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
            CapturingWriter w(max_records);
            CallResult r = source_->poll(w, 100);
            REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
            for (auto& rec : w.records) {
                if (rec.has_source_offset) offsets[rec.source_partition] = rec.source_offset;
                out.push_back(std::move(rec));
            }
        }
        return out;
    }
    CallResult poll_once(CapturingWriter& w) { return source_->poll(w, 100); }
    static CallResult test(Db db, std::map<std::string, std::string> config) {
        FakeHost host;
        return SourceUnderTest::test(plugin_of(db), std::move(config), host);
    }
    // The last offset seen per partition (what the worker would store).
    std::map<std::string, std::string> offsets;

private:
    FakeHost host_;
    std::unique_ptr<SourceUnderTest> source_;
};

}  // namespace sluice::testing
