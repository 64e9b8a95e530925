// alimqtt/aliyun/hex.hpp — hexadecimal encoding of digests, lower or upper
// case (the C SDKs send upper case, the Node/Python SDKs lower case).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "alimqtt/aliyun/fixed_string.hpp"

namespace alimqtt::aliyun {

/// Letter case of hex digits a..f.
enum class HexCase : std::uint8_t { lower, upper };

/// Hex text of `bytes`: two digits per byte, most significant nibble first.
template <std::size_t N>
constexpr FixedString<2 * N> to_hex(const std::array<std::uint8_t, N>& bytes,
                                    HexCase letter_case = HexCase::lower) noexcept {
    const char* digits = letter_case == HexCase::upper ? "0123456789ABCDEF" : "0123456789abcdef";
    FixedString<2 * N> out;
    for (std::uint8_t b : bytes) {
        // Capacity is exactly 2*N: these pushes cannot fail.
        (void)out.push_back(digits[b >> 4]);
        (void)out.push_back(digits[b & 0x0F]);
    }
    return out;
}

} // namespace alimqtt::aliyun
