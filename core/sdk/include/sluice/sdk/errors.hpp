// sluice/sdk/errors.hpp: the exceptions a plugin throws. The glue behind the export macros
// turns each into a status of the C ABI (see glue.hpp): RetriableError into SLUICE_RETRY,
// FatalError into SLUICE_FATAL, RecordError (naming the record) and anything else into
// SLUICE_ERROR.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace sluice {

// Transient trouble (upstream down, rate limited): the worker backs off and calls again.
class RetriableError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The task cannot go on (bad configuration, lost state): the task is marked FAILED.
class FatalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One record of the batch is at fault; the connector's error policy decides its fate.
class RecordError : public std::runtime_error {
public:
    RecordError(std::size_t index, const std::string& message)
        : std::runtime_error(message), index_(index) {}
    std::size_t index() const noexcept { return index_; }

private:
    std::size_t index_;
};

// The record cannot be transformed (wrong type, missing field, bad text): SLUICE_ERROR, and
// the connector's error policy decides. Name the transform, the field and what was expected.
class DataError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace sluice
