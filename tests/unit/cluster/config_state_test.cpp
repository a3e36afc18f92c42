#include "cluster/config_state.hpp"

#include <doctest/doctest.h>

using namespace sluice;
using namespace sluice::cluster;

namespace {

void put(ConfigState& s, const std::string& name, int tasks) {
    s.apply(connector_key(name), connector_value({{{"connector.class", "datagen"}}, tasks}));
}

std::vector<int> slots(const ConfigState& s, const std::string& name) {
    auto it = s.slots().find(name);
    return it == s.slots().end() ? std::vector<int>{} : it->second;
}

}  // namespace

TEST_CASE("connectors get the lowest free slots, freed ones are reused") {
    ConfigState s;
    put(s, "a", 2);
    put(s, "b", 3);
    CHECK(slots(s, "a") == std::vector<int>{0, 1});
    CHECK(slots(s, "b") == std::vector<int>{2, 3, 4});
    s.apply(connector_key("a"), std::nullopt);
    CHECK(slots(s, "a").empty());
    CHECK(s.used_slots() == std::set<int>{2, 3, 4});
    put(s, "c", 3);
    CHECK(slots(s, "c") == std::vector<int>{0, 1, 5});
    CHECK(s.slot_of("c", 2) == 5);
    CHECK_FALSE(s.slot_of("c", 3).has_value());
    CHECK_FALSE(s.slot_of("zzz", 0).has_value());
}

TEST_CASE("a reconfiguration keeps the slots of the tasks that stay") {
    ConfigState s;
    put(s, "a", 2);
    put(s, "b", 1);
    put(s, "a", 4);
    CHECK(slots(s, "a") == std::vector<int>{0, 1, 3, 4});
    put(s, "a", 1);
    CHECK(slots(s, "a") == std::vector<int>{0});
    CHECK(slots(s, "b") == std::vector<int>{2});
    put(s, "b", 1);  // the same count again: nothing moves
    CHECK(slots(s, "b") == std::vector<int>{2});
}

TEST_CASE("STOPPED frees a connector's slots, resuming takes new ones") {
    ConfigState s;
    put(s, "a", 2);
    s.apply(target_key("a"), target_value(runtime::TargetState::stopped));
    CHECK(s.target("a") == runtime::TargetState::stopped);
    CHECK(s.used_slots().empty());
    s.apply(target_key("a"), target_value(runtime::TargetState::paused));
    CHECK(slots(s, "a") == std::vector<int>{0, 1});  // paused tasks run (halted): they keep slots
    // Kafka Connect's own record without state.v2
    s.apply(target_key("a"), std::string(R"({"state":"STARTED"})"));
    CHECK(s.target("a") == runtime::TargetState::running);
}

TEST_CASE("a target state written before its connector applies at creation") {
    ConfigState s;
    s.apply(target_key("a"), target_value(runtime::TargetState::stopped));
    put(s, "a", 3);
    CHECK(s.used_slots().empty());
    s.apply(target_key("a"), std::nullopt);
    CHECK(slots(s, "a") == std::vector<int>{0, 1, 2});
}

TEST_CASE("pipelines place their connectors, replacing one re-places them") {
    ConfigState s;
    s.apply(pipeline_key("p"), pipeline_value({"yaml: 1", {{"p.src", 2}, {"p.sink", 1}}, false}));
    CHECK(s.used_slots().size() == 3);
    CHECK(s.pipelines().at("p").yaml == "yaml: 1");
    s.apply(pipeline_key("p"), pipeline_value({"yaml: 2", {{"p.src", 1}}, true}));
    CHECK(s.used_slots().size() == 1);
    CHECK(s.pipelines().at("p").command_line);
    s.apply(pipeline_key("p"), std::nullopt);
    CHECK(s.used_slots().empty());
    CHECK(s.pipelines().empty());
}

TEST_CASE("two workers applying the same records derive the same slots") {
    std::vector<std::pair<std::string, std::optional<std::string>>> log;
    auto rec = [&](const std::string& k, std::optional<std::string> v) { log.emplace_back(k, std::move(v)); };
    for (int i = 0; i < 20; ++i) {
        rec(connector_key("c" + std::to_string(i)), connector_value({{}, 1 + i % 3}));
        if (i % 4 == 0) rec(connector_key("c" + std::to_string(i / 2)), std::nullopt);
        if (i % 5 == 0) rec(target_key("c" + std::to_string(i)), target_value(runtime::TargetState::stopped));
    }
    ConfigState a, b;
    for (const auto& [k, v] : log) a.apply(k, v);
    for (const auto& [k, v] : log) b.apply(k, v);
    CHECK(a.slots() == b.slots());
    // No slot is given twice.
    std::set<int> seen;
    size_t count = 0;
    for (const auto& [name, list] : a.slots()) {
        count += list.size();
        seen.insert(list.begin(), list.end());
    }
    CHECK(seen.size() == count);
    CHECK(seen == a.used_slots());
}

TEST_CASE("records that cannot be read change nothing and say why") {
    ConfigState s;
    put(s, "a", 1);
    for (const char* bad : {"not json", "[]", R"({"properties": 3})", R"({"properties": {"k": 1}})", R"({"tasks": -1})",
                            R"({"tasks": 100000})", R"({"tasks": "2"})"}) {
        auto change = s.apply(connector_key("a"), std::string(bad));
        CHECK(change.kind == Change::Kind::invalid);
        CHECK(change.detail.find("connector-a") != std::string::npos);
    }
    CHECK(s.connectors().at("a").tasks == 1);
    CHECK(s.apply(target_key("a"), std::string(R"({"state.v2":"DANCING"})")).kind == Change::Kind::invalid);
    CHECK(s.apply(pipeline_key("p"), std::string(R"({"yaml": 1})")).kind == Change::Kind::invalid);
    CHECK(s.apply("something-else", std::string("{}")).kind == Change::Kind::none);
}

TEST_CASE("restart requests carry what to restart") {
    ConfigState s;
    auto change = s.apply(restart_key("a"), restart_value({"a", true, true, -1}));
    REQUIRE(change.kind == Change::Kind::restart);
    CHECK(change.restart.include_tasks);
    CHECK(change.restart.only_failed);
    CHECK(change.restart.task == -1);
    change = s.apply(restart_key("a"), restart_value({"a", false, false, 2}));
    CHECK(change.restart.task == 2);
    CHECK(s.apply(logger_key("kafka"), logger_value("DEBUG")).detail == "DEBUG");
}
