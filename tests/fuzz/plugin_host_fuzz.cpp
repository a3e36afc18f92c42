// What the worker reads from a plugin host process (an isolated plugin may write anything on
// its socket and into the shared arena): the first byte picks
//   0: frames as the worker's Channel reads them from the socket (buffering, headers, bodies)
//   1: one frame body of the type given by the second byte (isolation::decode_body)
//   2: a record batch in the arena (isolation::decode_batch, RecordReader), count first
// Invariants: nothing throws or reads outside the input; an accepted frame re-encodes to the
// very bytes it came from (one encoding per message); decoded records point inside the
// bytes they came from.
#include "fuzz_support.hpp"

#include "isolation/channel.hpp"
#include "isolation/protocol.hpp"

#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

using namespace sluice;
using namespace sluice::isolation;

namespace {

void frames_from_socket(std::string_view in) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return;
    if (!in.empty() && ::send(pair[1], in.data(), std::min<size_t>(in.size(), 100000), MSG_DONTWAIT) < 0) {
        ::close(pair[1]);
        ::close(pair[0]);
        return;
    }
    ::close(pair[1]);
    Channel channel(pair[0]);
    std::string error;
    for (int i = 0; i < 1000; ++i) {
        Message m;
        auto got = channel.receive(m, 0, -1, error);
        if (got != Channel::Got::message) break;
        std::string again = encode(m);
        std::string error2;
        auto back = decode(again, error2);
        FUZZ_CHECK(back && encode(*back) == again, "a decoded frame does not survive encode/decode: " + error2);
    }
}

void one_body(std::string_view in) {
    if (in.empty()) return;
    const auto type = static_cast<Type>(static_cast<uint8_t>(in[0]) % 40);
    std::string error;
    auto m = decode_body(type, in.substr(1), error);
    if (!m) {
        FUZZ_CHECK(!error.empty(), "refused without a reason");
        return;
    }
    std::string frame = encode(*m);
    FUZZ_CHECK(frame.substr(kFrameHeaderBytes) == in.substr(1), "an accepted body re-encodes differently");
}

void arena_batch(std::string_view in) {
    if (in.size() < 4) return;
    uint32_t count = 0;
    std::memcpy(&count, in.data(), 4);
    count %= 4096;
    std::string arena(in.substr(4));
    DecodedBatch batch;
    std::string error;
    if (!decode_batch(arena.data(), 0, arena.size(), count, batch, error)) {
        FUZZ_CHECK(!error.empty(), "refused without a reason");
        return;
    }
    FUZZ_CHECK(batch.pointers.size() == count, "a batch of the wrong size");
    const char* begin = arena.data();
    const char* end = begin + arena.size();
    auto inside = [&](const sluice_bytes& b) { return b.data == nullptr || (b.data >= begin && b.data + b.size <= end); };
    for (const sluice_record* r : batch.pointers) {
        FUZZ_CHECK(inside(r->key) && inside(r->value) && inside(r->topic) && inside(r->source_partition) && inside(r->source_offset),
                   "a record points outside the arena");
        for (size_t h = 0; h < r->header_count; ++h)
            FUZZ_CHECK(r->headers[h]->key.data != nullptr && inside(r->headers[h]->key) && inside(r->headers[h]->value),
                       "a header points outside the arena");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
    case 0: frames_from_socket(in); break;
    case 1: one_body(in); break;
    default: arena_batch(in); break;
    }
    return 0;
}
