// alimqtt/codec/utf8.hpp — the UTF-8 rules of MQTT 3.1.1 section 1.5.3:
// well-formed UTF-8 (RFC 3629), no surrogates, no overlongs, no U+0000.
#pragma once

#include <cstddef>
#include <string_view>

#include "../error.hpp"

namespace alimqtt {

/// Checks that `s` is a UTF-8 string MQTT accepts (1.5.3): well-formed per
/// RFC 3629 (no overlong forms, no surrogates U+D800..U+DFFF, nothing above
/// U+10FFFF) and free of U+0000. Returns malformed_utf8 or utf8_null_character.
/// The 65,535-byte limit is the caller's (it depends on where the string goes).
constexpr Status validate_utf8(std::string_view s) noexcept {
    const std::size_t n = s.size();
    auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    auto is_cont = [](unsigned char b) { return (b & 0xC0u) == 0x80u; };
    std::size_t i = 0;
    while (i < n) {
        const unsigned char b0 = at(i);
        if (b0 == 0x00) return Error::utf8_null_character; // [MQTT-1.5.3-2]
        if (b0 < 0x80) {
            ++i;
            continue;
        }
        // 0x80..0xC1: a stray continuation byte or an overlong 2-byte form
        // (C0 80 would smuggle in U+0000). 0xF5..0xFF never occur in UTF-8.
        if (b0 < 0xC2 || b0 > 0xF4) return Error::malformed_utf8; // [MQTT-1.5.3-1]
        std::size_t len = b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
        if (n - i < len) return Error::malformed_utf8;
        const unsigned char b1 = at(i + 1);
        unsigned char lo = 0x80, hi = 0xBF;
        if (b0 == 0xE0) lo = 0xA0;      // overlong 3-byte form
        else if (b0 == 0xED) hi = 0x9F; // U+D800..U+DFFF surrogates [MQTT-1.5.3-1]
        else if (b0 == 0xF0) lo = 0x90; // overlong 4-byte form
        else if (b0 == 0xF4) hi = 0x8F; // above U+10FFFF
        if (b1 < lo || b1 > hi) return Error::malformed_utf8;
        for (std::size_t k = 2; k < len; ++k)
            if (!is_cont(at(i + k))) return Error::malformed_utf8;
        i += len;
    }
    return {};
}

} // namespace alimqtt
