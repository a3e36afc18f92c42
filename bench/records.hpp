// The records both sides of the produce benchmark send: generated once, before any
// timing, by the datagen plugin itself (the same .so, the same resolved configuration
// from the same pipeline file that the sluice worker runs), so keys, values, timestamps
// and sizes are byte-for-byte those sluice produces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

class RecordSet {
public:
    struct Record {
        uint64_t key = 0, value = 0;  // offsets into the arena
        uint32_t key_size = 0, value_size = 0;
        bool key_null = true, value_null = true;
        int64_t timestamp_ms = -1;
    };

    // Loads the plugins in plugin_dir, reads the source connector of pipeline_file and
    // polls it until `count` records were produced. Throws std::runtime_error on failure.
    static RecordSet generate(const std::string& plugin_dir, const std::string& pipeline_file, size_t count);

    size_t size() const { return records_.size(); }
    const Record& operator[](size_t i) const { return records_[i]; }
    const char* key(const Record& r) const { return r.key_null ? nullptr : arena_.data() + r.key; }
    const char* value(const Record& r) const { return r.value_null ? nullptr : arena_.data() + r.value; }
    uint64_t payload_bytes() const { return payload_bytes_; }  // keys + values
    double mean_key_size() const;
    double mean_value_size() const;
    std::string describe_first() const;  // the first record, for the report

private:
    std::vector<char> arena_;
    std::vector<Record> records_;
    uint64_t payload_bytes_ = 0;
    uint64_t key_bytes_ = 0;
};

}  // namespace bench
