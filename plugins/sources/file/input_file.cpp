#include "input_file.hpp"

#include <sluice/sdk.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace sluice::file_source {

void throw_unreadable(const std::string& path, int error) {
    throw FatalError("cannot read '" + path + "': " + std::strerror(error));
}

InputFile::InputFile(std::string path) : path_(std::move(path)) {
    // O_NONBLOCK: opening a FIFO without a writer would wait for one; it is refused below.
    do {
        fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    } while (fd_ < 0 && errno == EINTR);
    if (fd_ < 0) throw_unreadable(path_, errno);
    struct stat info {};
    if (::fstat(fd_, &info) != 0) {
        const int error = errno;
        ::close(fd_);
        throw_unreadable(path_, error);
    }
    if (!S_ISREG(info.st_mode)) {
        ::close(fd_);
        if (S_ISDIR(info.st_mode)) throw_unreadable(path_, EISDIR);
        throw FatalError("cannot read '" + path_ + "': not a regular file");
    }
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    device_ = info.st_dev;
    inode_ = info.st_ino;
}

InputFile::~InputFile() {
    if (fd_ >= 0) ::close(fd_);
}

InputFile::InputFile(InputFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), device_(other.device_), inode_(other.inode_) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
        device_ = other.device_;
        inode_ = other.inode_;
    }
    return *this;
}

std::size_t InputFile::read_at(std::uint64_t position, std::span<char> into) const {
    while (true) {
        const ssize_t got = ::pread(fd_, into.data(), into.size(), static_cast<off_t>(position));
        if (got >= 0) return static_cast<std::size_t>(got);
        const int error = errno;
        if (error == EINTR) continue;
        throw FatalError("read from '" + path_ + "' failed at byte " + std::to_string(position) + ": " +
                         std::strerror(error));
    }
}

std::uint64_t InputFile::size() const {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) {
        const int error = errno;
        throw FatalError("cannot stat '" + path_ + "': " + std::strerror(error));
    }
    return static_cast<std::uint64_t>(info.st_size);
}

bool InputFile::replaced() const {
    struct stat info {};
    if (::stat(path_.c_str(), &info) != 0) return false;
    return info.st_dev != device_ || info.st_ino != inode_;
}

}  // namespace sluice::file_source
