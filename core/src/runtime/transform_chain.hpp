// A connector's transform chain inside one task: one instance of every transform and named
// predicate, run per record (sources: after poll, before produce; sinks: after consume,
// before put). A transform applies when it has no predicate, or when its predicate's
// answer differs from `negate`. The parsed documents transforms hand along (key_doc,
// value_doc) are serialised once at the end of the chain and released exactly once, also
// when the record is dropped or fails; the result is copied out of plugin memory.
#pragma once

#include "config/pipeline_config.hpp"
#include "plugin/instance.hpp"
#include "runtime/error_handler.hpp"
#include "runtime/task_host.hpp"

#include <sluice/abi.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice::runtime {

// The loaded plugins of a connector's chain, parallel to spec.transforms / spec.predicates.
struct ChainPlugins {
    std::vector<plugin::PluginPtr> transforms;
    std::vector<plugin::PluginPtr> predicates;
    bool empty() const { return transforms.empty(); }
};

// A record after the chain, owning its bytes. `record` points into this object: do not
// move it once filled (keep outputs in a std::deque or reuse one).
class ChainOutput {
public:
    void fill(const sluice_transform_record& r, const std::optional<std::string>& key_text,
              const std::optional<std::string>& value_text);
    const sluice_record& record() const { return record_; }
    bool topic_set() const { return record_.topic.data != nullptr; }

private:
    static void assign(std::string& storage, bool& null, const sluice_bytes& b);
    std::string key_, value_, topic_;
    bool key_null_ = true, value_null_ = true;
    std::vector<std::string> header_text_;  // key, value, key, value...
    std::vector<bool> header_value_null_;
    std::vector<sluice_header> headers_;
    std::vector<const sluice_header*> header_pointers_;
    sluice_record record_{};
};

class TransformChain {
public:
    enum class Result { keep, drop, failed, fatal };

    // Instances of every transform and predicate of the connector for this task; the error
    // names the one whose create failed.
    static std::unique_ptr<TransformChain> create(const config::ConnectorSpec& spec, const ChainPlugins& plugins,
                                                  const std::string& worker_id, int task_id,
                                                  const std::atomic<bool>* stop_flag, std::string& error);
    ~TransformChain();

    size_t size() const { return steps_.size(); }

    // Runs `record` (worker-owned, mutated) through the chain. keep: `out` holds the result;
    // drop: a transform dropped it; failed: `cause` says which step and why (the error
    // policy decides); fatal: a plugin said the task cannot go on. Retriable failures are
    // retried per `retrier` (reset for every record) while `sleep` allows.
    Result run(sluice_transform_record& record, ChainOutput& out, ErrantCause& cause, Retrier& retrier,
               ErrorHandler& handler, const Retrier::Sleep& sleep);

private:
    struct Predicate {
        std::string name;
        std::unique_ptr<TaskHost> host;
        std::unique_ptr<plugin::PredicateInstance> instance;
    };
    struct Step {
        std::string name, type;
        std::unique_ptr<TaskHost> host;
        std::unique_ptr<plugin::TransformInstance> instance;
        int predicate = -1;  // index in predicates_
        bool negate = false;
    };
    TransformChain() = default;
    static void release(sluice_document& doc);
    static bool materialise(sluice_document& doc, const sluice_bytes& bytes, std::optional<std::string>& text,
                            std::string& error);

    std::vector<Predicate> predicates_;
    std::vector<Step> steps_;
};

// The transform record for a sink's record as read from Kafka.
sluice_transform_record transform_input(const sluice_record& r, bool is_source);

}  // namespace sluice::runtime
