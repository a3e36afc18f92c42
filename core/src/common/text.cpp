#include "common/text.hpp"

#include <sluice/sdk.hpp>

#include <algorithm>

namespace sluice::text {

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += separator;
        out += items[i];
    }
    return out;
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t pos = text.find(separator, start);
        out.emplace_back(text.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        size_t d = edit_distance(word, c);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

std::string shown(std::string_view value, size_t max) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string v;
    const std::string_view cut = value.substr(0, max);
    for (size_t i = 0; i < cut.size();) {
        const auto c = static_cast<unsigned char>(cut[i]);
        size_t n = utf8::sequence_length(cut, i);
        if (n > 1 || (n == 1 && c >= 0x20 && c != 0x7f)) {
            v.append(cut.substr(i, n));
            i += n;
            continue;
        }
        v += "\\x";
        v += hex[c >> 4];
        v += hex[c & 0xf];
        ++i;
    }
    if (value.size() > max) v += "...";
    if (v.empty() || v.find_first_of(" ") != std::string::npos) return "'" + v + "'";
    return v;
}

std::optional<size_t> invalid_utf8_at(std::string_view text) {
    for (size_t i = 0; i < text.size();) {
        size_t n = utf8::sequence_length(text, i);
        if (n == 0) return i;
        i += n;
    }
    return std::nullopt;
}

std::optional<TextProblem> text_file_problem(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        size_t n = utf8::sequence_length(text, i);
        if (n == 0) {
            return TextProblem{i, std::string("byte 0x") + hex[c >> 4] + hex[c & 0xf] + " is not valid UTF-8 (the file must be UTF-8 text)"};
        }
        if (n == 1 && (c < 0x20 || c == 0x7f) && c != '\t' && c != '\n' && c != '\r')
            return TextProblem{i, std::string("control character U+00") + hex[c >> 4] + hex[c & 0xf] + " is not allowed in a text file"};
        i += n;
    }
    return std::nullopt;
}

std::pair<size_t, size_t> line_column(std::string_view text, size_t offset) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

}  // namespace sluice::text
