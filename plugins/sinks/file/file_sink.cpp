// The `file` sink: appends records to one file as JSON lines, durable at every flush.
#include "append_file.hpp"
#include "record_format.hpp"

#include <sluice/config_kit.hpp>
#include <sluice/sdk.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <vector>

namespace sluice::file_sink {
namespace {

struct SinkOptions {
    std::string path;
    Format format{};
    bool create_dirs = false;
    std::size_t buffer_bytes = 0;

    static const config_kit::Spec<SinkOptions>& spec() {
        using O = SinkOptions;
        static const auto built = [] {
            config_kit::Spec<O> k;
            k.key("path", &O::path, "File to append to, as the worker process sees it.").required().local_path();
            k.custom("format", SLUICE_CONFIG_STRING, "value: the value as one JSON line; envelope: a JSON object with topic, partition, offset, timestamp, key and value; raw: the value's bytes and LF.",
                     [](O& o, const Config& c) { o.format = parse_format(c.string("format")); }).default_value("value").one_of({"value", "envelope", "raw"});
            k.key("create.dirs", &O::create_dirs, "Create missing parent directories of path.").default_value(true);
            k.key("buffer.bytes", &O::buffer_bytes, "Bytes buffered in memory before a write to the file (0: write every batch).").default_value(1048576).between(0, 268435456);
            k.rule("path", "path: must name the file to append to, got an empty value", [](const O& o) { return o.path.empty(); });
            return k;
        }();
        return built;
    }
    static SinkOptions from(const Config& config) { return spec().parse(config); }
};

class FileSink : public Sink {
public:
    static std::vector<ConfigKey> config_keys() { return SinkOptions::spec().keys(); }
    // Two tasks appending to one file would interleave their records (each line stays whole,
    // but the order across partitions and the flush guarantee become per-task puzzles).
    static constexpr int max_tasks = 1;

    static void test(const Config& config, TaskContext&) {
        const SinkOptions options = SinkOptions::from(config);
        check_appendable(options.path, options.create_dirs);
    }

    static void validate(const Config& config, ConfigProblems& problems) { SinkOptions::spec().validate(config, problems); }

    FileSink(const Config& config, TaskContext& context)
        : options_(SinkOptions::from(config)), context_(context), file_(options_.path, options_.create_dirs) {
        if (file_.ended_mid_line()) {
            // A writer died mid-line; start on a fresh line so every new record stays whole.
            context_.warn("'" + options_.path + "' ends with an incomplete line (an interrupted write?); "
                          "appending from a new line");
            buffer_.push_back('\n');
        }
    }

    ~FileSink() override {
        try {
            write_buffer();
            file_.sync();
        } catch (const std::exception& e) {
            context_.error(std::string("closing the file sink lost buffered records: ") + e.what());
        }
    }

    FileSink(const FileSink&) = delete;
    FileSink& operator=(const FileSink&) = delete;

    void put(const SinkRecords& records) override {
        for (const SinkRecord& record : records) {
            append_record_line(buffer_, options_.format, record);
            // Writes happen only between records, so every write(2) carries whole lines.
            if (options_.buffer_bytes > 0 && buffer_.size() >= options_.buffer_bytes) write_buffer();
        }
        // buffer.bytes 0: one write per batch, not one per record.
        if (buffer_.size() >= options_.buffer_bytes) write_buffer();
    }

    // Everything put so far reaches the disk before the worker commits: positions stay as
    // they are.
    void flush(std::span<TopicPartition>) override {
        write_buffer();
        file_.sync();
    }

private:
    void write_buffer() {
        if (buffer_.empty()) return;
        std::size_t written = 0;
        try {
            file_.write_all(buffer_, written);
        } catch (...) {
            // What reached the file stays out of the buffer, so a later attempt does not
            // write it twice.
            buffer_.erase(0, written);
            throw;
        }
        buffer_.clear();
    }

    SinkOptions options_;
    const TaskContext& context_;
    AppendFile file_;
    std::string buffer_;
};

}  // namespace
}  // namespace sluice::file_sink

SLUICE_SINK(sluice::file_sink::FileSink, "file", "1.0.0",
            "Appends records to one file as JSON lines (or raw bytes), durable at every flush")
