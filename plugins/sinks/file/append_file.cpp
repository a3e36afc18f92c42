#include "append_file.hpp"

#include <sluice/sdk.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace sluice::file_sink {
namespace {

[[noreturn]] void throw_cannot_append(const std::string& path, const std::string& reason) {
    throw FatalError("cannot append to '" + path + "': " + reason);
}

std::string directory_of(const std::string& path) {
    std::string parent = std::filesystem::path(path).parent_path().string();
    return parent.empty() ? "." : parent;
}

// 0 when `path` exists, else errno of stat.
int stat_error(const std::string& path, struct stat& info) { return ::stat(path.c_str(), &info) == 0 ? 0 : errno; }

// Creates the missing directories of `directory`, outermost first. Returns the parents of
// the directories it created: their entries changed and need an fsync to survive a crash.
std::vector<std::string> make_directories(const std::string& file_path, const std::string& directory) {
    std::vector<std::string> changed;
    std::filesystem::path prefix;
    for (const auto& part : std::filesystem::path(directory)) {
        prefix /= part;
        const std::string current = prefix.string();
        struct stat info {};
        if (::stat(current.c_str(), &info) == 0) {
            if (!S_ISDIR(info.st_mode))
                throw_cannot_append(file_path, "cannot create directory under '" + current + "': " + std::strerror(ENOTDIR));
            continue;
        }
        if (::mkdir(current.c_str(), 0755) == 0) {
            changed.push_back(directory_of(current));
            continue;
        }
        const int error = errno;
        if (error == EEXIST && ::stat(current.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) continue; // raced
        throw_cannot_append(file_path, "cannot create directory '" + current + "': " + std::strerror(error));
    }
    return changed;
}

bool last_byte_is_not_newline(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false; // a write-only file: nothing to check
    bool mid_line = false;
    struct stat info {};
    char last = '\n';
    if (::fstat(fd, &info) == 0 && info.st_size > 0 && ::pread(fd, &last, 1, info.st_size - 1) == 1)
        mid_line = last != '\n';
    ::close(fd);
    return mid_line;
}

void fsync_directory(const std::string& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return; // best effort: some file systems refuse opening directories
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

AppendFile::AppendFile(std::string path, bool create_dirs) : path_(std::move(path)) {
    if (path_.empty()) throw FatalError("path must not be empty");
    const std::string directory = directory_of(path_);
    if (create_dirs) unsynced_directories_ = make_directories(path_, directory);
    struct stat info {};
    const bool existed = stat_error(path_, info) == 0;
    if (existed && S_ISDIR(info.st_mode)) throw_cannot_append(path_, std::strerror(EISDIR));
    do {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    } while (fd_ < 0 && errno == EINTR);
    if (fd_ < 0) {
        const int error = errno;
        if (error == ENOENT && !create_dirs)
            throw_cannot_append(path_, "directory '" + directory + "' does not exist (create.dirs is false)");
        throw_cannot_append(path_, std::strerror(error));
    }
    if (!existed) unsynced_directories_.push_back(directory);
    ended_mid_line_ = existed && last_byte_is_not_newline(path_);
}

AppendFile::~AppendFile() {
    if (fd_ >= 0) ::close(fd_);
}

void AppendFile::write_all(std::string_view bytes, std::size_t& written) {
    while (written < bytes.size()) {
        const ssize_t done = ::write(fd_, bytes.data() + written, bytes.size() - written);
        if (done > 0) {
            written += static_cast<std::size_t>(done);
            continue;
        }
        const int error = done < 0 ? errno : EIO;
        if (error == EINTR) continue;
        throw FatalError("write to '" + path_ + "' failed: " + std::strerror(error));
    }
}

void AppendFile::sync() {
    while (::fsync(fd_) != 0) {
        const int error = errno;
        if (error == EINTR) continue;
        // After a failed fsync the kernel may have dropped the dirty pages: never retry and
        // report success, fail so that nothing is committed.
        throw FatalError("fsync of '" + path_ + "' failed: " + std::strerror(error));
    }
    for (const auto& directory : unsynced_directories_) fsync_directory(directory);
    unsynced_directories_.clear();
}

void check_appendable(const std::string& path, bool create_dirs) {
    if (path.empty()) throw FatalError("path must not be empty");
    struct stat info {};
    const int file_error = stat_error(path, info);
    if (file_error == 0) {
        if (S_ISDIR(info.st_mode)) throw_cannot_append(path, std::strerror(EISDIR));
        const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0) throw_cannot_append(path, std::strerror(errno));
        ::close(fd);
        return;
    }
    if (file_error != ENOENT) throw_cannot_append(path, std::strerror(file_error));
    // The file will be created: its nearest existing ancestor must be a writable directory,
    // and the file's own directory must exist unless create.dirs may make it.
    std::string directory = directory_of(path);
    bool directory_exists = true;
    while (true) {
        const int error = stat_error(directory, info);
        if (error == 0) break;
        if (error != ENOENT) throw_cannot_append(path, "directory '" + directory + "': " + std::strerror(error));
        directory_exists = false;
        const std::string parent = directory_of(directory);
        if (parent == directory) break;
        directory = parent;
    }
    if (!directory_exists && !create_dirs)
        throw_cannot_append(path, "directory '" + directory_of(path) + "' does not exist (create.dirs is false)");
    if (!S_ISDIR(info.st_mode))
        throw_cannot_append(path, "'" + directory + "' is not a directory");
    if (::access(directory.c_str(), W_OK | X_OK) != 0)
        throw_cannot_append(path, "directory '" + directory + "' is not writable: " + std::strerror(errno));
}

}  // namespace sluice::file_sink
