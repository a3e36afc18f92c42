// A sliding window over a file: bytes read but not consumed yet, addressed by their byte
// position in the file. One buffer is reused for the task's lifetime; it only grows when a
// single record does not fit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sluice::file_source {

class ByteWindow {
public:
    explicit ByteWindow(std::size_t block_size);

    // Forgets every buffered byte; the next byte committed is the one at `position`.
    void reset(std::uint64_t position);

    // Bytes read and not consumed yet. Valid until the next prepare() or reset().
    std::string_view pending() const { return {buffer_.data() + begin_, end_ - begin_}; }
    // File position of pending().front().
    std::uint64_t position() const { return position_; }
    // File position just after pending().back(): where the next read starts.
    std::uint64_t end_position() const { return position_ + (end_ - begin_); }

    void consume(std::size_t count);

    // Room to read into: at least one block, and at least as much as is pending, so that a
    // record longer than a block is rescanned a logarithmic number of times, not once per
    // block. Moves pending bytes to the front of the buffer (invalidates pending()).
    std::span<char> prepare();
    // `count` bytes were written at the front of the room prepare() returned.
    void commit(std::size_t count);

    std::size_t capacity() const { return buffer_.size(); }

private:
    std::size_t block_size_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::uint64_t position_ = 0;
};

}  // namespace sluice::file_source
