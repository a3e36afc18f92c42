// The file a source task reads: an open descriptor plus what is needed to notice that the
// path was rotated (now names another file) or that the file was truncated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <sys/types.h>

namespace sluice::file_source {

class InputFile {
public:
    // Opens `path` for reading. Throws FatalError "cannot read '<path>': <reason>" when it
    // does not exist, is not readable, or is not a regular file.
    explicit InputFile(std::string path);
    ~InputFile();
    InputFile(InputFile&& other) noexcept;
    InputFile& operator=(InputFile&& other) noexcept;
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;

    const std::string& path() const { return path_; }

    // Reads up to into.size() bytes at `position`; 0 at end of file. Retries EINTR and
    // throws FatalError on an I/O error.
    std::size_t read_at(std::uint64_t position, std::span<char> into) const;

    // Current size of the open file.
    std::uint64_t size() const;

    // True when the path now names a different file than the one open (log rotation).
    // A path that vanished and was not recreated yet does not count: keep the old file.
    bool replaced() const;

private:
    std::string path_;
    int fd_ = -1;
    dev_t device_ = 0;
    ino_t inode_ = 0;
};

// Throws FatalError "cannot read '<path>': <strerror(error)>".
[[noreturn]] void throw_unreadable(const std::string& path, int error);

}  // namespace sluice::file_source
