// sluice/sdk/transform.hpp: single-message transforms and predicates (ABI 1.1), the record
// they see, and their export macros.
//
//     class MyTransform : public sluice::Transform {
//     public:
//         MyTransform(const sluice::Config& config, sluice::TaskContext& context);
//         bool apply(sluice::TransformRecord& record) override;  // false: drop the record
//     };
//     SLUICE_TRANSFORM(MyTransform, "my_transform", "1.0.0", "What it changes")
//     SLUICE_PREDICATE(MyPredicate, "my_predicate", "1.0.0", "What it tests")  // sluice::Predicate
#pragma once

#include <sluice/abi.h>
#include <sluice/sdk/errors.hpp>
#include <sluice/sdk/glue.hpp>
#include <sluice/sdk/records.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sluice {

enum class Side { key, value };

namespace detail {
// Bytes and header arrays a transform instance hands to the worker; they must stay valid
// until the instance's next apply() (abi.h), so they are recycled only then. A deque keeps
// element addresses stable (short strings live inside std::string, so a vector would move
// them).
class TransformScratch {
public:
    void reset() {
        used_ = 0;
        header_sets_used_ = 0;
    }
    std::string_view keep(std::string_view bytes) {
        if (used_ == strings_.size()) strings_.emplace_back();
        std::string& s = strings_[used_++];
        s.assign(bytes.data() != nullptr ? bytes.data() : "", bytes.size());
        return s;
    }
    struct HeaderSet {
        std::vector<sluice_header> headers;
        std::vector<const sluice_header*> pointers;
    };
    HeaderSet& header_set() {
        if (header_sets_used_ == header_sets_.size()) header_sets_.emplace_back();
        HeaderSet& set = header_sets_[header_sets_used_++];
        set.headers.clear();
        set.pointers.clear();
        return set;
    }

private:
    std::deque<std::string> strings_;
    std::size_t used_ = 0;
    std::deque<HeaderSet> header_sets_;
    std::size_t header_sets_used_ = 0;
};
}  // namespace detail

// A record passing through a transform chain (see sluice_transform_record in abi.h). Reads
// are views valid during the call; writes copy what they are given (set_*) unless the
// method says otherwise.
class TransformRecord {
public:
    TransformRecord(sluice_transform_record* r, detail::TransformScratch& scratch) : r_(r), scratch_(scratch) {}

    // The key or value bytes; nullopt for null. When a document from an earlier transform is
    // attached, it is serialised and released first, so the bytes are authoritative again.
    std::optional<std::string_view> bytes(Side side) {
        sluice_document& doc = document(side);
        if (doc.handle != nullptr) {
            sluice_bytes text{};
            sluice_status status = doc.serialize != nullptr ? doc.serialize(doc.handle, &text) : SLUICE_ERROR;
            if (status != SLUICE_OK) throw DataError("the attached document could not be serialised");
            bytes_ref(side) = text.data == nullptr ? sluice_bytes{nullptr, 0} : keep_bytes(text);
            release_document(side);
        }
        return detail::view(bytes_ref(side));
    }
    std::optional<std::string_view> key() { return bytes(Side::key); }
    std::optional<std::string_view> value() { return bytes(Side::value); }

    // True when the key/value is null and no document stands for it.
    bool is_null(Side side) const {
        const sluice_document& doc = side == Side::key ? r_->key_doc : r_->value_doc;
        const sluice_bytes& b = side == Side::key ? r_->key : r_->value;
        return doc.handle == nullptr && b.data == nullptr;
    }

    // Replaces the bytes (copied; nullopt = null) and drops any attached document.
    void set_bytes(Side side, std::optional<std::string_view> bytes) {
        release_document(side);
        bytes_ref(side) = bytes ? keep_bytes({bytes->data(), bytes->size()}) : sluice_bytes{nullptr, 0};
    }
    void set_key(std::optional<std::string_view> k) { set_bytes(Side::key, k); }
    void set_value(std::optional<std::string_view> v) { set_bytes(Side::value, v); }

    // The attached parsed form (handle == NULL: none). A plugin uses a document's handle
    // only when its owner is the plugin's own; see abi.h.
    sluice_document& document(Side side) { return side == Side::key ? r_->key_doc : r_->value_doc; }
    // Attaches a document that now stands for the key/value; the old one is released.
    void attach_document(Side side, const sluice_document& doc) {
        release_document(side);
        document(side) = doc;
    }
    void release_document(Side side) {
        sluice_document& doc = document(side);
        if (doc.handle != nullptr && doc.release != nullptr) doc.release(doc.handle);
        doc = sluice_document{};
    }

    std::string_view topic() const { return r_->topic.data ? std::string_view(r_->topic.data, r_->topic.size) : std::string_view(); }
    void set_topic(std::string_view topic) { r_->topic = keep_bytes({topic.data(), topic.size()}); }
    std::int32_t partition() const { return r_->partition; }
    void set_partition(std::int32_t p) { r_->partition = p; }
    std::int64_t offset() const { return r_->offset; }
    std::int64_t timestamp_ms() const { return r_->timestamp_ms; }
    void set_timestamp_ms(std::int64_t t) { r_->timestamp_ms = t; }
    bool is_source() const { return r_->is_source != 0; }

    std::size_t header_count() const { return r_->header_count; }
    Header header(std::size_t i) const {
        const sluice_header* h = r_->headers[i];
        return {std::string_view(h->key.data ? h->key.data : "", h->key.size), detail::view(h->value)};
    }
    // Replaces every header. Views in `headers` may point at the current headers' bytes or at
    // anything alive during this call: they are copied.
    void set_headers(std::span<const Header> headers) {
        auto& set = scratch_.header_set();
        set.headers.reserve(headers.size());
        for (const Header& h : headers) {
            sluice_header out{};
            out.key = keep_bytes({h.key.data(), h.key.size()});
            out.value = h.value ? keep_bytes({h.value->data(), h.value->size()}) : sluice_bytes{nullptr, 0};
            set.headers.push_back(out);
        }
        for (const auto& h : set.headers) set.pointers.push_back(&h);
        r_->headers = set.pointers.empty() ? nullptr : set.pointers.data();
        r_->header_count = set.pointers.size();
    }
    std::vector<Header> headers() const {
        std::vector<Header> out;
        out.reserve(r_->header_count);
        for (std::size_t i = 0; i < r_->header_count; ++i) out.push_back(header(i));
        return out;
    }

    // Copies bytes into storage that lives until this instance's next apply().
    std::string_view keep(std::string_view bytes) { return scratch_.keep(bytes); }
    sluice_transform_record* raw() { return r_; }

private:
    sluice_bytes& bytes_ref(Side side) { return side == Side::key ? r_->key : r_->value; }
    sluice_bytes keep_bytes(sluice_bytes b) {
        std::string_view kept = scratch_.keep(std::string_view(b.data != nullptr ? b.data : "", b.size));
        return {kept.data(), kept.size()};
    }
    sluice_transform_record* r_;
    detail::TransformScratch& scratch_;
};

// A single-message transform. Return false to drop the record (filter). Throw DataError (or
// any exception) when the record cannot be transformed: SLUICE_ERROR, the error policy
// decides; RetriableError for transient trouble.
class Transform {
public:
    virtual ~Transform() = default;
    virtual bool apply(TransformRecord& record) = 0;
};

// A condition for a transform (Kafka Connect predicates). May attach a document equivalent
// to the bytes, nothing else.
class Predicate {
public:
    virtual ~Predicate() = default;
    virtual bool test(TransformRecord& record) = 0;
};

namespace detail {

template <class T>
using TransformInstance = Instance<T, TransformScratch>;

// apply() and test() differ only in the method called and in what *result says when it throws
// (a transform keeps the record for the error policy; a predicate does not match).
template <class T, auto method, std::int32_t result_on_error>
sluice_status record_call(void* instance, sluice_transform_record* record, int32_t* result, sluice_error* err) {
    auto& self = TransformInstance<T>::of(instance);
    self.scratch.reset();
    *result = result_on_error;
    return guarded(err, [&] {
        TransformRecord r(record, self.scratch);
        *result = (self.task.get()->*method)(r) ? 1 : 0;
    });
}

template <class T>
bool register_transform(const char* name, const char* version, const char* description) {
    static_assert(std::is_base_of_v<Transform, T>, "SLUICE_TRANSFORM needs a class derived from sluice::Transform");
    auto v = lifecycle<sluice_transform_vtable, TransformInstance<T>>();
    v.apply = &record_call<T, &Transform::apply, 1>;
    return enlist<T>(SLUICE_KIND_TRANSFORM, name, version, description, v);
}

template <class T>
bool register_predicate(const char* name, const char* version, const char* description) {
    static_assert(std::is_base_of_v<Predicate, T>, "SLUICE_PREDICATE needs a class derived from sluice::Predicate");
    auto v = lifecycle<sluice_predicate_vtable, TransformInstance<T>>();
    v.test = &record_call<T, &Predicate::test, 0>;
    return enlist<T>(SLUICE_KIND_PREDICATE, name, version, description, v);
}

}  // namespace detail
}  // namespace sluice

// Exports a single-message transform class under a plugin name (kind 3).
#define SLUICE_TRANSFORM(Class, name, version, description) \
    SLUICE_DETAIL_REGISTER(register_transform, Class, name, version, description)

// Exports a predicate class under a plugin name (kind 4).
#define SLUICE_PREDICATE(Class, name, version, description) \
    SLUICE_DETAIL_REGISTER(register_predicate, Class, name, version, description)
