// The shared memory of one isolated task: a memfd both processes map, where record
// batches cross the boundary (a sink's put written by the worker, a source's poll written
// by the host) with one copy, not one frame per record. The first kHeaderBytes hold the
// stop flag the host's `stopping()` reads without a round trip.
//
// Either side may grow it (ftruncate larger, remap) and says so in its next frame; nobody
// may shrink it: the worker seals it against shrinking (F_SEAL_SHRINK, F_SEAL_SEAL), so a
// host cannot make the worker's mapping fault (SIGBUS) by truncating the file.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sluice::isolation {

class Arena {
public:
    static constexpr size_t kHeaderBytes = 64;
    static constexpr size_t kInitialBytes = 1u << 20;
    static constexpr size_t kMaxBytes = size_t{1} << 32;  // 4 GiB: a batch larger than this is refused

    // The worker's side: a new sealed memfd.
    static std::unique_ptr<Arena> create(std::string& error);
    // The host's side: the inherited descriptor.
    static std::unique_ptr<Arena> attach(int fd, std::string& error);
    ~Arena();
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;

    int fd() const { return fd_; }
    char* data() const { return base_; }
    size_t size() const { return size_; }

    // Room for at least `needed` bytes (grows the file and the mapping by doubling).
    bool grow(size_t needed, std::string& error);
    // The other side says the arena is now `announced` bytes: map that much, after checking
    // the file really is that large (a lying peer must not make us fault).
    bool follow(uint64_t announced, std::string& error);

    // The task's stop flag, shared with the host.
    std::atomic<uint32_t>& stop_flag() const { return *reinterpret_cast<std::atomic<uint32_t>*>(base_); }

private:
    Arena(int fd, char* base, size_t size) : fd_(fd), base_(base), size_(size) {}
    bool remap(size_t size, std::string& error);

    int fd_ = -1;
    char* base_ = nullptr;
    size_t size_ = 0;
};

// Grow callback for RecordWriter: `context` is the Arena.
bool grow_arena(void* context, size_t needed, char** base, size_t* capacity);

}  // namespace sluice::isolation
