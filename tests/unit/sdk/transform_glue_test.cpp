// The glue behind SLUICE_TRANSFORM and SLUICE_PREDICATE (the same instance template as the
// connectors'), driven through the C ABI as the worker does. Its own executable: a manifest
// holds every plugin an executable exports, and glue_test counts its own.
#include "../../support/sdk_harness.hpp"

#include <sluice/sdk/transform.hpp>  // one focused header is enough for a transform

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace {

// Upper-cases the value; the value text picks other outcomes.
class Shout : public sluice::Transform {
public:
    static std::vector<sluice::ConfigKey> config_keys() {
        return {sluice::ConfigKey::boolean("explode", "Throw from the constructor").default_value("false")};
    }
    Shout(const sluice::Config& c, sluice::TaskContext& ctx) {
        if (c.boolean("explode")) throw std::invalid_argument("bad transform config");
        ctx.debug("shout created");
    }
    bool apply(sluice::TransformRecord& r) override {
        const std::string v(r.value().value_or(""));
        if (v == "drop") return false;
        if (v == "data") throw sluice::DataError("shout: field 'v' is not text");
        if (v == "retry") throw sluice::RetriableError("shout: busy");
        if (v == "fatal") throw sluice::FatalError("shout: state lost");
        std::string up = v;
        for (char& c : up) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
        r.set_value(up);
        return true;
    }
};
SLUICE_TRANSFORM(Shout, "shout", "1.2.0", "Upper-cases values")

class IsLoud : public sluice::Predicate {
public:
    IsLoud(const sluice::Config&, sluice::TaskContext&) {}
    bool test(sluice::TransformRecord& r) override {
        const std::string v(r.value().value_or(""));
        if (v == "data") throw sluice::DataError("is_loud: cannot read");
        return !v.empty() && v.front() >= 'A' && v.front() <= 'Z';
    }
};
SLUICE_PREDICATE(IsLoud, "is_loud", "1.0.0", "Matches upper-case values")

using namespace sluice::testing;

struct Applied {
    CallResult result;
    int32_t verdict;
    std::optional<std::string> value;
};

// Calls apply/test straight through the vtable with `verdict` preset to a sentinel, to see
// what the glue itself writes there.
Applied run(const char* kind_name, const std::string& value) {
    FakeHost host;
    const bool transform = std::string(kind_name) == "shout";
    const auto& d = descriptor(transform ? SLUICE_KIND_TRANSFORM : SLUICE_KIND_PREDICATE, kind_name);
    ConfigFixture config(d, {});
    void* instance = nullptr;
    const auto* tv = static_cast<const sluice_transform_vtable*>(d.vtable);
    const auto* pv = static_cast<const sluice_predicate_vtable*>(d.vtable);
    auto created = call([&](sluice_error* e) {
        return transform ? tv->create(host.get(), config.get(), &instance, e) : pv->create(host.get(), config.get(), &instance, e);
    });
    REQUIRE_MESSAGE(created.status == SLUICE_OK, created.message);
    ChainInput in;
    in.value = value;
    ChainRecord record(std::move(in));
    Applied a{{}, 77, std::nullopt};
    a.result = call([&](sluice_error* e) {
        return transform ? tv->apply(instance, record.get(), &a.verdict, e) : pv->test(instance, record.get(), &a.verdict, e);
    });
    a.value = record.finish().value;
    (transform ? tv->destroy : pv->destroy)(instance);
    return a;
}

}  // namespace

TEST_CASE("transform and predicate descriptors carry their kind, vtable size and version") {
    const auto& t = descriptor(SLUICE_KIND_TRANSFORM, "shout");
    CHECK(static_cast<const sluice_transform_vtable*>(t.vtable)->struct_size == sizeof(sluice_transform_vtable));
    CHECK(std::string(t.version) == "1.2.0");
    CHECK(t.config_count == 1);
    const bool has_validate = t.validate != nullptr;  // none: the class has no static validate()
    CHECK_FALSE(has_validate);
    const auto& p = descriptor(SLUICE_KIND_PREDICATE, "is_loud");
    CHECK(static_cast<const sluice_predicate_vtable*>(p.vtable)->struct_size == sizeof(sluice_predicate_vtable));
    CHECK(p.config_count == 0);
}

TEST_CASE("apply: kept, changed, dropped") {
    auto a = run("shout", "quiet");
    CHECK(a.result.status == SLUICE_OK);
    CHECK(a.verdict == 1);
    CHECK(a.value == "QUIET");
    auto d = run("shout", "drop");
    CHECK(d.result.status == SLUICE_OK);
    CHECK(d.verdict == 0);
}

TEST_CASE("apply: exceptions become statuses; a failed record is kept for the error policy") {
    auto data = run("shout", "data");
    CHECK(data.result.status == SLUICE_ERROR);
    CHECK(data.result.message == "shout: field 'v' is not text");
    CHECK(data.verdict == 1);
    CHECK(data.value == "data");
    CHECK(run("shout", "retry").result.status == SLUICE_RETRY);
    auto fatal = run("shout", "fatal");
    CHECK(fatal.result.status == SLUICE_FATAL);
    CHECK(fatal.result.message == "shout: state lost");
}

TEST_CASE("test: match, no match, and a throwing predicate does not match") {
    CHECK(run("is_loud", "LOUD").verdict == 1);
    CHECK(run("is_loud", "quiet").verdict == 0);
    auto data = run("is_loud", "data");
    CHECK(data.result.status == SLUICE_ERROR);
    CHECK(data.result.message == "is_loud: cannot read");
    CHECK(data.verdict == 0);
}

TEST_CASE("a transform whose constructor throws fails create as FATAL with its message") {
    FakeHost host;
    const auto& d = descriptor(SLUICE_KIND_TRANSFORM, "shout");
    ConfigFixture config(d, {{"explode", "true"}});
    void* instance = nullptr;
    auto created = call([&](sluice_error* e) {
        return static_cast<const sluice_transform_vtable*>(d.vtable)->create(host.get(), config.get(), &instance, e);
    });
    CHECK(created.status == SLUICE_FATAL);
    CHECK(created.message == "bad transform config");
    CHECK(instance == nullptr);
}
