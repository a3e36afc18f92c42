// The `postgres` source: rows of PostgreSQL tables (or one query) as Kafka records, read
// incrementally (Kafka Connect's bulk, incrementing, timestamp, timestamp+incrementing
// modes); see plugins/common/sql/include/sluice/sql/sql_source.hpp and README.md.
#include <sluice/sql/postgres.hpp>
#include <sluice/sql/sql_source.hpp>

namespace {

class PostgresSource : public sluice::sql::SqlSource {
public:
    static std::vector<sluice::ConfigKey> config_keys() { return sluice::sql::SourceSettings::keys(sluice::sql::Dialect::postgres); }
    static void validate(const sluice::Config& config, sluice::ConfigProblems& problems) {
        sluice::sql::SourceSettings::validate(config, sluice::sql::Dialect::postgres, problems);
    }
    static void test(const sluice::Config& config, sluice::TaskContext&) {
        check(config, sluice::sql::Dialect::postgres, &sluice::sql::make_postgres);
    }
    PostgresSource(const sluice::Config& config, sluice::TaskContext& context)
        : SqlSource(config, context, sluice::sql::Dialect::postgres, &sluice::sql::make_postgres) {}
};

}  // namespace

SLUICE_SOURCE(PostgresSource, "postgres", "1.0.0",
              "Reads PostgreSQL tables or a query incrementally (bulk, incrementing, timestamp, timestamp+incrementing)")
