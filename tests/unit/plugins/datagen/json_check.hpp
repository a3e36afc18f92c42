// A strict JSON syntax check (RFC 8259) small enough to trust by reading: tests use it to
// prove generated values parse, independent of the generator's own formatting code.
#pragma once

#include <cstddef>
#include <string_view>

namespace sluice::testing {

class JsonCheck {
public:
    static bool valid(std::string_view text) {
        JsonCheck check(text);
        check.space();
        if (!check.value()) return false;
        check.space();
        return check.pos_ == text.size();
    }

private:
    explicit JsonCheck(std::string_view text) : text_(text) {}

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[pos_]; }
    bool eat(char c) {
        if (peek() != c) return false;
        ++pos_;
        return true;
    }
    void space() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
    }
    bool literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }
    bool digits() {
        const std::size_t start = pos_;
        while (peek() >= '0' && peek() <= '9') ++pos_;
        return pos_ > start;
    }
    bool number() {
        eat('-');
        if (eat('0')) {
            if (peek() >= '0' && peek() <= '9') return false; // no leading zeros
        } else if (!digits()) {
            return false;
        }
        if (eat('.') && !digits()) return false;
        if (eat('e') || eat('E')) {
            if (!eat('+')) eat('-');
            if (!digits()) return false;
        }
        return true;
    }
    bool string() {
        if (!eat('"')) return false;
        while (!at_end()) {
            const auto c = static_cast<unsigned char>(text_[pos_++]);
            if (c == '"') return true;
            if (c < 0x20) return false;
            if (c == '\\') {
                if (at_end()) return false;
                const char e = text_[pos_++];
                if (e == 'u') {
                    for (int i = 0; i < 4; ++i) {
                        const char h = peek();
                        if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return false;
                        ++pos_;
                    }
                } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
                    return false;
                }
            }
        }
        return false;
    }
    bool sequence(char close, bool keyed) {
        space();
        if (eat(close)) return true;
        for (;;) {
            space();
            if (keyed) {
                if (!string()) return false;
                space();
                if (!eat(':')) return false;
                space();
            }
            if (!value()) return false;
            space();
            if (eat(close)) return true;
            if (!eat(',')) return false;
        }
    }
    bool value() {
        if (++depth_ > 64) return false;
        bool ok = false;
        switch (peek()) {
        case '{': ++pos_; ok = sequence('}', true); break;
        case '[': ++pos_; ok = sequence(']', false); break;
        case '"': ok = string(); break;
        case 't': ok = literal("true"); break;
        case 'f': ok = literal("false"); break;
        case 'n': ok = literal("null"); break;
        default: ok = number();
        }
        --depth_;
        return ok;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    int depth_ = 0;
};

}  // namespace sluice::testing
