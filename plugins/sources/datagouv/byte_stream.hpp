// Buffered byte-at-a-time reading of a (temporary) file: the parsers look at one byte at a
// time, the file is read in 64 KiB blocks, so memory stays bounded whatever the file size.
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::datagouv {

class ByteStream {
public:
    static constexpr int end = -1;

    explicit ByteStream(std::FILE* file) : file_(file), buffer_(64 * 1024) {}

    int get() {
        if (pos_ == size_ && !fill()) return end;
        return static_cast<unsigned char>(buffer_[pos_++]);
    }
    int peek() {
        if (pos_ == size_ && !fill()) return end;
        return static_cast<unsigned char>(buffer_[pos_]);
    }
    // Back to the first byte of the file.
    void rewind() {
        std::rewind(file_);
        pos_ = size_ = 0;
    }

private:
    bool fill() {
        size_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
        pos_ = 0;
        if (size_ == 0 && std::ferror(file_)) throw std::runtime_error("cannot read the downloaded file back");
        return size_ > 0;
    }
    std::FILE* file_;
    std::vector<char> buffer_;
    std::size_t pos_ = 0;
    std::size_t size_ = 0;
};

// Skips a UTF-8 byte order mark at the current position (the start of the file); true if
// there was one.
inline bool skip_utf8_bom(ByteStream& in) {
    if (in.peek() != 0xEF) return false;
    in.get();
    if (in.get() != 0xBB || in.get() != 0xBF)
        throw std::runtime_error("the file starts with a damaged byte order mark");
    return true;
}

}  // namespace sluice::datagouv
