#include "json_document.hpp"

#include <sluice/sdk/json.hpp>

#include <array>
#include <charconv>
#include <cstring>

namespace sluice::transforms {

namespace {

constexpr int max_depth = 512;

// Bytes that end the fast path inside a string: the quote, a backslash, control characters
// (not allowed raw in JSON) and non-ASCII bytes (checked as UTF-8).
constexpr std::array<bool, 256> make_string_specials() {
    std::array<bool, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[c] = true;
    t['"'] = true;
    t['\\'] = true;
    for (int c = 0x80; c < 0x100; ++c) t[c] = true;
    return t;
}
constexpr auto string_specials = make_string_specials();

inline bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
inline void skip_ws(const char*& p, const char* end) {
    while (p < end && is_ws(*p)) ++p;
}
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool fail(std::string& error, const char* what, const char* at, const char* begin) {
    error = std::string(what) + " at byte " + std::to_string(at - begin);
    return false;
}

// p points at the opening quote. On success p points after the closing quote.
bool scan_string(const char*& p, const char* end, bool& escaped, const char* begin, std::string& error) {
    const char* q = p + 1;
    escaped = false;
    while (true) {
        while (q < end && !string_specials[static_cast<unsigned char>(*q)]) ++q;
        if (q >= end) return fail(error, "unterminated string", p, begin);
        const auto c = static_cast<unsigned char>(*q);
        if (c == '"') {
            p = q + 1;
            return true;
        }
        if (c == '\\') {
            escaped = true;
            if (q + 1 >= end) return fail(error, "unterminated string", p, begin);
            // Checked by the SDK's one escape decoder, so that unescape() below cannot fail
            // on a document that parsed (lone surrogates are refused: see sluice/sdk/json.hpp).
            std::size_t after = 0;
            if (const char* what = json::decode_escape(std::string_view(q, static_cast<std::size_t>(end - q)), after, nullptr))
                return fail(error, what, q, begin);
            q += after;
            continue;
        }
        if (c < 0x20) return fail(error, "control character in string (must be escaped)", q, begin);
        std::size_t n = utf8::sequence_length(std::string_view(q, static_cast<std::size_t>(end - q)), 0);
        if (n == 0) return fail(error, "invalid UTF-8 in string", q, begin);
        q += n;
    }
}

inline bool scan_number(const char*& p, const char* end, const char* begin, std::string& error) {
    const char* q = p;
    if (q < end && *q == '-') ++q;
    if (q >= end || !is_digit(*q)) return fail(error, "expected a digit", q, begin);
    if (*q == '0') {
        ++q;
    } else {
        while (q < end && is_digit(*q)) ++q;
    }
    if (q < end && *q == '.') {
        ++q;
        if (q >= end || !is_digit(*q)) return fail(error, "expected a digit after '.'", q, begin);
        while (q < end && is_digit(*q)) ++q;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        ++q;
        if (q < end && (*q == '+' || *q == '-')) ++q;
        if (q >= end || !is_digit(*q)) return fail(error, "expected a digit in the exponent", q, begin);
        while (q < end && is_digit(*q)) ++q;
    }
    p = q;
    return true;
}

bool scan_literal(const char*& p, const char* end, std::string_view word, const char* begin, std::string& error) {
    if (static_cast<std::size_t>(end - p) < word.size() || std::memcmp(p, word.data(), word.size()) != 0)
        return fail(error, "expected a JSON value", p, begin);
    p += word.size();
    return true;
}

// Validates one value without building anything; p ends after it.
bool skip_value(const char*& p, const char* end, Kind& kind, int depth, const char* begin, std::string& error) {
    if (p >= end) return fail(error, "expected a JSON value, found the end", p, begin);
    switch (*p) {
    case '"': {
        bool escaped = false;
        kind = Kind::string;
        return scan_string(p, end, escaped, begin, error);
    }
    case '{': {
        kind = Kind::object;
        if (depth >= max_depth) return fail(error, "nesting deeper than 512", p, begin);
        ++p;
        skip_ws(p, end);
        if (p < end && *p == '}') {
            ++p;
            return true;
        }
        while (true) {
            skip_ws(p, end);
            if (p >= end || *p != '"') return fail(error, "expected a string key", p, begin);
            bool escaped = false;
            if (!scan_string(p, end, escaped, begin, error)) return false;
            skip_ws(p, end);
            if (p >= end || *p != ':') return fail(error, "expected ':'", p, begin);
            ++p;
            skip_ws(p, end);
            Kind inner;
            if (!skip_value(p, end, inner, depth + 1, begin, error)) return false;
            skip_ws(p, end);
            if (p < end && *p == ',') {
                ++p;
                continue;
            }
            if (p < end && *p == '}') {
                ++p;
                return true;
            }
            return fail(error, "expected ',' or '}'", p, begin);
        }
    }
    case '[': {
        kind = Kind::array;
        if (depth >= max_depth) return fail(error, "nesting deeper than 512", p, begin);
        ++p;
        skip_ws(p, end);
        if (p < end && *p == ']') {
            ++p;
            return true;
        }
        while (true) {
            skip_ws(p, end);
            // Coordinates are most of the bytes of a geometry: numbers skip the dispatch.
            if (p < end && (is_digit(*p) || *p == '-')) {
                if (!scan_number(p, end, begin, error)) return false;
            } else {
                Kind inner;
                if (!skip_value(p, end, inner, depth + 1, begin, error)) return false;
            }
            skip_ws(p, end);
            if (p < end && *p == ',') {
                ++p;
                continue;
            }
            if (p < end && *p == ']') {
                ++p;
                return true;
            }
            return fail(error, "expected ',' or ']'", p, begin);
        }
    }
    case 't': kind = Kind::boolean; return scan_literal(p, end, "true", begin, error);
    case 'f': kind = Kind::boolean; return scan_literal(p, end, "false", begin, error);
    case 'n': kind = Kind::null; return scan_literal(p, end, "null", begin, error);
    default: kind = Kind::number; return scan_number(p, end, begin, error);
    }
}

void append_key(std::string& out, std::string_view key) {
    // Keys read from the input are unescaped; quoting again is exact and cheap for plain keys.
    bool plain = true;
    for (char c : key) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || c == '"' || c == '\\' || u >= 0x80) {
            plain = false;
            break;
        }
    }
    if (plain) {
        out.push_back('"');
        out.append(key);
        out.push_back('"');
    } else {
        json::append_quoted(out, key);
    }
}

}  // namespace

const char* kind_name(Kind kind) {
    switch (kind) {
    case Kind::null: return "null";
    case Kind::boolean: return "a boolean";
    case Kind::number: return "a number";
    case Kind::string: return "a string";
    case Kind::object: return "an object";
    case Kind::array: return "an array";
    }
    return "?";
}

std::vector<std::string> split_path(std::string_view dotted) {
    std::vector<std::string> out;
    std::string current;
    bool quoted = false;
    for (char c : dotted) {
        if (c == '`') {
            quoted = !quoted;
        } else if (c == '.' && !quoted) {
            out.push_back(std::move(current));
            current.clear();
        } else {
            current.push_back(c);
        }
    }
    out.push_back(std::move(current));
    return out;
}

Node* Document::new_node() {
    if (nodes_used_ == nodes_.size()) nodes_.emplace_back();
    Node* n = &nodes_[nodes_used_++];
    n->kind = Kind::null;
    n->expanded = false;
    n->text = {};
    n->members.clear();
    return n;
}

std::string_view Document::keep(std::string_view bytes) {
    if (owned_used_ == owned_.size()) owned_.emplace_back();
    std::string& s = owned_[owned_used_++];
    s.assign(bytes);
    return s;
}

void Document::clear() {
    nodes_used_ = 0;
    owned_used_ = 0;
    root_ = nullptr;
    dirty_ = false;
    input_ = {};
}

void Document::add_member(Node& object, std::string_view key, Node* value) {
    const std::uint32_t tag = key_tag(key);
    for (auto it = object.members.begin(); it != object.members.end(); ++it) {
        if (it->is(tag, key)) {
            object.members.erase(it);  // duplicate key: the last occurrence wins
            dirty_ = true;
            break;
        }
    }
    object.members.push_back({key, value, tag});
}

bool Document::parse_object_members(Node& node, const char*& p, const char* end, int depth, std::string& error) {
    const char* begin = input_.data();
    ++p;  // '{'
    skip_ws(p, end);
    node.kind = Kind::object;
    node.expanded = true;
    if (p < end && *p == '}') {
        ++p;
        return true;
    }
    while (true) {
        skip_ws(p, end);
        if (p >= end || *p != '"') return fail(error, "expected a string key", p, begin);
        const char* key_start = p + 1;
        bool escaped = false;
        if (!scan_string(p, end, escaped, begin, error)) return false;
        std::string_view key(key_start, static_cast<std::size_t>(p - 1 - key_start));
        if (escaped) {
            if (!json::unescape(key, scratch_)) return fail(error, "invalid escape in key", key_start, begin);
            key = keep(scratch_);
        }
        skip_ws(p, end);
        if (p >= end || *p != ':') return fail(error, "expected ':' after a key", p, begin);
        ++p;
        skip_ws(p, end);
        Node* value = nullptr;
        if (!parse_value(p, end, value, depth + 1, false, error)) return false;
        add_member(node, key, value);
        skip_ws(p, end);
        if (p < end && *p == ',') {
            ++p;
            continue;
        }
        if (p < end && *p == '}') {
            ++p;
            return true;
        }
        return fail(error, "expected ',' or '}' in an object", p, begin);
    }
}

bool Document::parse_array_items(Node& node, const char*& p, const char* end, int depth, std::string& error) {
    const char* begin = input_.data();
    ++p;  // '['
    skip_ws(p, end);
    node.kind = Kind::array;
    node.expanded = true;
    if (p < end && *p == ']') {
        ++p;
        return true;
    }
    while (true) {
        skip_ws(p, end);
        Node* value = nullptr;
        if (!parse_value(p, end, value, depth + 1, false, error)) return false;
        node.members.push_back({{}, value, 0});
        skip_ws(p, end);
        if (p < end && *p == ',') {
            ++p;
            continue;
        }
        if (p < end && *p == ']') {
            ++p;
            return true;
        }
        return fail(error, "expected ',' or ']' in an array", p, begin);
    }
}

bool Document::parse_value(const char*& p, const char* end, Node*& out, int depth, bool split, std::string& error) {
    out = new_node();
    const char* start = p;
    if (split && p < end && *p == '{') return parse_object_members(*out, p, end, depth, error);
    if (split && p < end && *p == '[') return parse_array_items(*out, p, end, depth, error);
    Kind kind = Kind::null;
    if (!skip_value(p, end, kind, depth, input_.data(), error)) return false;
    out->kind = kind;
    out->text = std::string_view(start, static_cast<std::size_t>(p - start));
    return true;
}

bool Document::parse(std::string_view text, std::string& error) {
    clear();
    input_ = text;
    const char* p = input_.data();
    const char* end = p + input_.size();
    skip_ws(p, end);
    Node* root = nullptr;
    if (!parse_value(p, end, root, 0, true, error)) return false;
    skip_ws(p, end);
    if (p != end) return fail(error, "unexpected text after the JSON value", p, input_.data());
    root_ = root;  // dirty_ stays set when duplicate keys were dropped
    return true;
}

void Document::expand(Node& node) {
    if (node.expanded || (node.kind != Kind::object && node.kind != Kind::array)) return;
    // The text was validated when the document was parsed (or produced by this document).
    const char* p = node.text.data();
    const char* end = p + node.text.size();
    std::string error;
    // parse_* report offsets relative to input_; the text is valid, so no error occurs.
    if (node.kind == Kind::object) parse_object_members(node, p, end, 1, error);
    else parse_array_items(node, p, end, 1, error);
}

Node* Document::find(Node& object, std::string_view key) {
    if (object.kind != Kind::object) return nullptr;
    expand(object);
    const std::uint32_t tag = key_tag(key);
    for (auto it = object.members.rbegin(); it != object.members.rend(); ++it)
        if (it->is(tag, key)) return it->value;
    return nullptr;
}

Lookup Document::lookup(const std::vector<std::string>& path) {
    Lookup result;
    Node* current = root_;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (current == nullptr || current->kind != Kind::object) {
            result.status = Lookup::not_an_object;
            result.depth = i;
            result.node = current;
            return result;
        }
        result.parent = current;
        Node* next = find(*current, path[i]);
        if (next == nullptr) {
            result.status = Lookup::missing;
            result.depth = i;
            if (i + 1 != path.size()) result.parent = nullptr;
            return result;
        }
        current = next;
    }
    result.status = Lookup::found;
    result.node = current;
    return result;
}

void Document::set(Node& object, std::string_view key, Node* value) {
    expand(object);
    dirty_ = true;
    const std::uint32_t tag = key_tag(key);
    for (auto it = object.members.rbegin(); it != object.members.rend(); ++it) {
        if (it->is(tag, key)) {
            it->value = value;
            return;
        }
    }
    object.members.push_back({keep(key), value, tag});
}

bool Document::remove(Node& object, std::string_view key) {
    expand(object);
    const std::uint32_t tag = key_tag(key);
    for (auto it = object.members.begin(); it != object.members.end(); ++it) {
        if (it->is(tag, key)) {
            object.members.erase(it);
            dirty_ = true;
            return true;
        }
    }
    return false;
}

Node* Document::make_raw(Kind kind, std::string_view json_text) {
    Node* n = new_node();
    n->kind = kind;
    n->text = keep(json_text);
    return n;
}

Node* Document::make_string(std::string_view unescaped) {
    scratch_.clear();
    json::append_quoted(scratch_, unescaped);
    return make_raw(Kind::string, scratch_);
}

Node* Document::make_number(double value) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    return make_raw(Kind::number, std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

Node* Document::make_integer(std::int64_t value) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    return make_raw(Kind::number, std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

Node* Document::make_object() {
    Node* n = new_node();
    n->kind = Kind::object;
    n->expanded = true;
    return n;
}

std::string_view Document::string_value(const Node& node) {
    std::string_view body = node.text.substr(1, node.text.size() - 2);
    if (body.find('\\') == std::string_view::npos) return body;
    std::string out;
    json::unescape(body, out);  // cannot fail: parse() checked every escape
    return keep(out);
}

void Document::write(const Node& node, std::string& out) const {
    if (!node.expanded) {
        out.append(node.text);
        return;
    }
    const bool object = node.kind == Kind::object;
    out.push_back(object ? '{' : '[');
    bool first = true;
    for (const Member& m : node.members) {
        if (!first) out.push_back(',');
        first = false;
        if (object) {
            append_key(out, m.key);
            out.push_back(':');
        }
        write(*m.value, out);
    }
    out.push_back(object ? '}' : ']');
}

std::string_view Document::serialize() {
    if (!dirty_ && root_ != nullptr && !root_->expanded) return root_->text;
    if (!dirty_) return input_;  // untouched: the input, byte for byte
    output_.clear();
    output_.reserve(input_.size() + 64);
    write(*root_, output_);
    return output_;
}

}  // namespace sluice::transforms
