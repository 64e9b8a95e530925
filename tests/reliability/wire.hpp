// tests/reliability/wire.hpp — broker-side MQTT bytes written out by hand
// (well-formed and hostile), independent of the library's encoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace rel {

/// Raw bytes on the wire.
using Wire = std::vector<std::uint8_t>;

/// Appends `b` to `a`.
inline Wire& operator+=(Wire& a, const Wire& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}
inline Wire operator+(Wire a, const Wire& b) { return a += b; }

/// Two-byte big-endian integer (1.5.2).
inline Wire u16(unsigned v) { return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v & 0xFF)}; }
/// Raw bytes of a string, no length prefix.
inline Wire raw(std::string_view s) { return Wire(s.begin(), s.end()); }
/// Length-prefixed UTF-8 string field (1.5.3); the content is taken as is.
inline Wire str(std::string_view s) { return u16(static_cast<unsigned>(s.size())) + raw(s); }

/// Variable-length remaining-length encoding, by hand (2.2.3).
inline Wire varint(std::uint32_t n) {
    Wire w;
    do {
        std::uint8_t d = n % 128;
        n /= 128;
        if (n > 0) d |= 0x80;
        w.push_back(d);
    } while (n > 0);
    return w;
}

/// A whole packet: first byte, correct remaining length, body.
inline Wire packet(std::uint8_t first, const Wire& body) {
    Wire w{first};
    w += varint(static_cast<std::uint32_t>(body.size()));
    return w + body;
}

inline Wire connack(bool session_present, std::uint8_t code) {
    return {0x20, 0x02, static_cast<std::uint8_t>(session_present ? 1 : 0), code};
}
inline Wire id_packet(std::uint8_t first, unsigned id) { return packet(first, u16(id)); }
inline Wire puback(unsigned id) { return id_packet(0x40, id); }
inline Wire pubrec(unsigned id) { return id_packet(0x50, id); }
inline Wire pubrel(unsigned id) { return id_packet(0x62, id); }
inline Wire pubcomp(unsigned id) { return id_packet(0x70, id); }
inline Wire unsuback(unsigned id) { return id_packet(0xB0, id); }
inline Wire pingresp() { return {0xD0, 0x00}; }
inline Wire pingreq() { return {0xC0, 0x00}; }

/// SUBACK with the given return codes (3.9).
inline Wire suback(unsigned id, std::initializer_list<std::uint8_t> codes) {
    return packet(0x90, u16(id) + Wire(codes));
}

/// PUBLISH (3.3). `flags` is the low nibble (DUP, QoS, RETAIN); the packet id
/// is written only when the QoS bits are non-zero, like a real broker does.
inline Wire publish(std::string_view topic, std::string_view payload, std::uint8_t qos = 0, unsigned id = 0,
                    bool dup = false) {
    const std::uint8_t first = static_cast<std::uint8_t>(0x30 | (dup ? 0x08 : 0) | (qos << 1));
    Wire body = str(topic);
    if (qos != 0) body += u16(id);
    return packet(first, body + raw(payload));
}

/// A PUBLISH topic with any bytes in it (invalid UTF-8, U+0000, ...).
inline Wire publish_raw_topic(const Wire& topic_bytes, std::string_view payload) {
    Wire body = u16(static_cast<unsigned>(topic_bytes.size())) + topic_bytes;
    return packet(0x30, body + raw(payload));
}

/// A valid CONNECT as a client would send it (for server-sent CONNECT).
inline Wire connect_packet(std::string_view client_id) {
    Wire body = str("MQTT");
    body += Wire{0x04, 0x02};
    body += u16(60);
    body += str(client_id);
    return packet(0x10, body);
}

/// SUBSCRIBE (3.8) as a client would send it.
inline Wire subscribe_packet(unsigned id, std::string_view filter, std::uint8_t qos) {
    return packet(0x82, u16(id) + str(filter) + Wire{qos});
}

/// UNSUBSCRIBE (3.10) as a client would send it.
inline Wire unsubscribe_packet(unsigned id, std::string_view filter) { return packet(0xA2, u16(id) + str(filter)); }

/// Text of a byte range (for payload comparisons).
inline std::string text(const std::uint8_t* p, std::size_t n) { return std::string(reinterpret_cast<const char*>(p), n); }

} // namespace rel
