#include "sql.hpp"
#include <sluice/sdk/text.hpp>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace sluice::clickhouse {

using text::is_space;
using text::trim;

namespace {

std::string quote(std::string_view text, char q) {
    std::string out(1, q);
    for (char c : text) {
        if (c == q || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back(q);
    return out;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        std::size_t at = text.find(sep, start);
        out.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos) return out;
        start = at + 1;
    }
}

template <class T>
bool parse_number(std::string_view text, T& value) {
    auto res = std::from_chars(text.data(), text.data() + text.size(), value);
    return res.ec == std::errc() && res.ptr == text.data() + text.size();
}


}  // namespace

std::string quote_identifier(std::string_view name) { return quote(name, '`'); }
std::string quote_string(std::string_view text) { return quote(text, '\''); }
std::string qualified(std::string_view database, std::string_view table) {
    return quote_identifier(database) + "." + quote_identifier(table);
}

std::string column_problem(std::string_view column) {
    std::size_t i = 0;
    while (i < column.size() && is_space(column[i])) ++i;
    std::size_t name_start = i;
    if (i < column.size() && column[i] == '`') {
        for (++i; i < column.size() && column[i] != '`'; ++i)
            if (column[i] == '\\') ++i;
        if (i >= column.size()) return "unterminated `quoted` column name";
        ++i;
    } else {
        while (i < column.size() && !is_space(column[i])) ++i;
    }
    std::string_view name = column.substr(name_start, i - name_start);
    if (name.empty()) return "empty column declaration";
    while (i < column.size() && is_space(column[i])) ++i;
    if (i >= column.size()) return "no type after the column name (expected e.g. \"sensor String\")";
    if (name == "_topic" || name == "_partition" || name == "_offset" || name == "`_topic`" ||
        name == "`_partition`" || name == "`_offset`")
        return "_topic, _partition and _offset are added by the sink; do not declare them";
    int depth = 0;
    bool in_string = false;
    for (std::size_t k = i; k < column.size(); ++k) {
        char c = column[k];
        if (in_string) {
            if (c == '\\') ++k;
            else if (c == '\'') in_string = false;
            continue;
        }
        if (c == '\'') in_string = true;
        else if (c == '(') ++depth;
        else if (c == ')' && --depth < 0) return "unbalanced parentheses";
        else if (c == ';') return "';' is not allowed in a column declaration";
        else if (c == ',' && depth == 0) return "one column per list item (found ',' outside parentheses)";
    }
    if (depth != 0 || in_string) return "unbalanced parentheses or quotes";
    return "";
}

std::string create_table_sql(std::string_view database, std::string_view table, const std::vector<std::string>& columns) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + qualified(database, table) + " (";
    for (const auto& c : columns) sql += c + ", ";
    sql += "_topic String, _partition Int32, _offset Int64) ENGINE = MergeTree ORDER BY (_topic, _partition, _offset)";
    return sql;
}

std::string insert_sql(std::string_view database, std::string_view table) {
    return "INSERT INTO " + qualified(database, table) + " FORMAT JSONEachRow";
}

std::string watermark_sql(std::string_view database, std::string_view table, const std::vector<std::string>& topics) {
    std::string in;
    for (const auto& t : topics) in += (in.empty() ? "" : ", ") + quote_string(t);
    return "SELECT _topic, _partition, max(_offset) FROM " + qualified(database, table) + " WHERE _topic IN (" + in +
           ") GROUP BY _topic, _partition FORMAT TabSeparated";
}

std::string partition_watermark_sql(std::string_view database, std::string_view table, std::string_view topic,
                                    std::int32_t partition) {
    return "SELECT max(_offset), count() FROM " + qualified(database, table) + " WHERE _topic = " + quote_string(topic) +
           " AND _partition = " + std::to_string(partition) + " FORMAT TabSeparated";
}

namespace {


// Position of `word` in `text` at parenthesis depth 0 and outside quotes, from `from` on.
std::size_t find_top_level(std::string_view text, std::string_view word, std::size_t from) {
    int depth = 0;
    char quote_char = 0;
    for (std::size_t i = from; i < text.size(); ++i) {
        const char c = text[i];
        if (quote_char != 0) {
            if (c == '\\') ++i;
            else if (c == quote_char) quote_char = 0;
            continue;
        }
        if (c == '\'' || c == '`' || c == '"') quote_char = c;
        else if (c == '(') ++depth;
        else if (c == ')') --depth;
        else if (depth == 0 && text.compare(i, word.size(), word) == 0) return i;
    }
    return std::string_view::npos;
}

}  // namespace

std::string partition_key_from_engine_full(std::string_view engine_full) {
    engine_full = trim(engine_full);
    const std::size_t at = find_top_level(engine_full, " PARTITION BY ", 0);
    if (at == std::string_view::npos) {
        // Old syntax: MergeTree(date_column, [sampling,] primary key, granularity).
        const std::size_t open = engine_full.find('(');
        const std::string_view engine = engine_full.substr(0, open);
        if (open == std::string_view::npos || engine.size() < 9 || engine.substr(engine.size() - 9) != "MergeTree")
            return "";
        const std::size_t comma = find_top_level(engine_full, ",", open + 1);
        if (comma == std::string_view::npos) return "";
        return "toYYYYMM(" + std::string(trim(engine_full.substr(open + 1, comma - open - 1))) + ")";
    }
    const std::size_t start = at + 14;
    std::size_t end = engine_full.size();
    for (std::string_view next : {" ORDER BY ", " PRIMARY KEY ", " SAMPLE BY ", " TTL ", " SETTINGS "})
        end = std::min(end, find_top_level(engine_full, next, start));
    return std::string(trim(engine_full.substr(start, end - start)));
}

bool partition_key_is_constant(std::string_view partition_key) {
    std::string compact;
    for (char c : partition_key)
        if (!is_space(c)) compact.push_back(c);
    return compact.empty() || compact == "tuple()";
}

std::string tsv_unescape(std::string_view field) {
    std::string out;
    out.reserve(field.size());
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] != '\\' || i + 1 == field.size()) {
            out.push_back(field[i]);
            continue;
        }
        char c = field[++i];
        switch (c) {
        case 't': out.push_back('\t'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case '0': out.push_back('\0'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        default: out.push_back(c);  // \\ \' and anything else: the byte itself
        }
    }
    return out;
}

Watermarks parse_watermarks(std::string_view tsv) {
    Watermarks out;
    std::size_t line_no = 0;
    for (std::string_view line : split(tsv, '\n')) {
        ++line_no;
        if (line.empty()) continue;
        auto fields = split(line, '\t');
        std::int32_t partition = 0;
        std::int64_t offset = 0;
        if (fields.size() != 3 || !parse_number(fields[1], partition) || !parse_number(fields[2], offset))
            throw std::runtime_error("unexpected answer to the watermark query at line " + std::to_string(line_no) +
                                     ": '" + std::string(line.substr(0, 200)) + "' (expected topic, partition, offset)");
        out[{tsv_unescape(fields[0]), partition}] = offset;
    }
    return out;
}

std::int64_t parse_partition_watermark(std::string_view tsv) {
    while (!tsv.empty() && is_space(tsv.back())) tsv.remove_suffix(1);
    auto fields = split(tsv, '\t');
    std::int64_t offset = 0;
    std::uint64_t count = 0;
    if (fields.size() != 2 || !parse_number(fields[0], offset) || !parse_number(fields[1], count))
        throw std::runtime_error("unexpected answer to the watermark query: '" + std::string(tsv.substr(0, 200)) +
                                 "' (expected max offset and count)");
    return count == 0 ? -1 : offset;
}

}  // namespace sluice::clickhouse
