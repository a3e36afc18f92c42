// The uploader's rules without a store: several uploads in flight but one per lane, each
// lane in the order given, and a failure stops what has not started.
#include "uploader.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace {

using sluice::s3::Bucket;
using sluice::s3::Uploader;

Bucket no_store() {
    sluice::aws::Connection c;
    c.endpoint = "http://127.0.0.1:9";  // never reached: the uploads here do not send
    c.region = "us-east-1";
    c.service = "s3";
    return Bucket(c, "b", true);
}

// Uploads that hold until released, recording when each starts and ends.
struct Gate {
    std::mutex mutex;
    std::condition_variable changed;
    std::set<std::size_t> running;
    std::vector<std::size_t> started, ended;
    std::set<std::size_t> released, failing;

    Uploader::Send upload(std::size_t id) {
        return [this, id](Bucket&) {
            std::unique_lock lock(mutex);
            running.insert(id);
            started.push_back(id);
            changed.notify_all();
            changed.wait(lock, [&] { return released.count(id) > 0; });
            running.erase(id);
            ended.push_back(id);
            if (failing.count(id)) throw sluice::aws::Failure("upload " + std::to_string(id) + " refused", true);
        };
    }
    bool wait_started(std::size_t n) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(10), [&] { return started.size() >= n; });
    }
    void release(std::set<std::size_t> ids) {
        std::lock_guard lock(mutex);
        released.insert(ids.begin(), ids.end());
        changed.notify_all();
    }
};

}  // namespace

TEST_CASE("uploader: several lanes at once, one upload per lane, each lane in order") {
    Gate gate;
    Uploader uploader(3, no_store);
    const int a = 0, b = 0, c = 0;  // three lanes, told apart by address
    uploader.add(&a, 1, gate.upload(1));
    uploader.add(&a, 2, gate.upload(2));
    uploader.add(&b, 3, gate.upload(3));
    uploader.add(&c, 4, gate.upload(4));
    uploader.add(&b, 5, gate.upload(5));
    REQUIRE(gate.wait_started(3));
    {
        std::lock_guard lock(gate.mutex);
        CHECK(gate.running == std::set<std::size_t>{1, 3, 4});  // 2 and 5 wait for their lane
    }
    gate.release({2, 3, 4, 5});
    REQUIRE(gate.wait_started(4));  // 5 after 3
    {
        std::lock_guard lock(gate.mutex);
        CHECK(std::find(gate.started.begin(), gate.started.end(), 2) == gate.started.end());
    }
    gate.release({1});
    uploader.wait();
    CHECK(gate.started.size() == 5);
    const auto finished = uploader.take_finished();
    REQUIRE(finished.size() == 5);
    std::vector<std::size_t> lane_a;
    for (const auto& f : finished) {
        CHECK(!f.failure);
        if (f.lane == &a) lane_a.push_back(f.id);
    }
    CHECK(lane_a == std::vector<std::size_t>{1, 2});
    CHECK(uploader.take_finished().empty());
}

TEST_CASE("uploader: a failure stops what has not started until resume; cancel drops the queue") {
    Gate gate;
    Uploader uploader(1, no_store);
    const int a = 0, b = 0;
    gate.failing = {1};
    gate.release({1, 2, 3, 4});
    uploader.add(&a, 1, gate.upload(1));
    uploader.add(&a, 2, gate.upload(2));
    uploader.add(&b, 3, gate.upload(3));
    uploader.wait();  // returns with the queue still full: paused
    auto finished = uploader.take_finished();
    REQUIRE(finished.size() == 1);
    CHECK(finished[0].id == 1);
    REQUIRE(finished[0].failure);
    CHECK(finished[0].failure->retriable());
    CHECK(std::string(finished[0].failure->what()) == "upload 1 refused");
    CHECK(uploader.cancel() == std::vector<std::size_t>{2, 3});
    uploader.resume();
    uploader.add(&b, 4, gate.upload(4));
    uploader.wait();
    finished = uploader.take_finished();
    REQUIRE(finished.size() == 1);
    CHECK(finished[0].id == 4);
    CHECK(gate.started == std::vector<std::size_t>{1, 4});
}
