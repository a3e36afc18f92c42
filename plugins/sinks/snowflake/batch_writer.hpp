// Writes buffered rows to the table, one MERGE per chunk (batch.max.rows, batch.max.bytes),
// taking each chunk off the buffer once Snowflake has committed it.
//
// A chunk Snowflake refuses for its data (SQLSTATE class 22: a value too long, bad JSON) is
// split in halves until the refused rows are alone; those go to `errant` (the connector's
// error policy) and every other row is stored. Any other refusal is the statement's fault
// (missing table, privileges) and fails with Snowflake's message.
#pragma once

#include "settings.hpp"
#include "statement_runner.hpp"
#include "table_statements.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>

namespace sluice::snowflake {

struct WriteStats {
    std::uint64_t statements = 0;
    std::uint64_t rows_sent = 0;
    std::uint64_t rows_inserted = 0;  // as Snowflake counted them; the rest were already there
    std::uint64_t rows_errant = 0;
    std::uint64_t splits = 0;
};

class BatchWriter {
public:
    using Errant = std::function<void(const Row& row, const std::string& message)>;

    BatchWriter(const Settings& settings, StatementRunner& runner, Errant errant);

    // Writes the whole buffer, front first. Throws RetriableError / FatalError; what was
    // written before the throw is no longer in the buffer.
    void write(std::deque<Row>& buffer);

    const WriteStats& stats() const { return stats_; }

private:
    void write_rows(std::span<const Row> rows);

    const Settings& settings_;
    StatementRunner& runner_;
    Errant errant_;
    WriteStats stats_;
};

}  // namespace sluice::snowflake
