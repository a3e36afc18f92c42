// The `file` sink: appends records to one file as JSON lines, durable at every flush.
#include "append_file.hpp"
#include "record_format.hpp"

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
    Format format = Format::value;
    bool create_dirs = true;
    std::size_t buffer_bytes = 1024 * 1024;

    static SinkOptions from(const Config& config) {
        SinkOptions o;
        o.path = config.string("path");
        if (o.path.empty()) throw FatalError("path must not be empty");
        o.format = parse_format(config.string("format"));
        o.create_dirs = config.boolean("create.dirs");
        const std::int64_t buffer_bytes = config.integer("buffer.bytes");
        if (buffer_bytes < 0) throw FatalError("buffer.bytes must not be negative");
        o.buffer_bytes = static_cast<std::size_t>(buffer_bytes);
        return o;
    }
};

class FileSink : public Sink {
public:
    static std::vector<ConfigKey> config_keys() {
        std::vector<ConfigKey> keys;
        keys.push_back(ConfigKey::string("path", "File to append to, as the worker process sees it.").required().local_path());
        keys.push_back(ConfigKey::string("format",
                                         "value: the value as one JSON line; envelope: a JSON object with topic, "
                                         "partition, offset, timestamp, key and value; raw: the value's bytes and LF.")
                           .default_value("value")
                           .one_of({"value", "envelope", "raw"}));
        keys.push_back(ConfigKey::boolean("create.dirs", "Create missing parent directories of path.")
                           .default_value("true"));
        keys.push_back(ConfigKey::integer("buffer.bytes",
                                          "Bytes buffered in memory before a write to the file (0: write every batch).")
                           .default_value("1048576")
                           .between(0, 268435456));
        return keys;
    }
    // Two tasks appending to one file would interleave their records (each line stays whole,
    // but the order across partitions and the flush guarantee become per-task puzzles).
    static constexpr int max_tasks = 1;

    static void test(const Config& config, TaskContext&) {
        const SinkOptions options = SinkOptions::from(config);
        check_appendable(options.path, options.create_dirs);
    }

    static void validate(const Config& config, ConfigProblems& problems) {
        if (config.string("path").empty()) problems.add("path", "must name the file to append to, got an empty value");
    }

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
