// alimqtt/aliyun/sha256.hpp — SHA-256 (FIPS 180-4 6.2), incremental and
// one-shot, constexpr; the hash behind Aliyun's default signmethod hmacsha256.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <string_view>

#include "alimqtt/aliyun/block_hash.hpp"

namespace alimqtt::aliyun {

/// SHA-256 hasher: update() any number of times, then final().
class Sha256 : public detail::BlockHash<Sha256, 32, true> {
public:
    constexpr Sha256() noexcept = default;

    /// Digest of `message` in one call.
    static constexpr Digest hash(std::string_view message) noexcept {
        Sha256 h;
        h.update(message);
        return h.final();
    }

private:
    friend class detail::BlockHash<Sha256, 32, true>;

    // FIPS 180-4 4.2.2: first 32 bits of the fractional parts of the cube
    // roots of the first 64 primes.
    static constexpr std::array<std::uint32_t, 64> k_{
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    };
    // FIPS 180-4 5.3.3: initial hash value.
    static constexpr std::array<std::uint32_t, 8> initial_{
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };

    constexpr void reset() noexcept {
        state_ = initial_;
        reset_buffer();
    }
    constexpr void write_digest(Digest& out) const noexcept { detail::store_be32(state_, out); }

    // FIPS 180-4 6.2.2: one 512-bit block.
    constexpr void compress(const std::uint8_t* block) noexcept {
        std::array<std::uint32_t, 64> w; // every word is written before it is read
        for (int t = 0; t < 16; ++t) w[t] = detail::load_be32(block + 4 * t);
        for (int t = 16; t < 64; ++t) {
            const std::uint32_t s0 = std::rotr(w[t - 15], 7) ^ std::rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
            const std::uint32_t s1 = std::rotr(w[t - 2], 17) ^ std::rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = s1 + w[t - 7] + s0 + w[t - 16];
        }
        std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
        std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
        for (int t = 0; t < 64; ++t) {
            const std::uint32_t big_s1 = std::rotr(e, 6) ^ std::rotr(e, 11) ^ std::rotr(e, 25);
            const std::uint32_t ch = (e & f) ^ (~e & g);
            const std::uint32_t t1 = h + big_s1 + ch + k_[t] + w[t];
            const std::uint32_t big_s0 = std::rotr(a, 2) ^ std::rotr(a, 13) ^ std::rotr(a, 22);
            const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
            const std::uint32_t t2 = big_s0 + maj;
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state_[0] += a; state_[1] += b; state_[2] += c; state_[3] += d;
        state_[4] += e; state_[5] += f; state_[6] += g; state_[7] += h;
    }

    std::array<std::uint32_t, 8> state_ = initial_;
};

/// SHA-256 of `message`.
constexpr Sha256::Digest sha256(std::string_view message) noexcept { return Sha256::hash(message); }

} // namespace alimqtt::aliyun
