// Follows one file the way `tail -F` does: reads blocks after what is buffered, and at end
// of file notices truncation (size below the read position) and rotation (the path names
// a new file), restarting at byte 0.
#pragma once

#include "byte_window.hpp"
#include "input_file.hpp"

#include <sluice/sdk.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace sluice::file_source {

class FileTail {
public:
    static constexpr std::size_t block_size = 256 * 1024;

    FileTail(InputFile file, const TaskContext& context);

    const InputFile& file() const { return file_; }
    ByteWindow& window() { return window_; }

    // Drops what is buffered; reading continues at `position`.
    void seek(std::uint64_t position) { window_.reset(position); }

    // Reads the next block into the window; 0 at end of file.
    std::size_t read_more();

    // Call at end of file. When the file was truncated or the path rotated to a new file,
    // logs a warning, seeks to byte 0 (of the new file) and returns true.
    bool restart_if_rotated();

    // The byte at `position`, or nullopt when the file is not that long.
    std::optional<char> byte_at(std::uint64_t position) const;

    // Number of LF bytes before `position` (a scan: used only for error messages).
    std::uint64_t newlines_before(std::uint64_t position) const;

private:
    InputFile file_;
    const TaskContext& context_;
    ByteWindow window_;
};

}  // namespace sluice::file_source
