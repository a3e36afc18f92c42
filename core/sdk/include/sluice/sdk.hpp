// sluice/sdk.hpp: header-only C++20 SDK over sluice/abi.h; this umbrella includes all of it.
// A plugin may include just the headers it uses instead:
//
//   sluice/sdk/errors.hpp     RetriableError, FatalError, RecordError, DataError
//   sluice/sdk/utf8.hpp       utf8::is_valid, utf8::repair, ...
//   sluice/sdk/text.hpp       text::trim, text::is_space (ASCII blanks)
//   sluice/sdk/json.hpp       json::quote, json::Object, json::parse_flat, json::unescape
//   sluice/sdk/config.hpp     ConfigKey, Config, ConfigProblems, with_former_names
//   sluice/sdk/context.hpp    TaskContext, LogLevel
//   sluice/sdk/records.hpp    SourceRecord, RecordWriter, SinkRecord(s), TopicPartition, ...
//   sluice/sdk/source.hpp     Source, SLUICE_SOURCE
//   sluice/sdk/sink.hpp       Sink, SLUICE_SINK
//   sluice/sdk/transform.hpp  Transform, Predicate, TransformRecord, SLUICE_TRANSFORM/PREDICATE
//   sluice/sdk/glue.hpp       what the export macros build on (not for plugin code)
//   sluice/sdk/version.hpp    SLUICE_SDK_VERSION
//
// A plugin author writes a class and one export macro:
//
//     class MySource : public sluice::Source {
//     public:
//         static std::vector<sluice::ConfigKey> config_keys();
//         MySource(const sluice::Config& config, sluice::TaskContext& context);
//         void poll(sluice::RecordWriter& out, std::chrono::milliseconds timeout) override;
//     };
//     SLUICE_SOURCE(MySource, "my_source", "1.0.0", "What it reads")
//
// Transforms and predicates (ABI 1.1) follow the same pattern:
//
//     class MyTransform : public sluice::Transform {
//     public:
//         MyTransform(const sluice::Config& config, sluice::TaskContext& context);
//         bool apply(sluice::TransformRecord& record) override;  // false: drop the record
//     };
//     SLUICE_TRANSFORM(MyTransform, "my_transform", "1.0.0", "What it changes")
//     SLUICE_PREDICATE(MyPredicate, "my_predicate", "1.0.0", "What it tests")  // sluice::Predicate
//
// Optional static members: `static void test(const Config&, TaskContext&)` (pre-flight
// check), `static void validate(const Config&, ConfigProblems&)` (no-I/O cross-key rules) and
// `static constexpr int max_tasks = N`. Exceptions never leave the plugin: the SDK turns
// RetriableError into SLUICE_RETRY, FatalError into SLUICE_FATAL, RecordError into
// SLUICE_ERROR naming the record, and anything else into SLUICE_ERROR.
//
// Build with -fvisibility=hidden -fvisibility-inlines-hidden (sluice_add_plugin() does):
// the macros then export sluice_plugin_manifest and nothing of the plugin's own. No
// dependency beyond the C++ standard library.
#pragma once

#include <sluice/abi.h>
#include <sluice/sdk/config.hpp>
#include <sluice/sdk/context.hpp>
#include <sluice/sdk/errors.hpp>
#include <sluice/sdk/glue.hpp>
#include <sluice/sdk/json.hpp>
#include <sluice/sdk/records.hpp>
#include <sluice/sdk/sink.hpp>
#include <sluice/sdk/source.hpp>
#include <sluice/sdk/text.hpp>
#include <sluice/sdk/transform.hpp>
#include <sluice/sdk/utf8.hpp>
#include <sluice/sdk/version.hpp>
