#include "cluster/status_board.hpp"

#include <doctest/doctest.h>

using namespace sluice;
using namespace sluice::cluster;

TEST_CASE("the latest status of each task, with its worker") {
    StatusBoard board;
    TaskStatusRecord running{runtime::TaskState::running, "", "w1:8083", 3};
    CHECK(board.apply(task_status_key("traffic-in", 0), status_value(running)));
    TaskStatusRecord failed{runtime::TaskState::failed, "boom", "w2:8083", 4};
    CHECK(board.apply(task_status_key("traffic-in", 12), status_value(failed)));
    auto t = board.task("traffic-in", 12);
    REQUIRE(t);
    CHECK(t->state == runtime::TaskState::failed);
    CHECK(t->trace == "boom");
    CHECK(t->worker_id == "w2:8083");
    CHECK(t->generation == 4);
    CHECK(board.tasks("traffic-in").size() == 2);
    CHECK(board.apply(task_status_key("traffic-in", 12), std::nullopt));
    CHECK_FALSE(board.task("traffic-in", 12));
    CHECK(board.tasks("traffic").empty());  // names with dashes are told apart by the last one
}

TEST_CASE("records that are not task statuses are ignored") {
    StatusBoard board;
    CHECK_FALSE(board.apply("status-connector-a", std::string(R"({"state":"RUNNING"})")));
    CHECK_FALSE(board.apply("status-task-a-x", std::string(R"({"state":"RUNNING"})")));
    CHECK_FALSE(board.apply("status-task-a-1", std::string("not json")));
    CHECK_FALSE(board.apply("status-task-a-1", std::string(R"({"state":"SLEEPING"})")));
    CHECK_FALSE(board.apply("status-task--1", std::string(R"({"state":"RUNNING"})")));
    CHECK(board.tasks("a").empty());
}
