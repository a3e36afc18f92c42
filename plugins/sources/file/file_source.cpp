// The `file` source: one record per line or CSV row of one file, resumable from a byte
// position, following the file as it grows, is truncated or rotated.
#include "csv_header.hpp"
#include "csv_parser.hpp"
#include "file_tail.hpp"
#include "input_file.hpp"
#include "line_reader.hpp"
#include "row_json.hpp"
#include "source_options.hpp"

#include <sluice/sdk.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

namespace sluice::file_source {
namespace {

// How long poll sleeps between looks at a file that has no new data.
constexpr std::chrono::milliseconds idle_step{20};

// The outcome of looking at the bytes buffered at the read position.
enum class Step {
    emitted,     // one record added to the batch
    skipped,     // bytes consumed without a record (empty line, bad row in skip mode, BOM)
    need_bytes,  // no complete record buffered
    end_batch,   // stop this batch here; the next poll reports the problem
};

class FileSource : public Source {
public:
    static std::vector<ConfigKey> config_keys() { return source_config_keys(); }
    // Two tasks would read the same file twice.
    static constexpr int max_tasks = 1;

    // What can be told without reading: a path that exists must be a regular file (a device
    // like /dev/zero or a FIFO never ends). A path that does not exist yet is fine: the
    // file may appear later.
    static void validate(const Config& config, ConfigProblems& problems) {
        const auto options = source_options_spec().parse_or_report(config, problems);
        if (!options) return;
        const std::string& path = options->path;
        struct stat info {};
        if (::stat(path.c_str(), &info) != 0) return;
        if (S_ISDIR(info.st_mode)) problems.add("path", "'" + path + "' is a directory, expected a regular file");
        else if (!S_ISREG(info.st_mode))
            problems.add("path", "'" + path + "' is not a regular file (a device, FIFO or socket): expected a file to read");
    }

    static void test(const Config& config, TaskContext&) {
        const SourceOptions options = SourceOptions::from(config);
        InputFile file(options.path);
        if (options.key_field) {
            if (auto header = read_csv_header(file, options.delimiter, options.max_record_bytes))
                column_index(*header, *options.key_field, options.path);
        }
    }

    FileSource(const Config& config, TaskContext& context)
        : options_(SourceOptions::from(config)),
          context_(context),
          partition_(json::Object().add("filename", options_.path).str()),
          tail_(InputFile(options_.path), context),
          parser_(options_.delimiter) {
        const std::uint64_t start = resume_position();
        restart_at(start);
        if (options_.csv_with_header() && !load_header() && start > 0) {
            context_.warn("'" + options_.path + "' has no complete header row but a stored position " +
                          std::to_string(start) + ": it was replaced; reading it from the start");
            restart_at(0);
        }
    }

    void poll(RecordWriter& out, std::chrono::milliseconds timeout) override {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        const std::size_t limit = std::min(options_.batch_size, out.max_records());
        while (true) {
            drain(out, limit);
            if (out.size() > 0 || out.size() >= limit || context_.stopping()) return;
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) return;
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(deadline - now, idle_step));
        }
    }

private:
    // Adds records until the batch is full or no complete record is left in the file.
    void drain(RecordWriter& out, std::size_t limit) {
        while (out.size() < limit) {
            const Step step = waiting_for_header() ? (load_header() ? Step::skipped : Step::need_bytes) : next_record(out);
            if (step == Step::emitted || step == Step::skipped) continue;
            if (step == Step::end_batch) return;
            // A missing header is read from the file's start by load_header, not into the window.
            if (!waiting_for_header() && tail_.read_more() > 0) continue;
            if (tail_.restart_if_rotated()) {
                restart_at(0);
                continue;
            }
            return;
        }
    }

    bool waiting_for_header() const { return options_.csv_with_header() && !header_; }

    Step next_record(RecordWriter& out) {
        const std::string_view pending = tail_.window().pending();
        Step step = options_.format == Format::csv ? next_row(out, pending) : next_line(out, pending);
        // An unfinished record may not grow the buffer without bound either.
        if (step == Step::need_bytes && pending.size() > options_.max_record_bytes) return fail_too_long(out);
        return step;
    }

    Step fail_too_long(const RecordWriter& out) {
        return fail(out, "a record longer than max.record.bytes (" + std::to_string(options_.max_record_bytes) +
                             " bytes, terminator included)");
    }

    Step next_line(RecordWriter& out, std::string_view pending) {
        const auto line = first_line(pending);
        if (!line) return Step::need_bytes;
        if (line->length > options_.max_record_bytes) return fail_too_long(out);
        consume(line->length, 1);
        if (line->text.empty() && options_.skip_empty_lines) return Step::skipped;
        emit(out, std::nullopt, line->text);
        return Step::emitted;
    }

    Step next_row(RecordWriter& out, std::string_view pending) {
        if (tail_.window().position() == 0) {
            if (pending.size() < utf8_bom.size() && utf8_bom.starts_with(pending)) return Step::need_bytes;
            if (pending.starts_with(utf8_bom)) {
                consume(utf8_bom.size(), 0);
                return Step::skipped;
            }
        }
        const auto row = parser_.parse(pending);
        if (!row) return Step::need_bytes;
        if (row->length > options_.max_record_bytes) return fail_too_long(out);
        if (row->blank && options_.skip_empty_lines) {
            consume(row->length, row->newlines);
            return Step::skipped;
        }
        const auto fields = parser_.fields();
        if (!header_) {
            row_as_array(value_, fields);
            consume(row->length, row->newlines);
            emit(out, std::nullopt, value_);
            return Step::emitted;
        }
        if (fields.size() != header_->names.size()) {
            const std::string detail = "expected " + std::to_string(header_->names.size()) +
                                       " fields as in the header, found " + std::to_string(fields.size());
            if (options_.on_bad_row == BadRowPolicy::fail) return fail(out, detail);
            context_.warn(where() + ": " + detail + "; row skipped (csv.on.bad.row: skip)");
            consume(row->length, row->newlines);
            return Step::skipped;
        }
        row_as_object(value_, header_->names, fields);
        std::optional<std::string_view> key;
        if (key_index_) key = fields[*key_index_];
        consume(row->length, row->newlines);
        emit(out, key, value_);
        return Step::emitted;
    }

    // Fails the task at the record at the read position. Records already in this batch go
    // out first (their offsets stay good); the next poll, starting at the bad record, throws.
    Step fail(const RecordWriter& out, const std::string& detail) {
        if (out.size() > 0) return Step::end_batch;
        throw FatalError(where() + ": " + detail);
    }

    // "'<path>': line <n> (byte offset <p>)" for the record at the read position.
    std::string where() {
        if (!first_line_number_) first_line_number_ = 1 + tail_.newlines_before(line_origin_);
        return "'" + options_.path + "': line " + std::to_string(*first_line_number_ + lines_consumed_) +
               " (byte offset " + std::to_string(tail_.window().position()) + ")";
    }

    void consume(std::size_t length, std::size_t newlines) {
        tail_.window().consume(length);
        lines_consumed_ += newlines;
    }

    void emit(RecordWriter& out, std::optional<std::string_view> key, std::string_view value) {
        // Same text as json::Object().add("position", n), without two allocations per record.
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, tail_.window().position()).ptr;
        offset_.assign("{\"position\":");
        offset_.append(digits, end);
        offset_.push_back('}');
        SourceRecord record;
        record.key = key;
        record.value = value;
        record.source_partition = partition_;
        record.source_offset = offset_;
        out.add(record);
    }

    // Reads at `position` from now on; from 0 means a new file, whose header is unknown.
    void restart_at(std::uint64_t position) {
        tail_.seek(position);
        line_origin_ = position;
        lines_consumed_ = 0;
        first_line_number_.reset();
        if (position == 0) {
            first_line_number_ = 1;
            header_.reset();
            key_index_.reset();
        }
    }

    // Reads the header row from the file's start. False while it is not complete.
    bool load_header() {
        auto header = read_csv_header(tail_.file(), options_.delimiter, options_.max_record_bytes);
        if (!header) return false;
        if (options_.key_field) key_index_ = column_index(*header, *options_.key_field, options_.path);
        const auto repeated = duplicate_names(*header);
        if (!repeated.empty())
            context_.warn("'" + options_.path + "': header repeats column '" + repeated.front() +
                          "': records will carry a JSON object with a repeated key");
        const std::uint64_t resume = tail_.window().position();
        header_ = std::move(header);
        if (resume <= header_->end_position) {
            tail_.seek(header_->end_position);
            line_origin_ = header_->end_position;
            first_line_number_ = 1 + header_->newlines;
            lines_consumed_ = 0;
        }
        return true;
    }

    // Where the stored source offset says to resume, or 0 when there is none or it cannot
    // belong to this file.
    std::uint64_t resume_position() {
        const auto stored = context_.stored_offset(partition_);
        if (!stored) return 0;
        const auto fields = json::parse_flat(*stored);
        std::uint64_t position = 0;
        const std::string* text = nullptr;
        if (fields) {
            auto it = fields->find("position");
            if (it != fields->end()) text = &it->second;
        }
        const auto parsed = text == nullptr ? std::from_chars_result{nullptr, std::errc::invalid_argument}
                                            : std::from_chars(text->data(), text->data() + text->size(), position);
        if (parsed.ec != std::errc() || parsed.ptr != text->data() + text->size())
            throw FatalError("stored source offset for '" + options_.path + "' is not {\"position\": <bytes>}: " +
                             std::string(*stored));
        const std::uint64_t size = tail_.file().size();
        if (position > size) {
            context_.warn("stored position " + std::to_string(position) + " is beyond the end of '" + options_.path +
                          "' (" + std::to_string(size) + " bytes): it was truncated or replaced; reading it from the start");
            return 0;
        }
        // Every stored position directly follows a line terminator; anything else means the
        // file was replaced by another one at least as long.
        if (position > 0 && tail_.byte_at(position - 1) != '\n') {
            context_.warn("stored position " + std::to_string(position) + " of '" + options_.path +
                          "' does not follow a line end: the file was replaced; reading it from the start");
            return 0;
        }
        if (position > 0) context_.info("resuming '" + options_.path + "' at byte " + std::to_string(position));
        return position;
    }

    SourceOptions options_;
    const TaskContext& context_;
    std::string partition_;
    FileTail tail_;
    CsvParser parser_;
    std::optional<CsvHeader> header_;
    std::optional<std::size_t> key_index_;
    // Line numbers for messages: the line at line_origin_ is *first_line_number_ (computed on
    // demand after a resume), and lines_consumed_ lines were read since.
    std::uint64_t line_origin_ = 0;
    std::optional<std::uint64_t> first_line_number_ = 1;
    std::uint64_t lines_consumed_ = 0;
    std::string value_;
    std::string offset_;
};

}  // namespace
}  // namespace sluice::file_source

SLUICE_SOURCE(sluice::file_source::FileSource, "file", "1.0.0",
              "Reads one file: a record per line or per CSV row, resumable by byte position, following appends "
              "and rotation")
