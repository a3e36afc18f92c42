// The PostgreSQL and MariaDB servers the SQL tests talk to: started by
// scripts/postgres-server.sh and scripts/mariadb-server.sh as ctest fixtures
// (tests/unit/plugins/sql/CMakeLists.txt), found through the env files they write
// ($SLUICE_POSTGRES_ENV, $SLUICE_MARIADB_ENV). Tests check the databases with the client
// libraries themselves (libpq, MariaDB Connector/C), as an outside client would.
#pragma once

#include <libpq-fe.h>
#include <mysql.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace sluice::testing {

enum class Db { postgres, mariadb };

inline const char* db_name(Db db) { return db == Db::postgres ? "postgres" : "mariadb"; }

// KEY=value lines of a server's env file.
inline std::map<std::string, std::string> read_env_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path + " (is the server fixture running? ctest starts it)");
    std::map<std::string, std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        const auto eq = line.find('=');
        if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return out;
}

inline std::optional<std::string> env_path(Db db) {
    const char* v = std::getenv(db == Db::postgres ? "SLUICE_POSTGRES_ENV" : "SLUICE_MARIADB_ENV");
    if (v == nullptr) return std::nullopt;
    return std::string(v);
}

struct ServerInfo {
    Db db = Db::postgres;
    std::string host, port, database, user, password, admin, url;

    static ServerInfo from_file(Db db, const std::string& path) {
        auto e = read_env_file(path);
        const std::string p = db == Db::postgres ? "POSTGRES_" : "MARIADB_";
        ServerInfo s;
        s.db = db;
        s.host = e[p + "HOST"];
        s.port = e[p + "PORT"];
        s.database = e[p + "DB"];
        s.user = e[p + "USER"];
        s.password = e[p + "PASSWORD"];
        s.admin = e[p + "ADMIN_USER"];
        s.url = e[p + "URL"];
        if (s.port.empty()) throw std::runtime_error("no " + p + "PORT in " + path);
        return s;
    }
    static ServerInfo fixture(Db db) {
        auto path = env_path(db);
        if (!path) throw std::runtime_error(std::string("no server env for ") + db_name(db) + " (run this test through ctest)");
        return from_file(db, *path);
    }
};

using Rows = std::vector<std::vector<std::optional<std::string>>>;

// A plain client connection (as the admin user unless told otherwise). Throws with the
// server's message on any error.
class SqlClient {
public:
    explicit SqlClient(const ServerInfo& s, bool admin = true) : db_(s.db) {
        const std::string user = admin ? s.admin : s.user;
        if (db_ == Db::postgres) {
            const std::string conninfo = "host=" + s.host + " port=" + s.port + " dbname=" + s.database + " user=" + user +
                                         (admin ? "" : " password=" + s.password) + " options='-c TimeZone=UTC'";
            pg_ = PQconnectdb(conninfo.c_str());
            if (PQstatus(pg_) != CONNECTION_OK) {
                std::string m = PQerrorMessage(pg_);
                PQfinish(pg_);
                throw std::runtime_error("cannot connect to PostgreSQL: " + m);
            }
            PQsetNoticeProcessor(pg_, [](void*, const char*) {}, nullptr);
        } else {
            my_ = mysql_init(nullptr);
            mysql_options(my_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
            if (!mysql_real_connect(my_, s.host.c_str(), user.c_str(), admin ? nullptr : s.password.c_str(), s.database.c_str(),
                                    static_cast<unsigned>(std::stoi(s.port)), nullptr, 0)) {
                std::string m = mysql_error(my_);
                mysql_close(my_);
                throw std::runtime_error("cannot connect to MariaDB: " + m);
            }
            exec("SET time_zone = '+00:00'");
        }
    }
    ~SqlClient() {
        if (pg_ != nullptr) PQfinish(pg_);
        if (my_ != nullptr) mysql_close(my_);
    }
    SqlClient(const SqlClient&) = delete;
    SqlClient& operator=(const SqlClient&) = delete;

    Rows rows(const std::string& sql) {
        Rows out;
        if (db_ == Db::postgres) {
            PGresult* r = PQexec(pg_, sql.c_str());
            const auto status = PQresultStatus(r);
            if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
                std::string m = PQresultErrorMessage(r);
                PQclear(r);
                throw std::runtime_error("PostgreSQL refused '" + sql + "': " + m);
            }
            for (int i = 0; i < PQntuples(r); ++i) {
                auto& row = out.emplace_back();
                for (int c = 0; c < PQnfields(r); ++c)
                    row.push_back(PQgetisnull(r, i, c) ? std::nullopt : std::optional<std::string>(PQgetvalue(r, i, c)));
            }
            PQclear(r);
            return out;
        }
        if (mysql_real_query(my_, sql.data(), sql.size()) != 0)
            throw std::runtime_error("MariaDB refused '" + sql + "': " + mysql_error(my_));
        MYSQL_RES* res = mysql_store_result(my_);
        if (res == nullptr) {
            if (mysql_field_count(my_) != 0) throw std::runtime_error(std::string("MariaDB: ") + mysql_error(my_));
            return out;
        }
        const unsigned n = mysql_num_fields(res);
        while (MYSQL_ROW row = mysql_fetch_row(res)) {
            unsigned long* lengths = mysql_fetch_lengths(res);
            auto& r = out.emplace_back();
            for (unsigned c = 0; c < n; ++c)
                r.push_back(row[c] == nullptr ? std::nullopt : std::optional<std::string>(std::string(row[c], lengths[c])));
        }
        mysql_free_result(res);
        return out;
    }
    void exec(const std::string& sql) { rows(sql); }
    // The first cell of the first row ("NULL" for NULL).
    std::string scalar(const std::string& sql) {
        auto r = rows(sql);
        if (r.empty() || r[0].empty()) throw std::runtime_error("no row for '" + sql + "'");
        return r[0][0].value_or("NULL");
    }
    long long number(const std::string& sql) { return std::stoll(scalar(sql)); }

private:
    Db db_;
    PGconn* pg_ = nullptr;
    MYSQL* my_ = nullptr;
};

// A table name no other test (or earlier run) uses.
inline std::string unique_name(const std::string& stem) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    return stem + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(rd() % 100000);
}

}  // namespace sluice::testing
