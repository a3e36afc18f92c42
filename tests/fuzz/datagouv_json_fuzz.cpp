// The datagouv source's other inputs: a JSON resource file (a top-level array split element
// by element, each element turned into a record value and key), the data.gouv.fr dataset API
// answer, and the source offset read back from Kafka, all on the same fuzz bytes.
// Invariants: only documented std::runtime_error escapes (parse_dataset); the counting pass
// and the reading pass agree on a well-formed array; values and keys are JSON in UTF-8;
// an offset read back writes out to the same offset.
#include "fuzz_support.hpp"

#include "catalog.hpp"
#include "json_records.hpp"
#include "resource_offset.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>

using namespace sluice;
using namespace sluice::datagouv;

namespace {

bool json_in_utf8(const std::string& text) { return fuzz::valid_utf8(text) && nlohmann::json::accept(text); }

// The dataset API answer and the stored offset, read from the same bytes.
void parse_other_inputs(const std::string& text) {
    try {
        Dataset d = parse_dataset(text);
        for (const auto& r : d.resources) {
            FUZZ_CHECK(!r.id.empty() && !r.url.empty(), "a resource without id or url");
            (void)readable_format(r.format);
        }
    } catch (const std::runtime_error&) {
    }

    // An offset this source wrote reads back the same (what it accepts beyond that is lenient:
    // the SDK's json::parse_flat keeps a bare token as text).
    if (auto offset = parse_offset(text)) {
        const std::string written = offset_json(*offset);
        auto again = parse_offset(written);
        FUZZ_CHECK(again && offset_json(*again) == written, "a written offset does not read back: " + fuzz::excerpt(written));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string text(reinterpret_cast<const char*>(data), size);
    const size_t max_element = 4096;

    fuzz::MemoryFile file(data, size);
    if (!file.file) return 0;
    ByteStream in(file.file);
    size_t counted = 0;
    std::optional<JsonArrayReader> opened;
    try {
        counted = count_json_elements(in, max_element);
        in.rewind();
        opened.emplace(in, max_element);
    } catch (const std::runtime_error&) {
        // A damaged byte order mark: the source reports the whole file once (datagouv_source.cpp).
    }
    if (!opened) {
        parse_other_inputs(text);
        return 0;
    }
    JsonArrayReader& reader = *opened;
    JsonElement element;
    size_t read = 0;
    bool problems = false;
    while (reader.next(element)) {
        ++read;
        FUZZ_CHECK(element.text.size() <= max_element, "element over the limit");
        if (!element.problem.empty()) {
            problems = true;
            continue;
        }
        std::string error;
        auto value = json_record_value(element.text, error);
        FUZZ_CHECK(value.has_value() == error.empty(), "json_record_value: value and error disagree: " + error);
        if (!value) continue;
        FUZZ_CHECK(json_in_utf8(*value), "record value not JSON in UTF-8: " + fuzz::excerpt(*value));
        const std::string key = json_record_key(*value, {"recordid", "IDENT", "missing"});
        FUZZ_CHECK(json_in_utf8(key), "record key not JSON in UTF-8: " + fuzz::excerpt(key));
    }
    if (reader.problem().empty() && !problems)
        FUZZ_CHECK(read == counted, "counted " + std::to_string(counted) + " elements, read " + std::to_string(read));

    parse_other_inputs(text);
    return 0;
}
