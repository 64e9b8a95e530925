// alimqtt/aliyun/sha1.hpp — SHA-1 (FIPS 180-4 6.1), incremental and one-shot,
// constexpr; the hash behind signmethod hmacsha1 (Node and Python SDKs).
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <string_view>

#include "alimqtt/aliyun/block_hash.hpp"

namespace alimqtt::aliyun {

/// SHA-1 hasher: update() any number of times, then final(). Only for
/// HMAC-SHA1 signing, where SHA-1's collision weakness does not apply.
class Sha1 : public detail::BlockHash<Sha1, 20, true> {
public:
    constexpr Sha1() noexcept = default;

    /// Digest of `message` in one call.
    static constexpr Digest hash(std::string_view message) noexcept {
        Sha1 h;
        h.update(message);
        return h.final();
    }

private:
    friend class detail::BlockHash<Sha1, 20, true>;

    // FIPS 180-4 5.3.1: initial hash value.
    static constexpr std::array<std::uint32_t, 5> initial_{
        0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0,
    };

    constexpr void reset() noexcept {
        state_ = initial_;
        reset_buffer();
    }
    constexpr void write_digest(Digest& out) const noexcept { detail::store_be32(state_, out); }

    // FIPS 180-4 6.1.2: one 512-bit block; functions and constants of 4.1.1/4.2.1.
    constexpr void compress(const std::uint8_t* block) noexcept {
        std::array<std::uint32_t, 80> w; // every word is written before it is read
        for (int t = 0; t < 16; ++t) w[t] = detail::load_be32(block + 4 * t);
        for (int t = 16; t < 80; ++t) w[t] = std::rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
        std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4];
        for (int t = 0; t < 80; ++t) {
            std::uint32_t f = 0;
            std::uint32_t k = 0;
            if (t < 20) {
                f = (b & c) | (~b & d);
                k = 0x5a827999;
            } else if (t < 40) {
                f = b ^ c ^ d;
                k = 0x6ed9eba1;
            } else if (t < 60) {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8f1bbcdc;
            } else {
                f = b ^ c ^ d;
                k = 0xca62c1d6;
            }
            const std::uint32_t temp = std::rotl(a, 5) + f + e + k + w[t];
            e = d;
            d = c;
            c = std::rotl(b, 30);
            b = a;
            a = temp;
        }
        state_[0] += a; state_[1] += b; state_[2] += c; state_[3] += d; state_[4] += e;
    }

    std::array<std::uint32_t, 5> state_ = initial_;
};

/// SHA-1 of `message`.
constexpr Sha1::Digest sha1(std::string_view message) noexcept { return Sha1::hash(message); }

} // namespace alimqtt::aliyun
