// A mutable JSON document built for transform chains: parsed once when the first transform
// needs it, edited in place by every transform of this library, serialised once at the end.
//
// Parsing validates the whole text (RFC 8259 grammar, UTF-8, depth, and escapes by the SDK's
// one decoder, which refuses lone surrogates: see sluice/sdk/json.hpp) but only splits the
// top level into members: each member keeps the raw text span of its value. A nested object
// or array is split into its own members only when a transform goes inside it (expand()).
// Serialisation concatenates spans, so untouched values come out byte for byte as written
// (numbers keep their spelling; only whitespace between members is dropped).
//
// Duplicate keys: the last one wins (as in Kafka Connect's JSON converter, a map); the member
// keeps the position of its last occurrence. The check is a linear scan over the members
// already read, fine for records of tens of fields.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::transforms {

enum class Kind : std::uint8_t { null, boolean, number, string, object, array };

const char* kind_name(Kind kind);

struct Node;

// A cheap fingerprint of a key (length, first and last byte) compared before the bytes: most
// keys of a record differ in one of them, so key lookups rarely reach memcmp.
inline std::uint32_t key_tag(std::string_view key) {
    if (key.empty()) return 0;
    return static_cast<std::uint32_t>(key.size() << 16) | (static_cast<std::uint32_t>(static_cast<unsigned char>(key.front())) << 8) |
           static_cast<unsigned char>(key.back());
}

struct Member {
    std::string_view key;  // unescaped
    Node* value;
    std::uint32_t tag;     // key_tag(key)
    bool is(std::uint32_t t, std::string_view k) const { return tag == t && key == k; }
};

struct Node {
    Kind kind = Kind::null;
    // Object/array split into members (`members` is authoritative, `text` is stale).
    bool expanded = false;
    std::string_view text;         // the value's JSON text while not expanded
    std::vector<Member> members;   // arrays: keys are empty
};

// Where a dotted path led.
struct Lookup {
    enum Status { found, missing, not_an_object } status = missing;
    Node* node = nullptr;      // found: the value
    Node* parent = nullptr;    // found/missing: the object holding (or that would hold) it
    std::size_t depth = 0;     // not_an_object: index of the path segment that hit a non-object
};

class Document {
public:
    // Parses `text`, which must stay valid while the document is used: the ABI keeps a
    // record's bytes valid for the whole chain (until the worker copied the result), and the
    // document is serialised and released by then. Returns false with `error` set (byte offset
    // and what was expected) when it is not one valid JSON value.
    bool parse(std::string_view text, std::string& error);

    Node& root() { return *root_; }
    void set_root(Node* node) {
        root_ = node;
        dirty_ = true;
    }

    // Splits an object or array into members (validated already; no-op when expanded).
    void expand(Node& node);
    Node* find(Node& object, std::string_view key);
    Lookup lookup(const std::vector<std::string>& path);
    // Replaces the member's value, or appends a new member.
    void set(Node& object, std::string_view key, Node* value);
    bool remove(Node& object, std::string_view key);
    void rename(Member& member, std::string_view new_key) {
        member.key = keep(new_key);
        member.tag = key_tag(new_key);
        dirty_ = true;
    }
    void mark_dirty() { dirty_ = true; }

    // New values. Text is copied into the document.
    Node* make_raw(Kind kind, std::string_view json_text);
    Node* make_string(std::string_view unescaped);
    Node* make_number(double value);
    Node* make_integer(std::int64_t value);
    Node* make_bool(bool value) { return make_raw(Kind::boolean, value ? "true" : "false"); }
    Node* make_null() { return make_raw(Kind::null, "null"); }
    Node* make_object();  // empty, expanded

    // The unescaped text of a string node (a view into the document, or `scratch`).
    std::string_view string_value(const Node& node);
    // The JSON text of any node (serialises an expanded one into `out`).
    void write(const Node& node, std::string& out) const;
    std::string_view keep(std::string_view bytes);

    // The whole document as JSON text; valid until the next call or clear().
    std::string_view serialize();
    void clear();

private:
    Node* new_node();
    bool parse_object_members(Node& node, const char*& p, const char* end, int depth, std::string& error);
    bool parse_array_items(Node& node, const char*& p, const char* end, int depth, std::string& error);
    bool parse_value(const char*& p, const char* end, Node*& out, int depth, bool split, std::string& error);
    void add_member(Node& object, std::string_view key, Node* value);

    std::string_view input_;  // the record's bytes (see parse())
    std::string output_;
    std::string scratch_;
    std::deque<Node> nodes_;
    std::size_t nodes_used_ = 0;
    std::deque<std::string> owned_;
    std::size_t owned_used_ = 0;
    Node* root_ = nullptr;
    bool dirty_ = false;
};

// Splits "a.b.c" into segments; a segment in backticks may hold dots: "`a.b`.c".
std::vector<std::string> split_path(std::string_view dotted);

}  // namespace sluice::transforms
