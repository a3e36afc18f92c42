// The bytes of one object being built: JSON lines appended one record at a time, gzip-
// compressed as they come when asked (zlib, streaming, so a large object is never held
// twice), and the offsets and times of the records in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::s3 {

class ObjectBody {
public:
    // level: -1 for none (plain JSON lines), else a zlib level 0..9 or Z_DEFAULT_COMPRESSION
    // passed as `gzip_level` with `gzip` true.
    ObjectBody(bool gzip, int gzip_level);
    ~ObjectBody();
    ObjectBody(ObjectBody&&) noexcept;
    ObjectBody& operator=(ObjectBody&&) noexcept;

    // Appends one line (the newline is added). `line` holds no raw newline.
    void append(std::string_view line, std::int64_t offset, std::int64_t time_ms);
    // Room for this many bytes of body, so that it is not copied as it grows.
    void reserve(std::size_t bytes) { bytes_.reserve(bytes); }
    // Ends the gzip stream; the body is complete. Nothing may be appended after.
    void finish();

    bool empty() const { return records_ == 0; }
    std::int64_t records() const { return records_; }
    std::int64_t first_offset() const { return first_offset_; }
    std::int64_t last_offset() const { return last_offset_; }
    std::int64_t first_time_ms() const { return first_time_ms_; }
    std::int64_t raw_bytes() const { return raw_bytes_; }  // before compression
    const std::string& bytes() const { return bytes_; }     // complete after finish()

private:
    struct Deflater;
    std::unique_ptr<Deflater> deflater_;
    std::string bytes_;
    std::int64_t records_ = 0;
    std::int64_t first_offset_ = -1, last_offset_ = -1, first_time_ms_ = 0, raw_bytes_ = 0;
    bool finished_ = false;
};

}  // namespace sluice::s3
