/*
 * sluice/abi.h: the one binary contract between the sluice worker and its plugins.
 *
 * Plain C, no C++ type, no exception and no allocator crosses it. A plugin is a shared
 * object exporting one function, sluice_plugin_manifest(), that returns a manifest: the ABI
 * version it was built against and an array of plugin descriptors (kind, name, version,
 * declared configuration, callbacks).
 *
 * Versioning. SLUICE_ABI_MAJOR changes when an existing struct, field or callback changes
 * meaning; the worker refuses any other major. SLUICE_ABI_MINOR grows when fields are
 * appended; the worker refuses a plugin built against a newer minor than it knows.
 *
 * Growth rules that keep old plugins working:
 *   - Structs the plugin allocates (manifest, descriptors, vtables, config definitions,
 *     records it emits) start with struct_size; the worker reads a field only when it
 *     lies inside struct_size (SLUICE_HAS_FIELD) and uses the documented default otherwise.
 *   - Structs the worker allocates are always at least as large as the plugin expects,
 *     because a plugin never has a newer minor than the worker.
 *   - Arrays of structs are arrays of pointers, so element sizes can differ.
 *
 * Ownership. Everything a callback receives is owned by the caller and valid only for the
 * duration of the call unless stated otherwise. Records a source emits are copied by the
 * worker inside append(). Strings are UTF-8; sluice_bytes may hold any bytes.
 *
 * Threads. Calls on one task instance are serialised (one thread at a time). Different
 * instances of the same plugin may run concurrently on different threads. test() may run
 * concurrently with anything.
 *
 * See docs/plugin-abi.md for the full contract.
 */
#ifndef SLUICE_ABI_H
#define SLUICE_ABI_H

#include <stddef.h>
#include <stdint.h>

#define SLUICE_ABI_MAJOR 1
#define SLUICE_ABI_MINOR 2

#if defined(__GNUC__) || defined(__clang__)
#define SLUICE_EXPORT __attribute__((visibility("default")))
#else
#define SLUICE_EXPORT
#endif

/* True when a plugin-allocated struct `ptr` of type `type` is large enough to hold `field`. */
#define SLUICE_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status and errors ------------------------------------------------------------- */

typedef int32_t sluice_status;
enum {
    SLUICE_OK = 0,    /* done */
    SLUICE_RETRY = 1, /* transient: the worker backs off (exponential, jitter) and calls again */
    SLUICE_ERROR = 2, /* this batch or record failed: the connector's error policy decides */
    SLUICE_FATAL = 3  /* the task cannot go on: it is marked FAILED */
};

/* Filled by a callback that returns something other than SLUICE_OK. Worker-allocated. */
typedef struct sluice_error {
    char* message;        /* buffer to write a NUL-terminated message into (truncate to fit) */
    size_t capacity;      /* size of message in bytes, including room for the NUL */
    int64_t record_index; /* index in the batch of the record at fault, or -1 (whole call) */
} sluice_error;

/* ---- logging ----------------------------------------------------------------------- */

typedef int32_t sluice_log_level;
enum {
    SLUICE_LOG_TRACE = 0,
    SLUICE_LOG_DEBUG = 1,
    SLUICE_LOG_INFO = 2,
    SLUICE_LOG_WARN = 3,
    SLUICE_LOG_ERROR = 4
};

/* ---- configuration ----------------------------------------------------------------- */

typedef int32_t sluice_config_type;
enum {
    SLUICE_CONFIG_STRING = 1,
    SLUICE_CONFIG_INT = 2,    /* 64-bit signed integer */
    SLUICE_CONFIG_DOUBLE = 3,
    SLUICE_CONFIG_BOOL = 4,
    SLUICE_CONFIG_LIST = 5,   /* list of strings */
    SLUICE_CONFIG_MAP = 6,    /* string -> string */
    SLUICE_CONFIG_JSON = 7    /* any structure; the plugin checks its shape */
};

enum {
    SLUICE_CONFIG_REQUIRED = 1 << 0, /* validation fails when the key is absent */
    SLUICE_CONFIG_SECRET = 1 << 1,   /* value is masked in logs, listings and REST answers */
    SLUICE_CONFIG_HAS_MIN = 1 << 2,  /* min_value applies (INT, DOUBLE) */
    SLUICE_CONFIG_HAS_MAX = 1 << 3,  /* max_value applies (INT, DOUBLE) */
    SLUICE_CONFIG_LOCAL_PATH = 1 << 4 /* names a file or directory on the worker's machine: a
                                         configuration sent over REST may only name one under
                                         the worker's rest.file.allowed.paths (ABI 1.2; older
                                         workers ignore the bit) */
};

/* One declared configuration key. Plugin-allocated, static for the library's lifetime. */
typedef struct sluice_config_def {
    uint32_t struct_size;
    const char* name;          /* dotted lower-case, e.g. "batch.max.rows" */
    sluice_config_type type;
    uint32_t flags;            /* SLUICE_CONFIG_* bits */
    const char* doc;           /* one sentence for listings and generated docs */
    const char* default_value; /* in the text form of `text` below; NULL: no default */
    double min_value;
    double max_value;
    const char* const* allowed; /* allowed values (STRING only); NULL: any */
    size_t allowed_count;
} sluice_config_def;

/* One resolved configuration value: validated against the declaration, default applied.
 * Worker-allocated, valid until the instance is destroyed (or for the test() call). */
typedef struct sluice_config_value {
    const char* key;
    const char* text;          /* canonical text: "42", "0.5", "true", "a,b", JSON for MAP/JSON;
                                  NULL when unset and without default */
    const char* const* items;  /* LIST: the items; MAP: key, value, key, value, ... */
    size_t item_count;
    const char* json;          /* the value as JSON text ("null" when unset) */
} sluice_config_value;

typedef struct sluice_config {
    const sluice_config_value* const* values;
    size_t count;
} sluice_config;

/* ---- records ----------------------------------------------------------------------- */

/* A byte range. data == NULL means null (absent), which differs from empty (size 0). */
typedef struct sluice_bytes {
    const char* data;
    size_t size;
} sluice_bytes;

typedef struct sluice_header {
    sluice_bytes key;
    sluice_bytes value;
} sluice_header;

#define SLUICE_NO_TIMESTAMP ((int64_t)-1)
#define SLUICE_ANY_PARTITION ((int32_t)-1)

typedef struct sluice_record {
    uint32_t struct_size;
    sluice_bytes key;
    sluice_bytes value;
    int64_t timestamp_ms;        /* ms since the Unix epoch, or SLUICE_NO_TIMESTAMP */
    const sluice_header* const* headers;
    size_t header_count;
    /* Kafka coordinates. Sinks: where the record was read. Sources: topic.data == NULL
     * sends to the connector's topic; partition SLUICE_ANY_PARTITION lets the key decide. */
    sluice_bytes topic;
    int32_t partition;
    int64_t offset;              /* sinks only */
    /* Sources only: JSON objects, Kafka Connect's source partition and source offset. The
     * offset is stored once Kafka acknowledged this record and every record before it. */
    sluice_bytes source_partition;
    sluice_bytes source_offset;
} sluice_record;

/* A topic-partition with an offset whose meaning is given by each callback. */
typedef struct sluice_topic_partition {
    const char* topic;
    int32_t partition;
    int64_t offset;
} sluice_topic_partition;

#define SLUICE_OFFSET_UNSET ((int64_t)-1001)

/* A committed source offset, handed back to the source in commit(). */
typedef struct sluice_source_offset {
    sluice_bytes source_partition;
    sluice_bytes source_offset;
} sluice_source_offset;

/* ---- the worker, as a task sees it ------------------------------------------------- */

typedef struct sluice_host {
    void* opaque;              /* pass back to the functions below */
    const char* worker_id;
    const char* connector;     /* connector name, e.g. "demo.traffic" */
    const char* plugin;        /* plugin name */
    int32_t task_id;           /* 0 .. task_count-1 */
    int32_t task_count;
    void (*log)(void* opaque, sluice_log_level level, const char* message, size_t length);
    /* Sources: the stored offset (JSON object) for a source partition (JSON object), or
     * NULL when none. The text lives until the instance is destroyed. NULL for sinks. */
    const char* (*stored_offset)(void* opaque, const char* partition_json, size_t length);
    /* Non-zero once the worker is stopping the task: leave long loops early. */
    int32_t (*stopping)(void* opaque);
    /* ABI 1.1. Reports one record the plugin cannot handle (Kafka Connect's
     * ErrantRecordReporter); the connector's error policy (errors.tolerance, dead-letter topic,
     * errors.log.*) decides its fate. Sinks pass the record as they received it; sources pass
     * what they could read (value: the raw upstream bytes, source_partition/source_offset:
     * where it was found). Returns SLUICE_OK when the record was tolerated (skipped, logged or
     * written to the dead-letter topic): go on without it. Returns SLUICE_FATAL when the policy
     * does not tolerate it: the worker has recorded the record and message as the task's
     * failure, and the plugin returns SLUICE_FATAL from the callback it is in. A sink may call
     * it from put() or flush() (records held since an earlier put() included); a source from
     * poll(). Transforms and predicates do not call it: they return SLUICE_ERROR. */
    sluice_status (*report_errant)(void* opaque, const sluice_record* record, const char* message,
                                   size_t length);
} sluice_host;

/* Where a source writes the records of one poll(). Worker-allocated. */
typedef struct sluice_batch_writer {
    void* opaque;
    size_t max_records; /* soft cap for one poll: return once this many were appended */
    /* Copies the record into the batch. SLUICE_ERROR when the record is malformed. */
    sluice_status (*append)(void* opaque, const sluice_record* record, sluice_error* err);
} sluice_batch_writer;

/* ---- plugin kinds ------------------------------------------------------------------ */

typedef int32_t sluice_plugin_kind;
enum {
    SLUICE_KIND_SOURCE = 1,
    SLUICE_KIND_SINK = 2,
    SLUICE_KIND_TRANSFORM = 3, /* ABI 1.1 */
    SLUICE_KIND_PREDICATE = 4  /* ABI 1.1 */
};

typedef struct sluice_source_vtable {
    uint32_t struct_size;
    /* Creates one task. config is valid until destroy(); host until destroy(). */
    sluice_status (*create)(const sluice_host* host, const sluice_config* config,
                            void** instance, sluice_error* err);
    void (*destroy)(void* instance);
    /* Appends up to out->max_records records; may wait up to timeout_ms for data and
     * returns SLUICE_OK with nothing appended when there is none. */
    sluice_status (*poll)(void* instance, sluice_batch_writer* out, int32_t timeout_ms,
                          sluice_error* err);
    /* Optional (NULL): these source offsets are now durable in the offsets topic. */
    sluice_status (*commit)(void* instance, const sluice_source_offset* const* offsets,
                            size_t count, sluice_error* err);
    /* Optional (NULL): pre-flight check of a configuration before any task starts
     * (upstream reachable, file readable, ...). */
    sluice_status (*test)(const sluice_host* host, const sluice_config* config,
                          sluice_error* err);
} sluice_source_vtable;

typedef struct sluice_sink_vtable {
    uint32_t struct_size;
    sluice_status (*create)(const sluice_host* host, const sluice_config* config,
                            void** instance, sluice_error* err);
    void (*destroy)(void* instance);
    /* Hands over a batch. On SLUICE_OK the sink owns the records' fate: written or
     * buffered until flush(). On SLUICE_RETRY the same batch is offered again later. On
     * SLUICE_ERROR with err->record_index = i: records before i were accepted (as on OK),
     * record i is at fault and goes to the error policy, and the records after i are offered
     * again in a later put(). With record_index = -1 the whole batch is at fault. */
    sluice_status (*put)(void* instance, const sluice_record* const* records, size_t count,
                         sluice_error* err);
    /* Make everything put so far durable. positions[i].offset is the next offset the worker
     * would commit for that partition; the sink may lower it to what is really durable.
     * The worker commits the returned offsets to the consumer group. */
    sluice_status (*flush)(void* instance, sluice_topic_partition* const* positions,
                           size_t count, sluice_error* err);
    /* Optional (NULL): partitions were assigned. offset enters as SLUICE_OFFSET_UNSET; a
     * sink that keeps its own progress sets it to the offset to resume from. */
    sluice_status (*open)(void* instance, sluice_topic_partition* const* partitions,
                          size_t count, sluice_error* err);
    /* Optional (NULL): partitions were revoked, after a final flush of their records. */
    sluice_status (*close)(void* instance, const sluice_topic_partition* const* partitions,
                           size_t count, sluice_error* err);
    /* Optional (NULL): pre-flight check, as for sources. */
    sluice_status (*test)(const sluice_host* host, const sluice_config* config,
                          sluice_error* err);
} sluice_sink_vtable;

/* ---- transforms and predicates (ABI 1.1) ------------------------------------------- */

/* A parsed form of a key or value that travels along a transform chain, so that a chain of
 * transforms from one library parses the record once and serialises it once. `owner`
 * identifies the library and format that made `handle` (the address of a static object in
 * that library): a transform uses `handle` directly only when `owner` is its own, and
 * otherwise calls serialize(), parses the text, and release()s the foreign document.
 * handle == NULL: no document, the bytes are authoritative. */
typedef struct sluice_document {
    void* handle;
    const void* owner;
    /* JSON text of the document; *out lives until release() or the next serialize(). */
    sluice_status (*serialize)(void* handle, sluice_bytes* out);
    void (*release)(void* handle);
} sluice_document;

/* A record passing through a transform chain. Worker-allocated and mutable: a transform
 * replaces fields in place. Bytes and arrays a transform stores here must stay valid until
 * its next apply() or its destroy(); the worker copies the result at the end of the chain.
 * When key_doc/value_doc has a handle, that document is the key/value and the matching bytes
 * are stale; a transform that sets new bytes releases the document and clears it. A null
 * key/value (data == NULL) is a tombstone for the value. */
typedef struct sluice_transform_record {
    sluice_bytes key;
    sluice_bytes value;
    sluice_document key_doc;
    sluice_document value_doc;
    int64_t timestamp_ms;             /* or SLUICE_NO_TIMESTAMP */
    const sluice_header* const* headers;
    size_t header_count;
    sluice_bytes topic;               /* source chains: the target topic; sink chains: where read */
    int32_t partition;                /* SLUICE_ANY_PARTITION in source chains unless set */
    int64_t offset;                   /* sink chains: Kafka offset; source chains: -1 */
    int32_t is_source;                /* 1 in a source connector's chain, 0 in a sink's */
} sluice_transform_record;

typedef struct sluice_transform_vtable {
    uint32_t struct_size;
    sluice_status (*create)(const sluice_host* host, const sluice_config* config,
                            void** instance, sluice_error* err);
    void (*destroy)(void* instance);
    /* Transforms *record in place. Sets *keep to 0 to drop the record (filter). SLUICE_ERROR:
     * this record cannot be transformed (the connector's error policy decides); SLUICE_RETRY:
     * transient, the worker retries per errors.retry.timeout. */
    sluice_status (*apply)(void* instance, sluice_transform_record* record, int32_t* keep,
                           sluice_error* err);
} sluice_transform_vtable;

typedef struct sluice_predicate_vtable {
    uint32_t struct_size;
    sluice_status (*create)(const sluice_host* host, const sluice_config* config,
                            void** instance, sluice_error* err);
    void (*destroy)(void* instance);
    /* Sets *result to 1 when the record matches, else 0. May attach a document equivalent
     * to the bytes (key_doc/value_doc) for the transforms that follow, nothing else. */
    sluice_status (*test)(void* instance, sluice_transform_record* record, int32_t* result,
                          sluice_error* err);
} sluice_predicate_vtable;

/* ---- the manifest ------------------------------------------------------------------ */

/* ABI 1.2. Where validate() hands each problem it finds: `key` is the configuration key at
 * fault (NULL: the configuration as a whole), `message` says what is wrong and what is
 * expected. Both are copied before report() returns. */
typedef struct sluice_config_problems {
    void* opaque;
    void (*report)(void* opaque, const char* key, const char* message);
} sluice_config_problems;

typedef struct sluice_plugin_descriptor {
    uint32_t struct_size;
    sluice_plugin_kind kind;
    const char* name;        /* [a-z0-9_]+, unique per kind across all loaded plugins */
    const char* version;     /* semantic version of the plugin */
    const char* description;
    const sluice_config_def* const* config;
    size_t config_count;
    int32_t max_tasks;       /* 0: no limit */
    const void* vtable;      /* sluice_{source,sink,transform,predicate}_vtable* by kind */
    /* ABI 1.2, optional (NULL): checks a configuration that already matches the declared
     * keys (types, ranges, allowed values) for what declarations cannot say: rules across
     * keys ("a needs b"), the shape of a value (a date, a PEM key, a template). No network,
     * no waiting: the worker calls it for `sluice validate`, the REST validate endpoint and
     * before it creates a connector, on any thread. Hands every problem to `problems` and
     * returns SLUICE_OK when there was none, SLUICE_ERROR otherwise. */
    sluice_status (*validate)(const sluice_config* config, const sluice_config_problems* problems);
} sluice_plugin_descriptor;

typedef struct sluice_manifest {
    uint32_t struct_size;
    uint32_t abi_major;      /* SLUICE_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor;
    const char* sdk_version; /* free text, for listings */
    const sluice_plugin_descriptor* const* plugins;
    size_t plugin_count;
} sluice_manifest;

#define SLUICE_MANIFEST_SYMBOL "sluice_plugin_manifest"

/* The one exported symbol. Called once after loading, with the worker's ABI version.
 * Returns a manifest that lives as long as the library, or NULL to decline loading. */
typedef const sluice_manifest* (*sluice_manifest_fn)(uint32_t host_abi_major,
                                                     uint32_t host_abi_minor);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SLUICE_ABI_H */
