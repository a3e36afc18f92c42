#include "object_body.hpp"

#include <zlib.h>

#include <stdexcept>

namespace sluice::s3 {

struct ObjectBody::Deflater {
    z_stream zs{};
    explicit Deflater(int level) {
        // windowBits 15 + 16: a gzip wrapper (RFC 1952) rather than zlib's.
        if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            throw std::runtime_error("gzip: deflateInit2 failed");
    }
    ~Deflater() { deflateEnd(&zs); }
    void run(std::string& out, std::string_view in, int flush) {
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        zs.avail_in = static_cast<uInt>(in.size());
        do {
            if (out.capacity() - out.size() < 16384) out.reserve(out.capacity() * 2 + 65536);
            const std::size_t before = out.size();
            const std::size_t room = out.capacity() - before;
            out.resize(out.capacity());
            zs.next_out = reinterpret_cast<Bytef*>(out.data() + before);
            zs.avail_out = static_cast<uInt>(room);
            const int rc = deflate(&zs, flush);
            out.resize(before + (room - zs.avail_out));
            if (rc == Z_STREAM_ERROR) throw std::runtime_error("gzip: deflate failed");
            if (flush == Z_FINISH && rc == Z_STREAM_END) return;
        } while (zs.avail_in > 0 || (flush == Z_FINISH) || zs.avail_out == 0);
    }
};

ObjectBody::ObjectBody(bool gzip, int gzip_level) {
    if (gzip) deflater_ = std::make_unique<Deflater>(gzip_level < 0 ? Z_DEFAULT_COMPRESSION : gzip_level);
}
ObjectBody::~ObjectBody() = default;
ObjectBody::ObjectBody(ObjectBody&&) noexcept = default;
ObjectBody& ObjectBody::operator=(ObjectBody&&) noexcept = default;

void ObjectBody::append(std::string_view line, std::int64_t offset, std::int64_t time_ms) {
    if (finished_) throw std::logic_error("ObjectBody: append after finish");
    if (records_ == 0) {
        first_offset_ = offset;
        first_time_ms_ = time_ms;
    }
    last_offset_ = offset;
    ++records_;
    raw_bytes_ += static_cast<std::int64_t>(line.size()) + 1;
    if (!deflater_) {
        bytes_.append(line);
        bytes_.push_back('\n');
        return;
    }
    deflater_->run(bytes_, line, Z_NO_FLUSH);
    deflater_->run(bytes_, "\n", Z_NO_FLUSH);
}

void ObjectBody::finish() {
    if (finished_) return;
    finished_ = true;
    if (deflater_) {
        deflater_->run(bytes_, {}, Z_FINISH);
        deflater_.reset();
    }
}

}  // namespace sluice::s3
