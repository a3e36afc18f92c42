// Reading a small file a configuration names (a PEM key, a properties file, a pipeline):
// the name may point anywhere (/dev/zero, a FIFO, a 1 GiB sparse file), so only regular
// files are read, never more than a limit, and opening never waits for a writer.
// Header-only, POSIX; used by the worker and by plugins alike.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sluice::files {

// "4 MiB", "512 KiB", "100 bytes".
inline std::string describe_size(std::size_t bytes) {
    if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
    if (bytes >= (std::size_t{1} << 10) && bytes % (std::size_t{1} << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
    return std::to_string(bytes) + " bytes";
}

// The whole file, or nullopt with `error` saying why ("not a regular file", "is 1024 MiB,
// larger than the 4 MiB allowed", the system's reason); the caller says what the file was for.
inline std::optional<std::string> read_regular_file(const std::string& path, std::size_t max_bytes, std::string& error) {
    int fd = -1;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    if (S_ISDIR(st.st_mode)) {
        error = "is a directory, expected a regular file";
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        error = "not a regular file (a device, FIFO or socket)";
        return std::nullopt;
    }
    if (static_cast<std::size_t>(st.st_size) > max_bytes) {
        error = "is " + describe_size(static_cast<std::size_t>(st.st_size)) + ", larger than the " + describe_size(max_bytes) +
                " allowed";
        return std::nullopt;
    }
    std::string text;
    text.reserve(static_cast<std::size_t>(st.st_size));
    char chunk[64 * 1024];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = std::strerror(errno);
            return std::nullopt;
        }
        if (n == 0) break;
        text.append(chunk, static_cast<std::size_t>(n));
        if (text.size() > max_bytes) {
            error = "grew past the " + describe_size(max_bytes) + " allowed while it was read";
            return std::nullopt;
        }
    }
    return text;
}

}  // namespace sluice::files
