// The output file: opened for append (O_APPEND, so each write(2) lands at the end even if
// something else appends too), written in whole buffers, made durable with fsync.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::file_sink {

class AppendFile {
public:
    // Opens `path` (O_WRONLY|O_CREAT|O_APPEND, mode 0644), creating missing parent
    // directories when `create_dirs`. Throws FatalError "cannot append to '<path>': ...".
    AppendFile(std::string path, bool create_dirs);
    ~AppendFile();
    AppendFile(const AppendFile&) = delete;
    AppendFile& operator=(const AppendFile&) = delete;

    const std::string& path() const { return path_; }

    // True when the file already held bytes and the last one is not LF: a previous writer
    // died mid-line.
    bool ended_mid_line() const { return ended_mid_line_; }

    // Writes all of `bytes`, retrying short writes and EINTR. `written` grows as bytes reach
    // the file, so a caller knows how much went out even when this throws FatalError
    // "write to '<path>' failed: <reason>".
    void write_all(std::string_view bytes, std::size_t& written);

    // fsync of the file, and once of every directory whose entries this object created.
    void sync();

private:
    std::string path_;
    int fd_ = -1;
    bool ended_mid_line_ = false;
    std::vector<std::string> unsynced_directories_;
};

// Pre-flight: throws FatalError with a clear reason unless `path` can be opened for append
// (its directory existing, or creatable when `create_dirs`). Creates nothing.
void check_appendable(const std::string& path, bool create_dirs);

}  // namespace sluice::file_sink
