#include "byte_window.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace sluice::file_source {

ByteWindow::ByteWindow(std::size_t block_size) : block_size_(block_size == 0 ? 1 : block_size) {}

void ByteWindow::reset(std::uint64_t position) {
    begin_ = end_ = 0;
    position_ = position;
}

void ByteWindow::consume(std::size_t count) {
    if (count > end_ - begin_) throw std::logic_error("ByteWindow::consume beyond the pending bytes");
    begin_ += count;
    position_ += count;
    if (begin_ == end_) begin_ = end_ = 0;
}

std::span<char> ByteWindow::prepare() {
    const std::size_t pending_size = end_ - begin_;
    if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, pending_size);
        begin_ = 0;
        end_ = pending_size;
    }
    const std::size_t room = std::max(block_size_, pending_size);
    if (buffer_.size() < end_ + room) buffer_.resize(end_ + room);
    return {buffer_.data() + end_, buffer_.size() - end_};
}

void ByteWindow::commit(std::size_t count) {
    if (count > buffer_.size() - end_) throw std::logic_error("ByteWindow::commit beyond the prepared room");
    end_ += count;
}

}  // namespace sluice::file_source
