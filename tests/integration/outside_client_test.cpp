// An outside Kafka client (kcat, its own process) sees what the worker wrote: the source's
// records, and in the offsets topic Kafka Connect's own format, key
// ["<connector>",{<source partition>}] and value {<source offset>}.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>

using namespace sluice::it;
using sluice::testing::wait_until;
using sluice::testing::write_file;

TEST_CASE("outside client: kcat reads the source's records and Kafka Connect offsets in sluice-offsets") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "oc.lines:2"});
    const std::string input = dir.file("in.txt");
    constexpr size_t kLines = 1500;
    std::vector<std::string> lines;
    std::string text;
    for (size_t i = 0; i < kLines; ++i) {
        lines.push_back("record-" + std::to_string(i) + std::string(i % 7, 'x'));  // varying lengths
        text += lines.back() + "\n";
    }
    write_file(input, text);
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    const std::string pipeline = dir.file("oc.yaml");
    // A source alone: no consumer group to wait for.
    write_file(pipeline, "name: oc\n"
                         "source:\n"
                         "  name: file-source\n"
                         "  plugin: file\n"
                         "  topic: oc.lines\n"
                         "  config: {path: '" + input + "'}\n");
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline});

    // Kafka Connect's offsets: key ["oc.file-source",{"filename":"<path>"}], value
    // {"position":<bytes read>}. Once the whole file is acknowledged, the last offset
    // written is the file's size.
    const nlohmann::json expected_key = nlohmann::json::array({"oc.file-source", {{"filename", input}}});
    std::vector<KafkaRecord> offsets;
    auto last_position = [&]() -> int64_t {
        if (offsets.empty()) return -1;
        auto v = nlohmann::json::parse(offsets.back().value, nullptr, false);
        return v.is_object() && v.contains("position") && v["position"].is_number_integer() ? v["position"].get<int64_t>() : -1;
    };
    bool complete = wait_until(
        [&] {
            offsets = kcat_read(dir, kafka.bootstrap(), "sluice-offsets");
            return last_position() == static_cast<int64_t>(text.size()) || !run.process().running();
        },
        30s, 200ms);
    REQUIRE_MESSAGE(complete, "the stored position never reached the file size " << text.size() << "; log:\n" << run.log());
    REQUIRE(run.process().running());

    // Every record of the offsets topic is in Kafka Connect's format, positions only grow
    // and each one lies just after a line terminator of the input.
    int64_t previous = 0;
    for (const auto& r : offsets) {
        REQUIRE(r.key.has_value());
        auto key = nlohmann::json::parse(*r.key, nullptr, false);
        CHECK_MESSAGE(key == expected_key, "offsets key " << *r.key);
        CHECK(*r.key == expected_key.dump());  // compact, as Kafka Connect writes it
        auto value = nlohmann::json::parse(r.value, nullptr, false);
        REQUIRE_MESSAGE(value.is_object(), "offsets value " << r.value);
        CHECK(value.size() == 1);
        REQUIRE(value.contains("position"));
        int64_t position = value["position"].get<int64_t>();
        CHECK(position > previous);
        CHECK(text.at(static_cast<size_t>(position) - 1) == '\n');
        previous = position;
    }

    // The records themselves: exactly the input lines, null keys, input order per partition.
    auto records = kcat_read(dir, kafka.bootstrap(), "oc.lines");
    REQUIRE(records.size() == kLines);
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < kLines; ++i) index[lines[i]] = i;
    std::multiset<std::string> seen;
    std::map<int32_t, std::pair<int64_t, int64_t>> last;  // partition -> (offset, input index)
    for (const auto& r : records) {
        CHECK_FALSE(r.key.has_value());
        seen.insert(r.value);
        REQUIRE(index.count(r.value) == 1);
        int64_t i = static_cast<int64_t>(index.at(r.value));
        auto it = last.find(r.partition);
        if (it != last.end()) {
            CHECK(r.offset == it->second.first + 1);
            CHECK(i > it->second.second);
        } else {
            CHECK(r.offset == 0);
        }
        last[r.partition] = {r.offset, i};
    }
    CHECK(seen == std::multiset<std::string>(lines.begin(), lines.end()));

    auto status = run.stop(20s);
    REQUIRE(status);
    CHECK_MESSAGE(*status == exited(0), status->describe() << "; log:\n" << run.log());
    // The graceful stop found nothing new to store: the last offset is still the file size.
    offsets = kcat_read(dir, kafka.bootstrap(), "sluice-offsets");
    CHECK(last_position() == static_cast<int64_t>(text.size()));
}
