// tests/support/mqtt_bytes.hpp — broker packets built byte by byte (an oracle
// independent of the library's encoder) and a splitter for recorded output.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

namespace alimqtt::test {

/// A packet's bytes in fixed storage; converts to a byte span.
struct Wire {
    std::array<std::byte, 1024> b{};
    std::size_t n = 0;

    void put(unsigned v) noexcept { b[n++] = static_cast<std::byte>(v & 0xFF); }
    void put16(unsigned v) noexcept {
        put(v >> 8);
        put(v);
    }
    void put_str(std::string_view s) noexcept {
        put16(static_cast<unsigned>(s.size()));
        for (char c : s) put(static_cast<unsigned char>(c));
    }
    /// Remaining length, variable-length encoded by hand (2.2.3).
    void put_len(std::size_t len) noexcept {
        do {
            unsigned d = len % 128;
            len /= 128;
            if (len > 0) d |= 0x80;
            put(d);
        } while (len > 0);
    }
    std::span<const std::byte> bytes() const noexcept { return {b.data(), n}; }
    operator std::span<const std::byte>() const noexcept { return bytes(); }
};

inline Wire connack(bool session_present, unsigned code) {
    Wire w;
    for (unsigned v : {0x20u, 0x02u, session_present ? 1u : 0u, code}) w.put(v);
    return w;
}
inline Wire ack(unsigned first_byte, unsigned id) {
    Wire w;
    w.put(first_byte);
    w.put(2);
    w.put16(id);
    return w;
}
inline Wire puback(unsigned id) { return ack(0x40, id); }
inline Wire pubrec(unsigned id) { return ack(0x50, id); }
inline Wire pubrel(unsigned id) { return ack(0x62, id); }
inline Wire pubcomp(unsigned id) { return ack(0x70, id); }
inline Wire unsuback(unsigned id) { return ack(0xB0, id); }
inline Wire pingresp() {
    Wire w;
    w.put(0xD0);
    w.put(0);
    return w;
}
inline Wire suback(unsigned id, std::initializer_list<unsigned> codes) {
    Wire w;
    w.put(0x90);
    w.put_len(2 + codes.size());
    w.put16(id);
    for (unsigned c : codes) w.put(c);
    return w;
}
/// PUBLISH from the broker (3.3): topic, packet id for QoS > 0, payload.
inline Wire publish(std::string_view topic, std::string_view payload, unsigned qos = 0, unsigned id = 0,
                    bool dup = false, bool retain = false) {
    Wire w;
    w.put(0x30 | (dup ? 0x08u : 0u) | (qos << 1) | (retain ? 1u : 0u));
    w.put_len(2 + topic.size() + (qos > 0 ? 2 : 0) + payload.size());
    w.put_str(topic);
    if (qos > 0) w.put16(id);
    for (char c : payload) w.put(static_cast<unsigned char>(c));
    return w;
}
/// Concatenation of packets (one read may carry several).
inline Wire concat(std::initializer_list<Wire> parts) {
    Wire w;
    for (const Wire& p : parts)
        for (std::size_t i = 0; i < p.n; ++i) w.b[w.n++] = p.b[i];
    return w;
}

/// The complete frames in a recorded byte stream, split by hand-parsing the
/// fixed header. `complete` is false if the stream ends inside a packet or
/// has a malformed remaining length.
struct Frames {
    std::array<std::span<const std::byte>, 256> items{};
    std::size_t count = 0;
    bool complete = true;
    std::size_t size() const noexcept { return count; }
    std::span<const std::byte> operator[](std::size_t i) const noexcept { return items[i]; }
    /// The high nibble of frame i's first byte.
    unsigned type(std::size_t i) const noexcept { return std::to_integer<unsigned>(items[i][0]) >> 4; }
};

inline Frames split_frames(std::span<const std::byte> s) {
    Frames f;
    std::size_t pos = 0;
    while (pos < s.size()) {
        std::size_t len = 0;
        std::size_t mult = 1;
        std::size_t i = pos + 1;
        bool done = false;
        for (int k = 0; k < 4 && i < s.size(); ++k, ++i) {
            const unsigned d = std::to_integer<unsigned>(s[i]);
            len += (d & 0x7F) * mult;
            mult *= 128;
            if ((d & 0x80) == 0) {
                done = true;
                ++i;
                break;
            }
        }
        if (!done || i + len > s.size() || f.count == f.items.size()) {
            f.complete = false;
            return f;
        }
        f.items[f.count++] = s.subspan(pos, i + len - pos);
        pos = i + len;
    }
    return f;
}

/// Bytes from hand-written values, for comparing with recorded output.
inline Wire bytes(std::initializer_list<unsigned> v) {
    Wire w;
    for (unsigned x : v) w.put(x);
    return w;
}

/// True when `a` and `b` hold the same bytes.
inline bool same(std::span<const std::byte> a, std::span<const std::byte> b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i]) return false;
    return true;
}

} // namespace alimqtt::test
