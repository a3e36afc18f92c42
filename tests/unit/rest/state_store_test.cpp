// The REST state file: what is saved comes back, the write is atomic (no temporary left,
// mode 0600), a missing file is an empty state and a damaged one an error naming it.
#include "rest/state_store.hpp"

#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace sluice::rest;
namespace fs = std::filesystem;

TEST_CASE("state store: round trip, atomic write, permissions") {
    sluice::testing::TempDir dir;
    StateStore store(dir.file("worker.connectors.json"));
    std::string error;
    auto empty = store.load(error);
    REQUIRE(empty);
    CHECK(empty->connectors.empty());

    StoredState state;
    state.connectors.push_back({"a", {{"connector.class", "datagen"}, {"topic", "t"}, {"password", "${env:PW}"}}, "PAUSED"});
    state.connectors.push_back({"b", {{"connector.class", "blackhole"}, {"topics", "t"}}, "STOPPED"});
    state.pipelines.push_back({"p", "source:\n  plugin: datagen\n  topic: x\n", {{"p.datagen-source", "PAUSED"}}});
    REQUIRE(store.save(state, error));
    CHECK(!fs::exists(store.path() + ".tmp"));
    CHECK((fs::status(store.path()).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);

    auto loaded = store.load(error);
    REQUIRE(loaded);
    REQUIRE(loaded->connectors.size() == 2);
    CHECK(loaded->connectors[0].name == "a");
    CHECK(loaded->connectors[0].state == "PAUSED");
    CHECK(loaded->connectors[0].config.at("password") == "${env:PW}");  // the reference, not a resolved secret
    CHECK(loaded->connectors[1].state == "STOPPED");
    REQUIRE(loaded->pipelines.size() == 1);
    CHECK(loaded->pipelines[0].yaml == state.pipelines[0].yaml);
    CHECK(loaded->pipelines[0].states.at("p.datagen-source") == "PAUSED");

    // Saving again replaces the content.
    state.connectors.pop_back();
    REQUIRE(store.save(state, error));
    CHECK(store.load(error)->connectors.size() == 1);
}

TEST_CASE("state store: a damaged file is an error naming it") {
    sluice::testing::TempDir dir;
    StateStore store(dir.file("w.connectors.json"));
    sluice::testing::write_file(store.path(), "{\"connectors\": [{\"name\": 3}]}");
    std::string error;
    CHECK_FALSE(store.load(error));
    CHECK(error.find(store.path()) != std::string::npos);
    sluice::testing::write_file(store.path(), "not json");
    CHECK_FALSE(store.load(error));
    CHECK(error.find("not a JSON object") != std::string::npos);
}

TEST_CASE("state store: the file sits next to the worker file") {
    CHECK(state_file_for("/etc/sluice/worker.yaml") == "/etc/sluice/worker.connectors.json");
    CHECK(state_file_for("w.yaml") == "w.connectors.json");
}
