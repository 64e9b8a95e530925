// alimqtt/aliyun/hmac.hpp — HMAC (RFC 2104) over any of the block hashes here:
// the password Aliyun checks is hex(HMAC_<method>(deviceSecret, content)).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "alimqtt/aliyun/md5.hpp"
#include "alimqtt/aliyun/sha1.hpp"
#include "alimqtt/aliyun/sha256.hpp"

namespace alimqtt::aliyun {

/// HMAC keyed once, fed with update(), finished with final(). After final()
/// it is ready for a new message under the same key.
template <class Hash>
class Hmac {
public:
    using Digest = typename Hash::Digest;                          ///< the MAC, as raw bytes
    static constexpr std::size_t block_size = Hash::block_size;   ///< hash block size in bytes
    static constexpr std::size_t digest_size = Hash::digest_size; ///< MAC size in bytes

    /// Keys the MAC with text (e.g. a DeviceSecret).
    constexpr explicit Hmac(std::string_view key) noexcept { set_key(key.data(), key.size()); }
    /// Keys the MAC with raw bytes.
    constexpr explicit Hmac(std::span<const std::uint8_t> key) noexcept { set_key(key.data(), key.size()); }
    /// Keys the MAC with raw bytes.
    constexpr explicit Hmac(std::span<const std::byte> key) noexcept { set_key(key.data(), key.size()); }

    /// Feeds message text.
    constexpr void update(std::string_view s) noexcept { inner_.update(s); }
    /// Feeds message bytes.
    constexpr void update(std::span<const std::uint8_t> b) noexcept { inner_.update(b); }
    /// Feeds message bytes.
    constexpr void update(std::span<const std::byte> b) noexcept { inner_.update(b); }

    /// The MAC of everything fed since construction or the last final().
    constexpr Digest final() noexcept {
        // RFC 2104 section 2: H(K0 ^ opad, H(K0 ^ ipad, text)).
        const Digest inner = inner_.final();
        Hash outer;
        outer.update(std::span<const std::uint8_t>(padded_key(0x5c)));
        outer.update(std::span<const std::uint8_t>(inner));
        start_inner();
        return outer.final();
    }

    /// MAC of `message` under `key` in one call.
    static constexpr Digest mac(std::string_view key, std::string_view message) noexcept {
        Hmac h(key);
        h.update(message);
        return h.final();
    }

private:
    template <class Byte>
    constexpr void set_key(const Byte* key, std::size_t n) noexcept {
        // RFC 2104 section 2: a key longer than B is hashed first; any key
        // is then zero-padded to B bytes.
        if (n > block_size) {
            Hash h;
            if constexpr (std::is_same_v<Byte, char>) h.update(std::string_view(key, n));
            else h.update(std::span<const Byte>(key, n));
            const Digest d = h.final();
            for (std::size_t i = 0; i < d.size(); ++i) key_[i] = d[i];
        } else {
            for (std::size_t i = 0; i < n; ++i) key_[i] = static_cast<std::uint8_t>(key[i]);
        }
        start_inner();
    }

    constexpr std::array<std::uint8_t, block_size> padded_key(std::uint8_t pad) const noexcept {
        std::array<std::uint8_t, block_size> out{};
        for (std::size_t i = 0; i < block_size; ++i) out[i] = static_cast<std::uint8_t>(key_[i] ^ pad);
        return out;
    }

    constexpr void start_inner() noexcept {
        inner_ = Hash{};
        inner_.update(std::span<const std::uint8_t>(padded_key(0x36)));
    }

    std::array<std::uint8_t, block_size> key_{};
    Hash inner_{};
};

using HmacSha256 = Hmac<Sha256>;
using HmacSha1 = Hmac<Sha1>;
using HmacMd5 = Hmac<Md5>;

/// HMAC-SHA256 of `message` under `key`.
constexpr Sha256::Digest hmac_sha256(std::string_view key, std::string_view message) noexcept {
    return HmacSha256::mac(key, message);
}
/// HMAC-SHA1 of `message` under `key`.
constexpr Sha1::Digest hmac_sha1(std::string_view key, std::string_view message) noexcept {
    return HmacSha1::mac(key, message);
}
/// HMAC-MD5 of `message` under `key`.
constexpr Md5::Digest hmac_md5(std::string_view key, std::string_view message) noexcept {
    return HmacMd5::mac(key, message);
}

} // namespace alimqtt::aliyun
