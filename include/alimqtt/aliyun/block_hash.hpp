// alimqtt/aliyun/block_hash.hpp — the Merkle–Damgård plumbing shared by MD5,
// SHA-1 and SHA-256: 64-byte blocks, buffering, padding and the length field.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

namespace alimqtt::aliyun::detail {

/// Buffers input into 64-byte blocks for `Derived::compress(const uint8_t*)` and
/// pads the message at the end (RFC 1321 3.1-3.2, FIPS 180-4 5.1.1): a 0x80
/// byte, zeros, then the bit length as 8 bytes, big- or little-endian.
template <class Derived, std::size_t DigestSize, bool BigEndianLength>
class BlockHash {
public:
    static constexpr std::size_t block_size = 64;
    static constexpr std::size_t digest_size = DigestSize;
    using Digest = std::array<std::uint8_t, DigestSize>;

    // At run time every input is fed as uint8_t (one copy of feed() in the
    // firmware); only constant evaluation, which cannot reinterpret
    // pointers, uses the per-type feed().

    /// Feeds text.
    constexpr void update(std::string_view s) noexcept {
        if (std::is_constant_evaluated()) feed(s.data(), s.size());
        else feed(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    }
    /// Feeds raw bytes.
    constexpr void update(std::span<const std::uint8_t> b) noexcept { feed(b.data(), b.size()); }
    /// Feeds raw bytes.
    constexpr void update(std::span<const std::byte> b) noexcept {
        if (std::is_constant_evaluated()) feed(b.data(), b.size());
        else feed(reinterpret_cast<const std::uint8_t*>(b.data()), b.size());
    }

    /// Pads, returns the digest and resets the object for a new message.
    constexpr Digest final() noexcept {
        const std::uint64_t bits = total_ * 8;
        const std::uint8_t pad = 0x80;
        feed(&pad, 1);
        const std::uint8_t zero = 0;
        while (buffered_ != block_size - 8) feed(&zero, 1);
        std::uint8_t length[8]{};
        for (int i = 0; i < 8; ++i) {
            const int shift = BigEndianLength ? 56 - 8 * i : 8 * i;
            length[i] = static_cast<std::uint8_t>(bits >> shift);
        }
        feed(length, 8);
        Digest out{};
        self().write_digest(out);
        self().reset();
        return out;
    }

protected:
    constexpr void reset_buffer() noexcept {
        buffered_ = 0;
        total_ = 0;
    }

private:
    constexpr Derived& self() noexcept { return static_cast<Derived&>(*this); }

    template <class Byte>
    constexpr void feed(const Byte* p, std::size_t n) noexcept {
        total_ += n;
        if (buffered_ != 0) {
            while (n != 0 && buffered_ != block_size) {
                buffer_[buffered_++] = static_cast<std::uint8_t>(*p++);
                --n;
            }
            if (buffered_ != block_size) return;
            self().compress(buffer_.data());
            buffered_ = 0;
        }
        // Whole blocks straight from the caller's memory when it holds bytes
        // of the right type; char and std::byte input goes through the buffer.
        if constexpr (std::is_same_v<Byte, std::uint8_t>) {
            for (; n >= block_size; n -= block_size, p += block_size) self().compress(p);
        } else {
            for (; n >= block_size; n -= block_size) {
                for (std::size_t k = 0; k < block_size; ++k) buffer_[k] = static_cast<std::uint8_t>(*p++);
                self().compress(buffer_.data());
            }
        }
        while (n != 0) {
            buffer_[buffered_++] = static_cast<std::uint8_t>(*p++);
            --n;
        }
    }

    std::array<std::uint8_t, block_size> buffer_{};
    std::size_t buffered_ = 0;
    std::uint64_t total_ = 0;
};

/// Reads a big-endian 32-bit word from any byte-like pointer.
template <class Byte>
constexpr std::uint32_t load_be32(const Byte* p) noexcept {
    return std::uint32_t{static_cast<std::uint8_t>(p[0])} << 24 |
           std::uint32_t{static_cast<std::uint8_t>(p[1])} << 16 |
           std::uint32_t{static_cast<std::uint8_t>(p[2])} << 8 |
           std::uint32_t{static_cast<std::uint8_t>(p[3])};
}

/// Reads a little-endian 32-bit word from any byte-like pointer.
template <class Byte>
constexpr std::uint32_t load_le32(const Byte* p) noexcept {
    return std::uint32_t{static_cast<std::uint8_t>(p[3])} << 24 |
           std::uint32_t{static_cast<std::uint8_t>(p[2])} << 16 |
           std::uint32_t{static_cast<std::uint8_t>(p[1])} << 8 |
           std::uint32_t{static_cast<std::uint8_t>(p[0])};
}

/// Writes `words` big-endian into `out`.
template <std::size_t W>
constexpr void store_be32(const std::array<std::uint32_t, W>& words,
                          std::array<std::uint8_t, 4 * W>& out) noexcept {
    for (std::size_t i = 0; i < W; ++i)
        for (std::size_t j = 0; j < 4; ++j)
            out[4 * i + j] = static_cast<std::uint8_t>(words[i] >> (24 - 8 * j));
}

/// Writes `words` little-endian into `out`.
template <std::size_t W>
constexpr void store_le32(const std::array<std::uint32_t, W>& words,
                          std::array<std::uint8_t, 4 * W>& out) noexcept {
    for (std::size_t i = 0; i < W; ++i)
        for (std::size_t j = 0; j < 4; ++j)
            out[4 * i + j] = static_cast<std::uint8_t>(words[i] >> (8 * j));
}

} // namespace alimqtt::aliyun::detail
