// The standard transforms' JSON document (plugins/transforms/standard/json_document.*): every
// record value and key a transform chain touches is parsed by it. Checked against
// nlohmann::json as a reference: the document accepts exactly what RFC 8259 accepts (up to
// its nesting limit of 512), and what it serialises — untouched, fully expanded, and after
// removing, adding and copying members as transforms do — means the same JSON.
#include "fuzz_support.hpp"

#include "json_document.hpp"

#include <nlohmann/json.hpp>

#include <string>

using namespace sluice;
using transforms::Document;
using transforms::Kind;
using transforms::Node;

namespace {

using Json = nlohmann::json;

Json reparsed(std::string_view serialised, std::string_view input) {
    auto j = Json::parse(serialised, nullptr, false);
    FUZZ_CHECK(!j.is_discarded(), "serialised document is not JSON: " + fuzz::excerpt(serialised) + "\ninput: " + fuzz::excerpt(input));
    return j;
}

// Expands every object and array (at most `budget` nodes) and checks string values.
void expand_all(Document& doc, Node& node, size_t& budget) {
    if (budget == 0) return;
    --budget;
    if (node.kind == Kind::string) {
        auto value = doc.string_value(node);
        FUZZ_CHECK(fuzz::valid_utf8(value), "string value not UTF-8: " + fuzz::excerpt(node.text));
        return;
    }
    if (node.kind != Kind::object && node.kind != Kind::array) return;
    doc.expand(node);
    for (auto& m : node.members) expand_all(doc, *m.value, budget);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    Document doc;
    std::string error;
    const bool ok = doc.parse(input, error);
    // Where nlohmann is more lenient than the document, both within RFC 8259: it stops reading
    // at a NUL byte (never valid in JSON text outside an escape) and skips a leading UTF-8
    // byte order mark (which a parser MAY ignore; records never start with one).
    const bool reference = input.find('\0') == std::string::npos && input.rfind("\xEF\xBB\xBF", 0) != 0 && Json::accept(input);
    if (!ok) {
        FUZZ_CHECK(!reference || error.find("nesting deeper than") != std::string::npos,
                   "valid JSON refused (" + error + "): " + fuzz::excerpt(input));
        return 0;
    }
    if (!reference) {
        // One thing RFC 8259's grammar allows and nlohmann refuses: a number beyond double's
        // range (kept as written). Anything else nlohmann refuses is a finding; a lone
        // surrogate escape among them, since both refuse it (sluice/sdk/json.hpp).
        std::string why;
        try {
            (void)Json::parse(input);
        } catch (const Json::exception& e) {
            why = e.what();
        }
        FUZZ_CHECK(why.find("number overflow") != std::string::npos,
                   "invalid JSON accepted: " + fuzz::excerpt(input) + "\n" + why);
        size_t budget = 20000;
        expand_all(doc, doc.root(), budget);
        return 0;
    }
    Json want = Json::parse(input);

    FUZZ_CHECK(reparsed(doc.serialize(), input) == want, "untouched document changed: " + fuzz::excerpt(input));
    size_t budget = 20000;
    expand_all(doc, doc.root(), budget);
    doc.mark_dirty();
    FUZZ_CHECK(reparsed(doc.serialize(), input) == want, "expanded document changed: " + fuzz::excerpt(input));

    // Edits of a record object, as insert_field / replace_field / copy transforms make them.
    Node& root = doc.root();
    if (root.kind == Kind::object) {
        if (!root.members.empty()) {
            const std::string first(root.members.front().key);
            FUZZ_CHECK(doc.remove(root, first), "remove of an existing member failed");
            want.erase(first);
        }
        doc.set(root, "fuzz.added", doc.make_integer(static_cast<std::int64_t>(size)));
        want["fuzz.added"] = size;
        for (auto& m : root.members) {
            if (m.value->kind != Kind::string) continue;
            const std::string key(m.key);
            const std::string copied(doc.string_value(*m.value));
            doc.set(root, "fuzz.copy", doc.make_string(copied));
            want["fuzz.copy"] = want.at(key);
            break;
        }
        FUZZ_CHECK(reparsed(doc.serialize(), input) == want, "edited document differs: " + fuzz::excerpt(input));

        // Dotted paths as transforms spell them ("a.b", "`a.b`.c"), taken from the input.
        auto path = transforms::split_path(input.substr(0, 64));
        auto found = doc.lookup(path);
        if (found.status == transforms::Lookup::found) FUZZ_CHECK(found.node != nullptr, "found without a node");
    }
    return 0;
}
