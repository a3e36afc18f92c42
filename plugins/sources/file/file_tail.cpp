#include "file_tail.hpp"

#include "line_reader.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace sluice::file_source {

FileTail::FileTail(InputFile file, const TaskContext& context)
    : file_(std::move(file)), context_(context), window_(block_size) {}

std::size_t FileTail::read_more() {
    auto room = window_.prepare();
    const std::size_t got = file_.read_at(window_.end_position(), room);
    window_.commit(got);
    return got;
}

bool FileTail::restart_if_rotated() {
    const std::uint64_t read_position = window_.end_position();
    const std::size_t dropped = window_.pending().size();
    const std::string incomplete =
        dropped == 0 ? std::string()
                     : "; dropping " + std::to_string(dropped) + " bytes of an incomplete last record";
    const std::uint64_t size = file_.size();
    if (size < read_position) {
        context_.warn("'" + file_.path() + "' shrank to " + std::to_string(size) + " bytes, below the read position " +
                      std::to_string(read_position) + ": it was truncated; reading it again from the start" +
                      incomplete);
        window_.reset(0);
        return true;
    }
    if (!file_.replaced()) return false;
    try {
        InputFile next(file_.path());
        file_ = std::move(next);
    } catch (const FatalError& e) {
        // The new file vanished or is unreadable for now: keep the old one, look again later.
        context_.debug(std::string("rotation of '") + file_.path() + "' not followed yet: " + e.what());
        return false;
    }
    context_.warn("'" + file_.path() + "' was rotated (the path names a new file); reading the new file from the start" +
                  incomplete);
    window_.reset(0);
    return true;
}

std::optional<char> FileTail::byte_at(std::uint64_t position) const {
    char byte = 0;
    if (file_.read_at(position, {&byte, 1}) != 1) return std::nullopt;
    return byte;
}

std::uint64_t FileTail::newlines_before(std::uint64_t position) const {
    std::vector<char> block(block_size);
    std::uint64_t count = 0;
    std::uint64_t at = 0;
    while (at < position) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), position - at));
        const std::size_t got = file_.read_at(at, {block.data(), want});
        if (got == 0) break;
        count += count_newlines({block.data(), got});
        at += got;
    }
    return count;
}

}  // namespace sluice::file_source
