// alimqtt/aliyun/md5.hpp — MD5 (RFC 1321), incremental and one-shot,
// constexpr; the hash behind hmacmd5, the platform's default signmethod.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <string_view>

#include "alimqtt/aliyun/block_hash.hpp"

namespace alimqtt::aliyun {

/// MD5 hasher: update() any number of times, then final(). Only for
/// HMAC-MD5 signing, where MD5's collision weakness does not apply.
class Md5 : public detail::BlockHash<Md5, 16, false> {
public:
    constexpr Md5() noexcept = default;

    /// Digest of `message` in one call.
    static constexpr Digest hash(std::string_view message) noexcept {
        Md5 h;
        h.update(message);
        return h.final();
    }

private:
    friend class detail::BlockHash<Md5, 16, false>;

    // RFC 1321 3.4: T[i] = floor(2^32 * |sin(i)|), i = 1..64.
    static constexpr std::array<std::uint32_t, 64> t_{
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
    };
    // RFC 1321 3.4: per-round left rotation amounts.
    static constexpr std::array<int, 16> shift_{7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};
    // RFC 1321 3.3: initial buffer A, B, C, D.
    static constexpr std::array<std::uint32_t, 4> initial_{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

    constexpr void reset() noexcept {
        state_ = initial_;
        reset_buffer();
    }
    constexpr void write_digest(Digest& out) const noexcept { detail::store_le32(state_, out); }

    // RFC 1321 3.4: four rounds of 16 operations over one 512-bit block.
    constexpr void compress(const std::uint8_t* block) noexcept {
        std::array<std::uint32_t, 16> x; // every word is written before it is read
        for (int i = 0; i < 16; ++i) x[i] = detail::load_le32(block + 4 * i);
        std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
        for (int i = 0; i < 64; ++i) {
            std::uint32_t f = 0;
            int g = 0;
            switch (i / 16) {
            case 0: f = (b & c) | (~b & d); g = i; break;
            case 1: f = (b & d) | (c & ~d); g = (5 * i + 1) % 16; break;
            case 2: f = b ^ c ^ d; g = (3 * i + 5) % 16; break;
            default: f = c ^ (b | ~d); g = (7 * i) % 16; break;
            }
            const std::uint32_t sum = a + f + t_[i] + x[g];
            a = d;
            d = c;
            c = b;
            b = b + std::rotl(sum, shift_[(i / 16) * 4 + i % 4]);
        }
        state_[0] += a; state_[1] += b; state_[2] += c; state_[3] += d;
    }

    std::array<std::uint32_t, 4> state_ = initial_;
};

/// MD5 of `message`.
constexpr Md5::Digest md5(std::string_view message) noexcept { return Md5::hash(message); }

} // namespace alimqtt::aliyun
