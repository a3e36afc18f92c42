// The `postgres` sink: Kafka records (JSON objects) into PostgreSQL tables, inserted with
// COPY or upserted through a staging table, exactly once per Kafka offset (see
// plugins/common/sql/include/sluice/sql/sql_sink.hpp and README.md).
#include <sluice/sql/postgres.hpp>
#include <sluice/sql/sql_sink.hpp>

namespace {

class PostgresSink : public sluice::sql::SqlSink {
public:
    static std::vector<sluice::ConfigKey> config_keys() { return sluice::sql::SinkSettings::keys(sluice::sql::Dialect::postgres); }
    static void validate(const sluice::Config& config, sluice::ConfigProblems& problems) {
        sluice::sql::SinkSettings::validate(config, sluice::sql::Dialect::postgres, problems);
    }
    static void test(const sluice::Config& config, sluice::TaskContext&) {
        check(config, sluice::sql::Dialect::postgres, &sluice::sql::make_postgres);
    }
    PostgresSink(const sluice::Config& config, sluice::TaskContext& context)
        : SqlSink(config, context, sluice::sql::Dialect::postgres, &sluice::sql::make_postgres) {}
};

}  // namespace

SLUICE_SINK(PostgresSink, "postgres", "1.0.0",
            "Writes records (JSON objects) into PostgreSQL tables: COPY inserts or upserts, exactly once per Kafka offset")
