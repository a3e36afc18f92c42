// Drives the datagouv source through its C ABI like the worker does, with a host that also
// answers report_errant (recording each report, tolerating it or not) and serves stored offsets.
#pragma once

#include "sdk_harness.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace sluice::testing {

struct ErrantReport {
    std::optional<std::string> value;
    std::string source_partition, source_offset;
    std::string message;
};

class ErrantHost {
public:
    ErrantHost() {
        host_.opaque = this;
        host_.worker_id = "test-worker";
        host_.connector = "bordeaux-counts";
        host_.plugin = "datagouv";
        host_.task_id = 0;
        host_.task_count = 1;
        host_.log = [](void* self, sluice_log_level level, const char* msg, size_t len) {
            static_cast<ErrantHost*>(self)->logs.emplace_back(level, std::string(msg, len));
        };
        host_.stored_offset = [](void* self, const char* p, size_t len) -> const char* {
            auto& offsets = static_cast<ErrantHost*>(self)->offsets;
            auto it = offsets.find(std::string(p, len));
            return it == offsets.end() ? nullptr : it->second.c_str();
        };
        host_.stopping = [](void*) -> int32_t { return 0; };
        host_.report_errant = [](void* self, const sluice_record* r, const char* msg, size_t len) -> sluice_status {
            auto* host = static_cast<ErrantHost*>(self);
            ErrantReport e;
            if (r->value.data != nullptr) e.value = std::string(r->value.data, r->value.size);
            if (r->source_partition.data != nullptr) e.source_partition.assign(r->source_partition.data, r->source_partition.size);
            if (r->source_offset.data != nullptr) e.source_offset.assign(r->source_offset.data, r->source_offset.size);
            e.message.assign(msg, len);
            host->errants.push_back(std::move(e));
            return host->tolerate ? SLUICE_OK : SLUICE_FATAL;
        };
    }
    ErrantHost(const ErrantHost&) = delete;
    ErrantHost& operator=(const ErrantHost&) = delete;
    const sluice_host* get() const { return &host_; }

    bool logged(const std::string& needle) const {
        for (const auto& [level, text] : logs)
            if (text.find(needle) != std::string::npos) return true;
        return false;
    }

    std::vector<std::pair<sluice_log_level, std::string>> logs;
    std::map<std::string, std::string> offsets;
    std::vector<ErrantReport> errants;
    bool tolerate = true;

private:
    sluice_host host_{};
};

class DatagouvUnderTest {
public:
    DatagouvUnderTest(std::map<std::string, std::string> config, ErrantHost& host)
        : desc_(descriptor(SLUICE_KIND_SOURCE, "datagouv")),
          vt_(static_cast<const sluice_source_vtable*>(desc_.vtable)),
          config_(desc_, std::move(config)) {
        created = call([&](sluice_error* e) { return vt_->create(host.get(), config_.get(), &instance_, e); });
    }
    ~DatagouvUnderTest() {
        if (instance_ != nullptr) vt_->destroy(instance_);
    }
    DatagouvUnderTest(const DatagouvUnderTest&) = delete;
    DatagouvUnderTest& operator=(const DatagouvUnderTest&) = delete;

    bool ok() const { return created.status == SLUICE_OK; }
    CallResult poll(CapturingWriter& out, int32_t timeout_ms = 50) {
        return call([&](sluice_error* e) { return vt_->poll(instance_, out.get(), timeout_ms, e); });
    }
    static CallResult test(std::map<std::string, std::string> config, ErrantHost& host) {
        const auto& d = descriptor(SLUICE_KIND_SOURCE, "datagouv");
        const auto* vt = static_cast<const sluice_source_vtable*>(d.vtable);
        ConfigFixture c(d, std::move(config));
        return call([&](sluice_error* e) { return vt->test(host.get(), c.get(), e); });
    }
    CallResult created;

private:
    const sluice_plugin_descriptor& desc_;
    const sluice_source_vtable* vt_;
    ConfigFixture config_;
    void* instance_ = nullptr;
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A temporary file holding `bytes`, rewound (for the parsers' ByteStream).
struct TempBytes {
    explicit TempBytes(const std::string& bytes) : file(std::tmpfile()) {
        std::fwrite(bytes.data(), 1, bytes.size(), file);
        std::rewind(file);
    }
    ~TempBytes() { std::fclose(file); }
    TempBytes(const TempBytes&) = delete;
    TempBytes& operator=(const TempBytes&) = delete;
    std::FILE* file;
};

}  // namespace sluice::testing
