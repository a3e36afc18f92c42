#include "runtime/transform_chain.hpp"

#include "common/log.hpp"

#include <cstring>

namespace sluice::runtime {

namespace {
sluice_bytes bytes_of(const std::string& s, bool null) { return null ? sluice_bytes{nullptr, 0} : sluice_bytes{s.data(), s.size()}; }
}  // namespace

void ChainOutput::assign(std::string& storage, bool& null, const sluice_bytes& b) {
    null = b.data == nullptr;
    if (null) storage.clear();
    else storage.assign(b.data, b.size);
}

void ChainOutput::fill(const sluice_transform_record& r, const std::optional<std::string>& key_text,
                       const std::optional<std::string>& value_text) {
    if (key_text) {
        key_ = *key_text;
        key_null_ = false;
    } else {
        assign(key_, key_null_, r.key);
    }
    if (value_text) {
        value_ = *value_text;
        value_null_ = false;
    } else {
        assign(value_, value_null_, r.value);
    }
    bool topic_null = true;
    assign(topic_, topic_null, r.topic);
    header_text_.resize(r.header_count * 2);
    header_value_null_.assign(r.header_count, false);
    headers_.resize(r.header_count);
    header_pointers_.resize(r.header_count);
    size_t kept = 0;
    for (size_t i = 0; i < r.header_count; ++i) {
        const sluice_header* h = r.headers ? r.headers[i] : nullptr;
        if (h == nullptr || h->key.data == nullptr) continue;  // a header without a key cannot be produced
        bool key_null = false, value_null = false;
        assign(header_text_[2 * kept], key_null, h->key);
        assign(header_text_[2 * kept + 1], value_null, h->value);
        header_value_null_[kept] = value_null;
        ++kept;
    }
    headers_.resize(kept);
    header_pointers_.resize(kept);
    for (size_t i = 0; i < kept; ++i) {
        headers_[i] = {bytes_of(header_text_[2 * i], false), bytes_of(header_text_[2 * i + 1], header_value_null_[i])};
        header_pointers_[i] = &headers_[i];
    }
    record_ = sluice_record{};
    record_.struct_size = sizeof(sluice_record);
    record_.key = bytes_of(key_, key_null_);
    record_.value = bytes_of(value_, value_null_);
    record_.timestamp_ms = r.timestamp_ms;
    record_.headers = kept ? header_pointers_.data() : nullptr;
    record_.header_count = kept;
    record_.topic = bytes_of(topic_, topic_null);
    record_.partition = r.partition;
    record_.offset = r.offset;
}

sluice_transform_record transform_input(const sluice_record& r, bool is_source) {
    sluice_transform_record t{};
    t.key = r.key;
    t.value = r.value;
    t.timestamp_ms = r.timestamp_ms;
    t.headers = r.headers;
    t.header_count = r.header_count;
    t.topic = r.topic;
    t.partition = r.partition;
    t.offset = is_source ? -1 : r.offset;
    t.is_source = is_source ? 1 : 0;
    return t;
}

std::unique_ptr<TransformChain> TransformChain::create(const config::ConnectorSpec& spec, const ChainPlugins& plugins,
                                                       const std::string& worker_id, int task_id,
                                                       const std::atomic<bool>* stop_flag, std::string& error) {
    std::unique_ptr<TransformChain> chain(new TransformChain());
    if (plugins.transforms.size() != spec.transforms.size() || plugins.predicates.size() != spec.predicates.size()) {
        error = "the transform chain's plugins do not match its configuration";
        return nullptr;
    }
    for (size_t i = 0; i < spec.predicates.size(); ++i) {
        const auto& p = spec.predicates[i];
        Predicate pred;
        pred.name = p.name;
        pred.host = std::make_unique<TaskHost>(worker_id, spec.name, p.type, task_id, spec.tasks, nullptr, stop_flag);
        auto created = plugin::PredicateInstance::create(plugins.predicates[i], p.config, pred.host->get());
        if (auto* outcome = std::get_if<plugin::Outcome>(&created)) {
            error = "predicate '" + p.name + "': " + outcome->message;
            return nullptr;
        }
        pred.instance = std::get<std::unique_ptr<plugin::PredicateInstance>>(std::move(created));
        chain->predicates_.push_back(std::move(pred));
    }
    for (size_t i = 0; i < spec.transforms.size(); ++i) {
        const auto& t = spec.transforms[i];
        Step step;
        step.name = t.name;
        step.type = t.type;
        step.negate = t.negate;
        for (size_t p = 0; p < spec.predicates.size(); ++p)
            if (spec.predicates[p].name == t.predicate) step.predicate = static_cast<int>(p);
        if (!t.predicate.empty() && step.predicate < 0) {
            error = "transform '" + t.name + "' names the undefined predicate '" + t.predicate + "'";
            return nullptr;
        }
        step.host = std::make_unique<TaskHost>(worker_id, spec.name, t.type, task_id, spec.tasks, nullptr, stop_flag);
        auto created = plugin::TransformInstance::create(plugins.transforms[i], t.config, step.host->get());
        if (auto* outcome = std::get_if<plugin::Outcome>(&created)) {
            error = "transform '" + t.name + "': " + outcome->message;
            return nullptr;
        }
        step.instance = std::get<std::unique_ptr<plugin::TransformInstance>>(std::move(created));
        chain->steps_.push_back(std::move(step));
    }
    return chain;
}

TransformChain::~TransformChain() = default;

void TransformChain::release(sluice_document& doc) {
    if (doc.handle != nullptr && doc.release != nullptr) doc.release(doc.handle);
    doc = sluice_document{};
}

// The document's JSON text, copied, and the document released; nothing when there is none.
bool TransformChain::materialise(sluice_document& doc, const sluice_bytes&, std::optional<std::string>& text,
                                 std::string& error) {
    if (doc.handle == nullptr) return true;
    sluice_bytes out{};
    sluice_status st = doc.serialize ? doc.serialize(doc.handle, &out) : SLUICE_ERROR;
    if (st == SLUICE_OK) text.emplace(out.data ? out.data : "", out.data ? out.size : 0);
    else error = "serialising the transformed document failed";
    release(doc);
    return st == SLUICE_OK;
}

TransformChain::Result TransformChain::run(sluice_transform_record& record, ChainOutput& out, ErrantCause& cause,
                                           Retrier& retrier, ErrorHandler& handler, const Retrier::Sleep& sleep) {
    auto finish = [&](Result r) {
        release(record.key_doc);
        release(record.value_doc);
        return r;
    };
    // Calls a plugin, retrying RETRY answers while the policy allows.
    auto call = [&](const char* what, const std::string& plugin_name, auto&& fn) -> std::optional<Result> {
        retrier.reset();
        while (true) {
            plugin::Outcome o = fn();
            if (o.ok()) return std::nullopt;
            cause.stage = ErrorStage::transformation;
            cause.plugin = plugin_name;
            cause.message = o.message;
            if (o.status == SLUICE_RETRY) {
                handler.retried(ErrorStage::transformation);
                if (retrier.wait(sleep)) continue;
                cause.exception = "sluice.RetriesExhausted";
                cause.message = std::string(what) + " still asked to retry after " + std::to_string(retrier.attempts()) +
                                " retries (errors.retry.timeout): " + o.message;
                return Result::failed;
            }
            cause.exception = o.status == SLUICE_FATAL ? "sluice.FatalError" : "sluice.TransformError";
            return o.status == SLUICE_FATAL ? Result::fatal : Result::failed;
        }
    };
    for (auto& step : steps_) {
        if (step.predicate >= 0) {
            // Tested again for every transform that names it: an earlier transform may have
            // changed what it looks at (Kafka Connect does the same).
            Predicate& p = predicates_[static_cast<size_t>(step.predicate)];
            int32_t result = 0;
            auto failed = call("test", p.instance->plugin().name, [&] { return p.instance->test(&record, &result); });
            if (failed) {
                cause.message = "predicate '" + p.name + "': " + cause.message;
                return finish(*failed);
            }
            if ((result != 0) == step.negate) continue;  // the transform does not apply
        }
        int32_t keep = 1;
        auto failed = call("apply", step.type, [&] { return step.instance->apply(&record, &keep); });
        if (failed) {
            cause.message = "transform '" + step.name + "': " + cause.message;
            return finish(*failed);
        }
        if (keep == 0) return finish(Result::drop);
    }
    std::optional<std::string> key_text, value_text;
    std::string error;
    if (!materialise(record.key_doc, record.key, key_text, error) ||
        !materialise(record.value_doc, record.value, value_text, error)) {
        cause.stage = ErrorStage::transformation;
        cause.plugin = steps_.empty() ? std::string() : steps_.back().type;
        cause.exception = "sluice.SerializationError";
        cause.message = error;
        return finish(Result::failed);
    }
    out.fill(record, key_text, value_text);
    return finish(Result::keep);
}

}  // namespace sluice::runtime
