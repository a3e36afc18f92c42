// The `datagouv` source: the CSV and JSON files (resources) of one data.gouv.fr dataset, one
// record per row, each resource resumable row by row and re-read only when it changes.
#include "catalog.hpp"
#include "csv_profile.hpp"
#include "csv_reader.hpp"
#include "json_records.hpp"
#include "options.hpp"
#include "resource_offset.hpp"
#include "row_json.hpp"

#include <sluice/http_client.hpp>
#include <sluice/http_retry.hpp>
#include <sluice/sdk.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <thread>

namespace sluice::datagouv {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A server asking for more than this is waited for this long, then asked again.
constexpr milliseconds max_retry_after{3600 * 1000};

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using TempFile = std::unique_ptr<std::FILE, FileCloser>;

// FNV-1a over the downloaded bytes: the version of a resource the API gives no
// last_modified or checksum for.
struct Fnv1a {
    std::uint64_t hash = 14695981039346656037ull;
    void update(std::string_view data) {
        for (unsigned char c : data) hash = (hash ^ c) * 1099511628211ull;
    }
    std::string text() const {
        char buf[32];
        std::snprintf(buf, sizeof buf, "fnv1a64:%016llx", static_cast<unsigned long long>(hash));
        return buf;
    }
};

std::string snippet(const std::string& body) {
    std::string s = body.substr(0, 200);
    for (char& c : s)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    return utf8::repair(s) + (body.size() > 200 ? "..." : "");
}

// A resource whose download answers a permanent HTTP error (404 on a dead link, ...).
class UnavailableResource : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

std::string describe(const Resource& r) { return "resource '" + r.title + "' (" + r.id + ")"; }

http::Client make_client() {
    http::Client::Options options;
    options.user_agent = "sluice-datagouv/1.0";
    return http::Client(options);
}

// A retriable HTTP answer, with the wait the server asked for (Retry-After), if any.
class RetryLater : public RetriableError {
public:
    RetryLater(const std::string& message, std::optional<milliseconds> wait) : RetriableError(message), wait(wait) {}
    std::optional<milliseconds> wait;
};

[[noreturn]] void throw_retry_later(const http::Response& response, const std::string& what) {
    // The one rule of every HTTP plugin (Retry-After, else X-RateLimit-Reset); datagouv has no
    // retry.backoff.max.ms (the worker backs off), so an hour caps it.
    auto wait = http::requested_wait(response);
    if (wait) wait = std::min(*wait, max_retry_after);
    throw RetryLater("HTTP " + std::to_string(response.status) + " from " + what +
                         (wait ? " (Retry-After " + std::to_string(wait->count() / 1000) + " s)" : std::string()) + ": " +
                         snippet(response.body),
                     wait);
}

// GET the dataset; 404 and other permanent answers are FatalError, 429/5xx/network
// RetriableError (RetryLater for an HTTP answer).
Dataset fetch_dataset(http::Client& client, const Options& options, std::function<bool()> cancelled = {}) {
    const std::string url = options.dataset_url();
    http::Response response;
    try {
        http::Request request{.url = url, .headers = {{"Accept", "application/json"}}, .timeout = options.http_timeout};
        request.cancelled = std::move(cancelled);
        response = client.send(request);
    } catch (const http::TransportError& e) {
        throw RetriableError(std::string("listing dataset '") + options.dataset + "' failed: " + e.what());
    }
    const std::string where = "GET " + http::redact_url(url);
    if (response.status == 404 || response.status == 410)
        throw FatalError("data.gouv.fr has no dataset '" + options.dataset + "' (HTTP " + std::to_string(response.status) +
                         " from " + where + "); check the dataset id or slug");
    if (http::is_retriable_status(response.status)) throw_retry_later(response, where);
    if (response.status < 200 || response.status >= 300)
        throw FatalError("HTTP " + std::to_string(response.status) + " from " + where + ": " + snippet(response.body));
    try {
        return parse_dataset(response.body);
    } catch (const std::runtime_error& e) {
        // A proxy's HTML page or a cut answer: worth asking again.
        throw RetriableError(std::string("unusable answer from ") + where + ": " + e.what() + ": " + snippet(response.body));
    }
}

struct Downloaded {
    TempFile file;
    std::string digest;  // of the bytes, for resources the API gives no version for
};

// Streams a resource's file into an anonymous temporary file.
Downloaded download(http::Client& client, const Options& options, const Resource& resource,
                    std::function<bool()> cancelled) {
    Downloaded out{TempFile(std::tmpfile()), {}};
    if (!out.file) throw RetriableError("cannot create a temporary file for " + describe(resource) + ": " + std::strerror(errno));
    Fnv1a digest;
    http::Request request{.url = resource.url, .timeout = options.http_timeout};
    request.cancelled = std::move(cancelled);
    std::FILE* file = out.file.get();
    request.on_body = [&](std::string_view chunk) {
        if (std::fwrite(chunk.data(), 1, chunk.size(), file) != chunk.size())
            throw std::runtime_error(std::string("writing the temporary file failed: ") + std::strerror(errno));
        digest.update(chunk);
    };
    const std::string where = "GET " + http::redact_url(resource.url);
    http::Response response;
    try {
        response = client.send(request);
    } catch (const http::TransportError& e) {
        throw RetriableError("downloading " + describe(resource) + " failed: " + e.what());
    } catch (const std::runtime_error& e) {
        throw RetriableError("downloading " + describe(resource) + " from " + where + " failed: " + e.what());
    }
    if (http::is_retriable_status(response.status)) throw_retry_later(response, where + " (" + describe(resource) + ")");
    if (response.status < 200 || response.status >= 300)
        throw UnavailableResource("HTTP " + std::to_string(response.status) + " from " + where + " (" + describe(resource) +
                                  "): " + snippet(response.body));
    if (std::fflush(file) != 0)
        throw RetriableError("writing the temporary file for " + describe(resource) + " failed: " + std::strerror(errno));
    out.digest = digest.text();
    return out;
}

// Waits for a helper thread's result until `deadline` (in short steps, so a stopping task is
// not held up); true when it is there.
template <class T>
bool ready_by(const std::future<T>& job, Clock::time_point deadline, const TaskContext& context) {
    while (job.wait_for(milliseconds(0)) != std::future_status::ready) {
        auto now = Clock::now();
        if (now >= deadline || context.stopping()) return false;
        job.wait_for(std::min<Clock::duration>(deadline - now, milliseconds(50)));
    }
    return true;
}

}  // namespace

class DatagouvSource : public Source {
public:
    static std::vector<ConfigKey> config_keys() { return datagouv::config_keys(); }
    static void validate(const Config& config, ConfigProblems& problems) { Options::spec().validate(config, problems); }
    // One dataset, read in listing order: a second task would only read the same files again.
    static constexpr int max_tasks = 1;

    // Pre-flight: the dataset exists and has at least one resource this connector would read.
    static void test(const Config& config, TaskContext& context) {
        Options options = Options::from(config);
        http::Client client = make_client();
        Dataset dataset;
        try {
            dataset = fetch_dataset(client, options);
        } catch (const RetriableError& e) {
            throw FatalError(e.what());
        }
        std::string listing;
        std::size_t matching = 0;
        for (const auto& r : dataset.resources) {
            listing += "\n  - '" + r.title + "' (" + (r.format.empty() ? "no format" : r.format) + ")";
            if (options.filter.matches(r)) ++matching;
        }
        if (matching == 0)
            throw FatalError("dataset '" + options.dataset + "' has no resource with " + options.filter.describe() +
                             "; its resources are:" + (listing.empty() ? std::string(" none") : listing));
        context.info("dataset '" + dataset.title + "': " + std::to_string(matching) + " of " +
                     std::to_string(dataset.resources.size()) + " resources match " + options.filter.describe());
    }

    DatagouvSource(const Config& config, TaskContext& context)
        : options_(Options::from(config)), context_(context), client_(make_client()) {}

    // Requests run in a helper thread (one at a time, so the one client is never shared):
    // a slow portal or a big download never keeps poll() past its timeout, and the worker
    // goes on acknowledging records and storing offsets meanwhile.
    ~DatagouvSource() override {
        cancel_ = true;  // aborts a running request within about a second
        if (listing_job_.valid()) listing_job_.wait();
        if (download_job_.valid()) download_job_.wait();
    }

    void poll(RecordWriter& out, milliseconds timeout) override {
        const auto deadline = Clock::now() + timeout;
        if (retry_at_ && Clock::now() < *retry_at_) {
            wait_until(std::min(deadline, *retry_at_));
            return;
        }
        retry_at_.reset();
        while (!out.full() && !context_.stopping()) {
            if (open_) {
                emit(out);
                continue;
            }
            // Records in hand go out before waiting on the next request.
            if (out.size() > 0) return;
            if (queue_.empty()) {
                if (!listing_job_.valid()) {
                    if (listed_ && Clock::now() < next_listing_) {
                        wait_until(std::min(deadline, next_listing_));
                        return;
                    }
                    listing_job_ = std::async(std::launch::async, [this] { return fetch_dataset(client_, options_, cancelled()); });
                }
                if (!ready_by(listing_job_, deadline, context_)) return;
                apply_listing(result_of(listing_job_));
                continue;
            }
            if (!download_job_.valid()) {
                if (already_read(queue_.front())) {
                    queue_.pop_front();
                    continue;
                }
                download_job_ = std::async(std::launch::async, [this, resource = queue_.front()] {
                    return download(client_, options_, resource, cancelled());
                });
            }
            if (!ready_by(download_job_, deadline, context_)) return;
            const Resource resource = queue_.front();
            Downloaded file;
            try {
                file = result_of(download_job_);
            } catch (const UnavailableResource& e) {
                // Not this connector's to fix and no reason to stop the other resources: said
                // loudly, and tried again at the next listing.
                context_.error(std::string(e.what()) + "; skipped until the next listing");
                queue_.pop_front();
                continue;
            }
            queue_.pop_front();
            start(resource, std::move(file));
        }
    }

private:
    // The file of one resource version being emitted.
    struct OpenResource {
        Resource resource;
        std::string partition;
        ResourceVersion version;
        TempFile file;
        std::unique_ptr<ByteStream> stream;
        bool csv = true;
        CsvProfile profile;
        std::optional<CsvReader> csv_reader;
        std::optional<JsonArrayReader> json_reader;
        std::vector<std::optional<std::size_t>> key_columns;
        std::size_t rows = 0;
        std::size_t row = 0;           // rows handled so far
        std::size_t resume_after = 0;  // rows emitted before a restart
        std::vector<sluice::Header> headers;
    };

    struct Seen {
        ResourceVersion version;
        bool done = false;
    };

    void wait_until(Clock::time_point until) {
        while (Clock::now() < until && !context_.stopping())
            std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), milliseconds(50)));
    }

    std::function<bool()> cancelled() {
        return [this] { return cancel_.load(); };
    }

    // The helper thread's result; a RetryLater's wait is remembered for the next polls.
    template <class T>
    T result_of(std::future<T>& job) {
        try {
            return job.get();
        } catch (const RetryLater& e) {
            if (e.wait) retry_at_ = Clock::now() + *e.wait;
            throw;
        }
    }

    void apply_listing(Dataset dataset) {
        dataset_id_ = dataset.id.empty() ? options_.dataset : dataset.id;
        std::size_t skipped = 0;
        for (const auto& r : dataset.resources) {
            if (options_.filter.matches(r)) queue_.push_back(r);
            else ++skipped;
        }
        if (!listed_ || queue_.size() != last_matching_)
            context_.info("dataset '" + dataset.title + "' (" + dataset_id_ + "): " + std::to_string(queue_.size()) +
                          " resources to read, " + std::to_string(skipped) + " not matching " + options_.filter.describe());
        last_matching_ = queue_.size();
        listed_ = true;
        next_listing_ = Clock::now() + options_.poll_interval;
    }

    // True when this version of the resource was read completely, in this run or (stored
    // offset) before a restart: nothing to download.
    bool already_read(const Resource& resource) {
        const ResourceVersion listed{resource.last_modified, resource.checksum};
        if (!listed.known()) return false;  // only the bytes can tell
        if (auto it = seen_.find(resource.id); it != seen_.end()) return it->second.done && it->second.version == listed;
        auto stored = stored_offset(resource);
        if (stored && stored->version == listed && stored->complete()) {
            seen_[resource.id] = {listed, true};
            return true;
        }
        return false;
    }

    std::optional<ResourceOffset> stored_offset(const Resource& resource) {
        auto text = context_.stored_offset(partition_json(dataset_id_, resource.id));
        if (!text) return std::nullopt;
        auto offset = parse_offset(*text);
        if (!offset)
            context_.warn(describe(resource) + ": stored offset not understood, reading from the start: " + std::string(*text));
        return offset;
    }

    // Profiles a downloaded file and makes it the one being emitted (from the row after the
    // stored offset when that offset belongs to this version).
    void start(const Resource& resource, Downloaded downloaded) {
        const std::string partition = partition_json(dataset_id_, resource.id);
        const ResourceVersion listed{resource.last_modified, resource.checksum};
        const ResourceVersion version = listed.known() ? listed : ResourceVersion{"", downloaded.digest};
        std::optional<ResourceOffset> stored;
        auto seen = seen_.find(resource.id);
        if (seen != seen_.end()) {
            if (seen->second.done && seen->second.version == version) return;  // same bytes as last time
        } else {
            stored = stored_offset(resource);
            if (stored && stored->version == version && stored->complete()) {
                seen_[resource.id] = {version, true};
                return;
            }
        }
        TempFile file = std::move(downloaded.file);

        auto open = std::make_unique<OpenResource>();
        open->resource = resource;
        open->partition = partition;
        open->version = version;
        open->file = std::move(file);
        open->stream = std::make_unique<ByteStream>(open->file.get());
        open->csv = resource.format == "csv";
        try {
            if (open->csv) {
                open->profile = profile_csv(*open->stream, options_.csv);
                open->rows = open->profile.rows;
                open->csv_reader.emplace(open_data_records(*open->stream, open->profile, options_.csv.max_record_bytes));
                open->key_columns = key_columns(open->profile, options_.key_fields);
                for (std::size_t i = 0; i < options_.key_fields.size(); ++i)
                    if (!open->key_columns[i])
                        context_.warn(describe(resource) + " has no column '" + options_.key_fields[i] +
                                      "' (key.fields): it is null in every key");
            } else {
                open->rows = count_json_elements(*open->stream, options_.csv.max_record_bytes);
                open->json_reader.emplace(*open->stream, options_.csv.max_record_bytes);
            }
        } catch (const std::runtime_error& e) {
            // The whole file is unusable (empty, no header): one errant report for it.
            SourceRecord whole;
            whole.source_partition = partition;
            std::string offset = offset_json({version, 0, 0});
            whole.source_offset = offset;
            report_errant(context_, whole, describe(resource) + " from " + http::redact_url(resource.url) + ": " + e.what());
            seen_[resource.id] = {version, true};
            return;
        }

        if (stored && stored->version == version) {
            open->resume_after = std::min(stored->row, open->rows);
            if (open->resume_after > 0)
                context_.info(describe(resource) + ": resuming after row " + std::to_string(open->resume_after) + " of " +
                              std::to_string(open->rows));
        } else if (stored) {
            context_.info(describe(resource) + " changed (was " + stored->version.describe() + ", now " +
                          version.describe() + "): reading it again from the start");
        } else if (auto it = seen_.find(resource.id); it != seen_.end()) {
            context_.info(describe(resource) + " changed (now " + version.describe() + "): reading it again from the start");
        }
        if (open->csv)
            context_.info(describe(resource) + ": " + std::to_string(open->rows) + " rows, delimiter '" +
                          (open->profile.delimiter == '\t' ? std::string("\\t") : std::string(1, open->profile.delimiter)) +
                          "', " + std::string(encoding_name(open->profile.encoding)) +
                          (open->profile.bom ? " with BOM" : ""));
        else
            context_.info(describe(resource) + ": " + std::to_string(open->rows) + " JSON array elements");
        seen_[resource.id] = {version, false};
        open_ = std::move(open);
        open_->headers = {{"datagouv.resource", open_->resource.id}, {"datagouv.title", open_->resource.title}};
    }

    // Emits rows of the open resource until the batch is full or the file ends.
    void emit(RecordWriter& out) {
        OpenResource& o = *open_;
        CsvRecord record;
        JsonElement element;
        std::string value, key, offset;
        while (!out.full()) {
            std::string problem;
            std::string raw;
            std::size_t line = 0;
            if (o.csv) {
                if (!o.csv_reader->next(record)) return finish();
                ++o.row;
                if (o.row <= o.resume_after) continue;
                line = record.line;
                if (!record.problem.empty()) {
                    problem = record.problem;
                } else if (record.fields.size() != o.profile.columns.size()) {
                    problem = "expected " + std::to_string(o.profile.columns.size()) + " fields (as in the header), found " +
                              std::to_string(record.fields.size());
                }
                if (problem.empty()) {
                    value = csv_row_json(o.profile, record.fields);
                    if (!options_.key_fields.empty())
                        key = csv_key_json(o.profile, record.fields, options_.key_fields, o.key_columns);
                } else {
                    raw = std::move(record.raw);
                }
            } else {
                if (!o.json_reader->next(element)) {
                    if (o.row == 0 && !o.json_reader->problem().empty()) {
                        // Not an array at all: one report for the file.
                        ++o.row;
                        if (o.row > o.resume_after) report(o, "", 0, o.json_reader->problem());
                    } else if (!o.json_reader->problem().empty() && !o.json_reader->problem_in_element()) {
                        context_.error(describe(o.resource) + ": " + o.json_reader->problem());
                    }
                    return finish();
                }
                ++o.row;
                if (o.row <= o.resume_after) continue;
                problem = element.problem;
                if (problem.empty()) {
                    auto parsed = json_record_value(element.text, problem);
                    if (parsed) {
                        value = std::move(*parsed);
                        if (!options_.key_fields.empty()) key = json_record_key(value, options_.key_fields);
                    }
                }
                if (!problem.empty()) raw = std::move(element.text);
            }
            if (!problem.empty()) {
                report(o, raw, line, problem);
                continue;
            }
            offset = offset_json({o.version, o.row, o.rows});
            SourceRecord r;
            if (!options_.key_fields.empty()) r.key = key;
            r.value = value;
            r.source_partition = o.partition;
            r.source_offset = offset;
            r.headers = o.headers;
            out.add(r);
        }
    }

    // A row that cannot become a record goes to the connector's error policy, with where it is.
    void report(const OpenResource& o, const std::string& raw, std::size_t line, const std::string& problem) {
        std::string offset = offset_json({o.version, o.row, o.rows});
        SourceRecord r;
        r.value = raw;
        r.source_partition = o.partition;
        r.source_offset = offset;
        r.headers = o.headers;
        std::string where = describe(o.resource) + " row " + std::to_string(o.row);
        if (line > 0) where += " (line " + std::to_string(line) + ")";
        report_errant(context_, r, where + ": " + problem);
    }

    void finish() {
        seen_[open_->resource.id] = {open_->version, true};
        open_.reset();
    }

    Options options_;
    TaskContext& context_;
    http::Client client_;
    std::string dataset_id_;
    std::deque<Resource> queue_;
    std::map<std::string, Seen> seen_;
    std::unique_ptr<OpenResource> open_;
    bool listed_ = false;
    std::size_t last_matching_ = 0;
    Clock::time_point next_listing_{};
    std::optional<Clock::time_point> retry_at_;
    std::atomic<bool> cancel_{false};
    std::future<Dataset> listing_job_;
    std::future<Downloaded> download_job_;
};

}  // namespace sluice::datagouv

SLUICE_SOURCE(sluice::datagouv::DatagouvSource, "datagouv", "1.0.0",
              "data.gouv.fr dataset resources (CSV, JSON): one record per row, resumable, re-read when changed")
