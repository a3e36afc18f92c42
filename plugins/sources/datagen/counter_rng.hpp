// Counter-based randomness: every random number is a pure function of a few integers, so
// record n can be regenerated from (seed, n) alone after a restart, in any order.
#pragma once

#include <cstdint>

namespace sluice::datagen {

// The splitmix64 finaliser: a fast bijective mixer with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// Hash of an ordered tuple; chaining through mix64 keeps (a, b) and (b, a) apart, which
// a plain XOR of the parts would not.
constexpr std::uint64_t hash_of(std::uint64_t a, std::uint64_t b) { return mix64(mix64(a) ^ b); }
constexpr std::uint64_t hash_of(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    return mix64(hash_of(a, b) ^ mix64(c));
}

// Uniform in [0, 1) from the top 53 bits.
constexpr double unit_interval(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

// Roughly standard normal (Irwin-Hall of four 16-bit uniforms, rescaled): bounded to
// +-3.46, which keeps generated values inside plausible ranges without clamping tricks.
constexpr double standard_normal(std::uint64_t bits) {
    const auto sum = static_cast<double>((bits & 0xffff) + ((bits >> 16) & 0xffff) + ((bits >> 32) & 0xffff) +
                                         (bits >> 48));
    return (sum * (1.0 / 65536.0) - 2.0) * 1.7320508075688772;
}

// A stream of independent draws keyed by one hash: draw(i) is mix64(key + i*golden),
// i.e. splitmix64's sequence started at `key`.
class DrawStream {
public:
    explicit constexpr DrawStream(std::uint64_t key) : key_(key) {}
    constexpr std::uint64_t bits(std::uint64_t i) const { return mix64(key_ + i * 0x9e3779b97f4a7c15ULL); }
    constexpr double uniform(std::uint64_t i) const { return unit_interval(bits(i)); }
    constexpr double normal(std::uint64_t i) const { return standard_normal(bits(i)); }

private:
    std::uint64_t key_;
};

}  // namespace sluice::datagen
