#include "isolation/arena.hpp"

#include "isolation/errno_text.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sluice::isolation {

namespace {
char* map(int fd, size_t size) {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    return p == MAP_FAILED ? nullptr : static_cast<char*>(p);
}
}  // namespace

std::unique_ptr<Arena> Arena::create(std::string& error) {
    int fd = ::memfd_create("sluice-arena", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        error = errno_text("memfd_create");
        return nullptr;
    }
    if (::ftruncate(fd, kInitialBytes) != 0 || ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
        error = errno_text("preparing the task arena");
        ::close(fd);
        return nullptr;
    }
    char* base = map(fd, kInitialBytes);
    if (base == nullptr) {
        error = errno_text("mmap of the task arena");
        ::close(fd);
        return nullptr;
    }
    return std::unique_ptr<Arena>(new Arena(fd, base, kInitialBytes));
}

std::unique_ptr<Arena> Arena::attach(int fd, std::string& error) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(kHeaderBytes)) {
        error = "the task arena descriptor is not a usable memory file";
        return nullptr;
    }
    char* base = map(fd, static_cast<size_t>(st.st_size));
    if (base == nullptr) {
        error = errno_text("mmap of the task arena");
        return nullptr;
    }
    return std::unique_ptr<Arena>(new Arena(fd, base, static_cast<size_t>(st.st_size)));
}

Arena::~Arena() {
    if (base_ != nullptr) ::munmap(base_, size_);
    if (fd_ >= 0) ::close(fd_);
}

bool Arena::remap(size_t size, std::string& error) {
    void* p = ::mremap(base_, size_, size, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) {
        error = errno_text("mremap of the task arena");
        return false;
    }
    base_ = static_cast<char*>(p);
    size_ = size;
    return true;
}

bool Arena::grow(size_t needed, std::string& error) {
    if (needed <= size_) return true;
    if (needed > kMaxBytes) {
        error = "a batch of " + std::to_string(needed) + " bytes is larger than the task arena's limit of " + std::to_string(kMaxBytes);
        return false;
    }
    size_t size = size_;
    while (size < needed) size *= 2;
    if (size > kMaxBytes) size = kMaxBytes;
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        error = errno_text("fstat of the task arena");
        return false;
    }
    if (static_cast<size_t>(st.st_size) < size && ::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
        error = errno_text("growing the task arena");
        return false;
    }
    return remap(size, error);
}

bool Arena::follow(uint64_t announced, std::string& error) {
    if (announced == size_) return true;
    if (announced < size_ || announced > kMaxBytes) {
        error = "the peer announced an arena of " + std::to_string(announced) + " bytes (mapped: " + std::to_string(size_) + ")";
        return false;
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || static_cast<uint64_t>(st.st_size) < announced) {
        error = "the peer announced an arena of " + std::to_string(announced) + " bytes, the file has fewer";
        return false;
    }
    return remap(static_cast<size_t>(announced), error);
}

bool grow_arena(void* context, size_t needed, char** base, size_t* capacity) {
    auto* arena = static_cast<Arena*>(context);
    std::string error;
    if (!arena->grow(needed, error)) return false;
    *base = arena->data();
    *capacity = arena->size();
    return true;
}

}  // namespace sluice::isolation
