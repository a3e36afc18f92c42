// The `mysql` sink: Kafka records (JSON objects) into MariaDB or MySQL tables with
// multi-row INSERT (... ON DUPLICATE KEY UPDATE), exactly once per Kafka offset (see
// plugins/common/sql/include/sluice/sql/sql_sink.hpp and README.md).
#include <sluice/sql/mysql.hpp>
#include <sluice/sql/sql_sink.hpp>

namespace {

class MysqlSink : public sluice::sql::SqlSink {
public:
    static std::vector<sluice::ConfigKey> config_keys() { return sluice::sql::SinkSettings::keys(sluice::sql::Dialect::mysql); }
    static void validate(const sluice::Config& config, sluice::ConfigProblems& problems) {
        sluice::sql::SinkSettings::validate(config, sluice::sql::Dialect::mysql, problems);
    }
    static void test(const sluice::Config& config, sluice::TaskContext&) {
        check(config, sluice::sql::Dialect::mysql, &sluice::sql::make_mysql);
    }
    MysqlSink(const sluice::Config& config, sluice::TaskContext& context)
        : SqlSink(config, context, sluice::sql::Dialect::mysql, &sluice::sql::make_mysql) {}
};

}  // namespace

SLUICE_SINK(MysqlSink, "mysql", "1.0.0",
            "Writes records (JSON objects) into MariaDB/MySQL tables: multi-row inserts or upserts, exactly once per Kafka offset")
