#include "batch_writer.hpp"

#include <sluice/sdk.hpp>

#include <vector>

namespace sluice::snowflake {
namespace {

std::string where(std::span<const Row> rows) {
    const Row& first = rows.front();
    const Row& last = rows.back();
    std::string out = first.topic + "[" + std::to_string(first.partition) + "]@" + std::to_string(first.offset);
    if (rows.size() > 1)
        out += " .. " + last.topic + "[" + std::to_string(last.partition) + "]@" + std::to_string(last.offset);
    return out;
}

}  // namespace

BatchWriter::BatchWriter(const Settings& settings, StatementRunner& runner, Errant errant)
    : settings_(settings), runner_(runner), errant_(std::move(errant)) {}

void BatchWriter::write(std::deque<Row>& buffer) {
    std::vector<Row> chunk;
    while (!buffer.empty()) {
        chunk.clear();
        std::size_t bytes = 0;
        for (std::size_t i = 0; i < buffer.size() && chunk.size() < settings_.batch_max_rows; ++i) {
            if (!chunk.empty() && bytes + buffer[i].bytes() > settings_.batch_max_bytes) break;
            bytes += buffer[i].bytes();
            chunk.push_back(buffer[i]);
        }
        write_rows(chunk);
        buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(chunk.size()));
    }
}

void BatchWriter::write_rows(std::span<const Row> rows) {
    if (rows.empty()) return;
    StatementRequest request =
        settings_.request(merge_statement(settings_.table, rows.size()), merge_bindings(rows, settings_.format));
    try {
        ++stats_.statements;
        stats_.rows_sent += rows.size();
        ApiResponse result = runner_.run(request);
        // A MERGE answers one row: the number of rows inserted.
        if (!result.rows.empty() && !result.rows[0].empty() && result.rows[0][0])
            if (auto n = json::to_int(*result.rows[0][0])) stats_.rows_inserted += static_cast<std::uint64_t>(*n);
    } catch (const SqlError& e) {
        if (!e.is_data_error())
            throw FatalError("Snowflake refused the MERGE of " + std::to_string(rows.size()) + " rows (" + where(rows) +
                             ") into " + settings_.table.qualified() + ": " + e.snowflake_message() + " (SQLSTATE " +
                             e.sql_state() + ", code " + e.code() + ")");
        stats_.rows_sent -= rows.size();
        if (rows.size() == 1) {
            ++stats_.rows_errant;
            errant_(rows.front(), "Snowflake refused this record: " + e.snowflake_message() + " (SQLSTATE " +
                                      e.sql_state() + ", code " + e.code() + ")");
            return;
        }
        // Isolate the refused rows: halves keep the order within each partition, so the
        // table's max(_OFFSET) stays a valid resume point at every moment.
        ++stats_.splits;
        const std::size_t half = rows.size() / 2;
        write_rows(rows.first(half));
        write_rows(rows.subspan(half));
    }
}

}  // namespace sluice::snowflake
