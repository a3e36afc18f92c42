#include "json_validator.hpp"

#include <sluice/sdk.hpp>

#include <cstddef>
#include <vector>

namespace sluice::file_sink {
namespace {

class Validator {
public:
    explicit Validator(std::string_view text) : text_(text) {}

    bool run() {
        while (true) {
            // Expecting a value.
            skip_whitespace();
            if (at_end()) return false;
            const char c = text_[i_];
            if (c == '{' || c == '[') {
                ++i_;
                skip_whitespace();
                if (!at_end() && text_[i_] == (c == '{' ? '}' : ']')) {
                    ++i_;
                } else {
                    open_.push_back(c);
                    if (c == '{' && !member_name()) return false;
                    continue;
                }
            } else if (!scalar()) {
                return false;
            }
            // After a value: close containers, or find the next element.
            while (true) {
                skip_whitespace();
                if (open_.empty()) return at_end();
                if (at_end()) return false;
                const char next = text_[i_++];
                const char container = open_.back();
                if (next == ',') {
                    if (container == '{' && !member_name()) return false;
                    break;
                }
                if (next != (container == '{' ? '}' : ']')) return false;
                open_.pop_back();
            }
        }
    }

private:
    bool at_end() const { return i_ >= text_.size(); }

    void skip_whitespace() {
        while (!at_end() && (text_[i_] == ' ' || text_[i_] == '\t' || text_[i_] == '\n' || text_[i_] == '\r')) ++i_;
    }

    // `"name" :` inside an object, leaving the cursor on the member's value.
    bool member_name() {
        skip_whitespace();
        if (at_end() || text_[i_] != '"' || !string()) return false;
        skip_whitespace();
        if (at_end() || text_[i_] != ':') return false;
        ++i_;
        return true;
    }

    bool scalar() {
        switch (text_[i_]) {
        case '"': return string();
        case 't': return literal("true");
        case 'f': return literal("false");
        case 'n': return literal("null");
        default: return number();
        }
    }

    bool literal(std::string_view word) {
        if (text_.substr(i_, word.size()) != word) return false;
        i_ += word.size();
        return true;
    }

    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    bool digits() {
        const std::size_t start = i_;
        while (!at_end() && is_digit(text_[i_])) ++i_;
        return i_ > start;
    }

    bool number() {
        if (!at_end() && text_[i_] == '-') ++i_;
        if (at_end()) return false;
        if (text_[i_] == '0') {
            ++i_;
        } else if (!digits()) {
            return false;
        }
        if (!at_end() && text_[i_] == '.') {
            ++i_;
            if (!digits()) return false;
        }
        if (!at_end() && (text_[i_] == 'e' || text_[i_] == 'E')) {
            ++i_;
            if (!at_end() && (text_[i_] == '+' || text_[i_] == '-')) ++i_;
            if (!digits()) return false;
        }
        return true;
    }

    bool string() {
        ++i_; // opening quote
        while (!at_end()) {
            const auto c = static_cast<unsigned char>(text_[i_]);
            if (c == '"') {
                ++i_;
                return true;
            }
            if (c < 0x20) return false;
            if (c == '\\') {
                if (!escape()) return false;
                continue;
            }
            if (c < 0x80) {
                ++i_;
                continue;
            }
            const std::size_t length = utf8::sequence_length(text_, i_);
            if (length == 0) return false;
            i_ += length;
        }
        return false;
    }

    // The SDK's one escape rule (a lone surrogate is not JSON text a reader can decode).
    bool escape() { return json::decode_escape(text_, i_, nullptr) == nullptr; }

    std::string_view text_;
    std::size_t i_ = 0;
    std::vector<char> open_; // '{' and '[' of the containers around the cursor
};

}  // namespace

bool is_valid_json(std::string_view text) { return Validator(text).run(); }

}  // namespace sluice::file_sink
