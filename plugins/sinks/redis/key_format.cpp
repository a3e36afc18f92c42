#include "key_format.hpp"

#include <stdexcept>

namespace sluice::redis {

KeyFormat KeyFormat::parse(std::string_view format) {
    KeyFormat f;
    std::string text;
    for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '{') {
            text.push_back(format[i]);
            continue;
        }
        const std::size_t end = format.find('}', i);
        if (end == std::string_view::npos) throw std::runtime_error("key.format: '{' without '}' in '" + std::string(format) + "'");
        const std::string name(format.substr(i + 1, end - i - 1));
        if (name.empty()) throw std::runtime_error("key.format: an empty placeholder {} in '" + std::string(format) + "'");
        if (!text.empty()) f.pieces_.push_back({Kind::text, std::move(text), {}});
        text.clear();
        Piece p{Kind::field, name, {}};
        if (name == "key") p.kind = Kind::key;
        else if (name == "topic") p.kind = Kind::topic;
        else if (name == "partition") p.kind = Kind::partition;
        else if (name == "offset") p.kind = Kind::offset;
        else {
            for (std::size_t start = 0;;) {
                const std::size_t dot = name.find('.', start);
                p.path.push_back(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
                if (p.path.back().empty()) throw std::runtime_error("key.format: an empty field name in {" + name + "}");
                if (dot == std::string::npos) break;
                start = dot + 1;
            }
            f.needs_value_ = true;
        }
        f.pieces_.push_back(std::move(p));
        i = end;
    }
    if (!text.empty()) f.pieces_.push_back({Kind::text, std::move(text), {}});
    if (f.pieces_.empty()) throw std::runtime_error("key.format: empty");
    return f;
}

std::optional<std::string> scalar_text(simdjson::dom::element e) {
    switch (e.type()) {
    case simdjson::dom::element_type::STRING: return std::string(e.get_string().value());
    case simdjson::dom::element_type::INT64: return std::to_string(e.get_int64().value());
    case simdjson::dom::element_type::UINT64: return std::to_string(e.get_uint64().value());
    case simdjson::dom::element_type::DOUBLE: return simdjson::minify(e);
    case simdjson::dom::element_type::BOOL: return e.get_bool().value() ? "true" : "false";
    default: return std::nullopt;
    }
}

bool KeyFormat::render(const Record& r, std::string& out, std::string& problem) const {
    for (const Piece& p : pieces_) {
        switch (p.kind) {
        case Kind::text: out += p.text; break;
        case Kind::topic: out += r.topic; break;
        case Kind::partition: out += std::to_string(r.partition); break;
        case Kind::offset: out += std::to_string(r.offset); break;
        case Kind::key: {
            if (!r.key) {
                problem = "it has no key, and key.format uses {key}";
                return false;
            }
            // A JSON string key ("AF123") stands for its text.
            std::string_view k = *r.key;
            if (k.size() >= 2 && k.front() == '"' && k.back() == '"' && k.find('\\') == std::string_view::npos)
                k = k.substr(1, k.size() - 2);
            out += k;
            break;
        }
        case Kind::field: {
            if (r.value == nullptr || !r.value->is_object()) {
                problem = "its value is not a JSON object, and key.format uses {" + p.text + "}";
                return false;
            }
            simdjson::dom::element e = *r.value;
            for (const auto& part : p.path) {
                if (!e.is_object() || e.get_object()[part].get(e)) {
                    problem = "its value has no field '" + p.text + "' (key.format)";
                    return false;
                }
            }
            auto text = scalar_text(e);
            if (!text) {
                problem = "its field '" + p.text + "' is null, an object or an array; key.format needs a string or number";
                return false;
            }
            out += *text;
            break;
        }
        }
    }
    return true;
}

}  // namespace sluice::redis
