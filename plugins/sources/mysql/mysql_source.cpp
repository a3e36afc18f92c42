// The `mysql` source: rows of MariaDB/MySQL tables (or one query) as Kafka records, read
// incrementally (Kafka Connect's bulk, incrementing, timestamp, timestamp+incrementing
// modes); see plugins/common/sql/include/sluice/sql/sql_source.hpp and README.md.
#include <sluice/sql/mysql.hpp>
#include <sluice/sql/sql_source.hpp>

namespace {

class MysqlSource : public sluice::sql::SqlSource {
public:
    static std::vector<sluice::ConfigKey> config_keys() { return sluice::sql::SourceSettings::keys(sluice::sql::Dialect::mysql); }
    static void validate(const sluice::Config& config, sluice::ConfigProblems& problems) {
        sluice::sql::SourceSettings::validate(config, sluice::sql::Dialect::mysql, problems);
    }
    static void test(const sluice::Config& config, sluice::TaskContext&) {
        check(config, sluice::sql::Dialect::mysql, &sluice::sql::make_mysql);
    }
    MysqlSource(const sluice::Config& config, sluice::TaskContext& context)
        : SqlSource(config, context, sluice::sql::Dialect::mysql, &sluice::sql::make_mysql) {}
};

}  // namespace

SLUICE_SOURCE(MysqlSource, "mysql", "1.0.0",
              "Reads MariaDB/MySQL tables or a query incrementally (bulk, incrementing, timestamp, timestamp+incrementing)")
