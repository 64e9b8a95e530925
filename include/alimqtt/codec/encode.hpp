// alimqtt/codec/encode.hpp — encoders for the 14 MQTT 3.1.1 control packets.
// One routine per packet writes to any ByteSink: CountingSink for sizes, SpanWriter for bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "../error.hpp"
#include "../topic.hpp"
#include "packets.hpp"
#include "utf8.hpp"
#include "writer.hpp"

namespace alimqtt {

/// Largest remaining length the 4-byte encoding can express (2.2.3).
inline constexpr std::uint32_t max_remaining_length = 268'435'455;

namespace detail {

template <class P, class V>
struct is_alternative : std::false_type {};
template <class P, class... Ts>
struct is_alternative<P, std::variant<Ts...>> : std::bool_constant<(std::is_same_v<P, Ts> || ...)> {};
/// True for the 14 packet structs (the alternatives of Packet).
template <class P>
inline constexpr bool is_packet_struct = is_alternative<P, Packet>::value;

constexpr std::uint8_t qos_bits(QoS q) noexcept { return static_cast<std::uint8_t>(q); }

template <ByteSink S>
constexpr void put_u8(S& s, unsigned v) noexcept {
    s.put(static_cast<std::byte>(v & 0xFFu));
}
/// Two-byte big-endian integer (1.5.2).
template <ByteSink S>
constexpr void put_u16(S& s, unsigned v) noexcept {
    put_u8(s, v >> 8);
    put_u8(s, v);
}
/// Length-prefixed string or binary data (1.5.3); the length was checked before.
template <ByteSink S>
void put_prefixed(S& s, Bytes b) noexcept {
    put_u16(s, static_cast<unsigned>(b.size()));
    s.write(b);
}
/// Remaining length: 7 bits per byte, least significant first, bit 7 =
/// "more bytes follow" (2.2.3).
template <ByteSink S>
constexpr void put_remaining_length(S& s, std::uint32_t n) noexcept {
    do {
        unsigned digit = n % 128u;
        n /= 128u;
        if (n > 0) digit |= 0x80u;
        put_u8(s, digit);
    } while (n > 0);
}

constexpr Status check_qos(QoS q) noexcept {
    return qos_bits(q) <= 2 ? Status{} : Status{Error::bad_qos};
}
/// A UTF-8 string field: well formed and at most 65,535 bytes (1.5.3).
constexpr Status check_string(std::string_view s) noexcept {
    if (s.size() > max_string_length) return Error::string_too_long;
    return validate_utf8(s);
}
constexpr Status check_binary(Bytes b) noexcept {
    return b.size() > max_string_length ? Status{Error::string_too_long} : Status{};
}

#define ALIMQTT_TRY(expr)                     \
    do {                                      \
        if (auto alimqtt_st_ = (expr); !alimqtt_st_) \
            return alimqtt_st_.error();       \
    } while (0)

// ---- per packet: first byte, body size (validating), body writer ----------

// CONNECT (3.1)
constexpr std::uint8_t first_byte(const Connect&) noexcept { return 0x10; }
inline Result<std::size_t> body_size(const Connect& p) noexcept {
    ALIMQTT_TRY(check_string(p.client_id));
    if (p.client_id.empty() && !p.clean_session) return Error::client_id_requires_clean_session; // [MQTT-3.1.3-7]
    std::size_t n = 10 + 2 + p.client_id.size(); // protocol name, level, flags, keepalive (3.1.2)
    if (p.will) {
        ALIMQTT_TRY(validate_topic_name(p.will->topic)); // 3.1.3.3
        ALIMQTT_TRY(check_binary(p.will->payload));
        ALIMQTT_TRY(check_qos(p.will->qos)); // [MQTT-3.1.2-14]
        n += 2 + p.will->topic.size() + 2 + p.will->payload.size();
    }
    if (p.password && !p.username) return Error::bad_connect_flags; // [MQTT-3.1.2-22]
    if (p.username) {
        ALIMQTT_TRY(check_string(*p.username));
        n += 2 + p.username->size();
    }
    if (p.password) {
        ALIMQTT_TRY(check_binary(*p.password));
        n += 2 + p.password->size();
    }
    return n;
}
template <ByteSink S>
void write_body(S& s, const Connect& p) noexcept {
    put_prefixed(s, as_bytes("MQTT")); // 3.1.2.1
    put_u8(s, 4);                      // protocol level 4 = 3.1.1 (3.1.2.2)
    unsigned flags = 0;                // 3.1.2.3
    if (p.clean_session) flags |= 0x02u;
    if (p.will) {
        flags |= 0x04u | (unsigned{qos_bits(p.will->qos)} << 3);
        if (p.will->retain) flags |= 0x20u;
    }
    if (p.password) flags |= 0x40u;
    if (p.username) flags |= 0x80u;
    put_u8(s, flags);
    put_u16(s, p.keepalive_s);
    put_prefixed(s, as_bytes(p.client_id)); // 3.1.3.1
    if (p.will) {
        put_prefixed(s, as_bytes(p.will->topic));
        put_prefixed(s, p.will->payload);
    }
    if (p.username) put_prefixed(s, as_bytes(*p.username));
    if (p.password) put_prefixed(s, *p.password);
}

// CONNACK (3.2)
constexpr std::uint8_t first_byte(const Connack&) noexcept { return 0x20; }
constexpr Result<std::size_t> body_size(const Connack& p) noexcept {
    if (static_cast<unsigned>(p.code) > 5) return Error::bad_connack_code; // 3.2.2.3
    if (p.code != ConnackCode::accepted && p.session_present)
        return Error::connack_refused_session_present; // [MQTT-3.2.2-4]
    return std::size_t{2};
}
template <ByteSink S>
constexpr void write_body(S& s, const Connack& p) noexcept {
    put_u8(s, p.session_present ? 1u : 0u);
    put_u8(s, static_cast<unsigned>(p.code));
}

// PUBLISH (3.3)
constexpr std::uint8_t first_byte(const Publish& p) noexcept {
    return static_cast<std::uint8_t>(0x30u | (p.dup ? 0x08u : 0u) | (unsigned{qos_bits(p.qos)} << 1) |
                                     (p.retain ? 0x01u : 0u));
}
/// Size of a PUBLISH body (3.3.2, 3.3.3) from fields already validated:
/// topic, packet id when QoS > 0, payload. body_size() validates, then uses it.
constexpr std::size_t publish_body_size(std::string_view topic, QoS qos, std::size_t payload) noexcept {
    return 2 + topic.size() + (qos != QoS::at_most_once ? 2u : 0u) + payload;
}
/// Size of a PUBLISH body without its payload.
inline Result<std::size_t> publish_header_body_size(const Publish& p) noexcept {
    ALIMQTT_TRY(validate_topic_name(p.topic)); // [MQTT-3.3.2-2]
    ALIMQTT_TRY(check_qos(p.qos));             // [MQTT-3.3.1-4]
    if (p.qos == QoS::at_most_once && p.dup) return Error::bad_fixed_header_flags; // [MQTT-3.3.1-2]
    if (p.qos != QoS::at_most_once && p.packet_id == 0) return Error::zero_packet_id; // [MQTT-2.3.1-1]
    return publish_body_size(p.topic, p.qos, 0);
}
inline Result<std::size_t> body_size(const Publish& p) noexcept {
    auto n = publish_header_body_size(p);
    if (!n) return n;
    return *n + p.payload.size();
}
template <ByteSink S>
void write_publish_variable_header(S& s, const Publish& p) noexcept {
    put_prefixed(s, as_bytes(p.topic));
    if (p.qos != QoS::at_most_once) put_u16(s, p.packet_id);
}
template <ByteSink S>
void write_body(S& s, const Publish& p) noexcept {
    write_publish_variable_header(s, p);
    s.write(p.payload);
}

// PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK (3.4-3.7, 3.11): a packet id only.
constexpr std::uint8_t first_byte(const Puback&) noexcept { return 0x40; }
constexpr std::uint8_t first_byte(const Pubrec&) noexcept { return 0x50; }
constexpr std::uint8_t first_byte(const Pubrel&) noexcept { return 0x62; } // flags 0010 (3.6.1)
constexpr std::uint8_t first_byte(const Pubcomp&) noexcept { return 0x70; }
constexpr std::uint8_t first_byte(const Unsuback&) noexcept { return 0xB0; }
template <class P>
    requires(std::is_same_v<P, Puback> || std::is_same_v<P, Pubrec> || std::is_same_v<P, Pubrel> ||
             std::is_same_v<P, Pubcomp> || std::is_same_v<P, Unsuback>)
constexpr Result<std::size_t> body_size(const P& p) noexcept {
    if (p.packet_id == 0) return Error::zero_packet_id; // [MQTT-2.3.1-1]
    return std::size_t{2};
}
template <ByteSink S, class P>
    requires(std::is_same_v<P, Puback> || std::is_same_v<P, Pubrec> || std::is_same_v<P, Pubrel> ||
             std::is_same_v<P, Pubcomp> || std::is_same_v<P, Unsuback>)
constexpr void write_body(S& s, const P& p) noexcept {
    put_u16(s, p.packet_id);
}

// SUBSCRIBE (3.8)
constexpr std::uint8_t first_byte(const Subscribe&) noexcept { return 0x82; } // flags 0010 (3.8.1)
/// Bytes of one SUBSCRIBE payload entry (3.8.3): the filter and its QoS byte.
constexpr std::size_t subscribe_entry_size(const TopicSubscription& f) noexcept { return 2 + f.filter.size() + 1; }
inline Result<std::size_t> body_size(const Subscribe& p) noexcept {
    if (p.packet_id == 0) return Error::zero_packet_id;
    if (p.filters.empty()) return Error::empty_subscribe; // [MQTT-3.8.3-3]
    std::size_t n = 2;
    for (const TopicSubscription& f : p.filters) {
        ALIMQTT_TRY(validate_topic_filter(f.filter));
        ALIMQTT_TRY(check_qos(f.qos));
        n += subscribe_entry_size(f);
    }
    return n;
}
template <ByteSink S>
void write_body(S& s, const Subscribe& p) noexcept {
    put_u16(s, p.packet_id);
    for (const TopicSubscription& f : p.filters) {
        put_prefixed(s, as_bytes(f.filter));
        put_u8(s, qos_bits(f.qos));
    }
}

// SUBACK (3.9)
constexpr std::uint8_t first_byte(const Suback&) noexcept { return 0x90; }
inline Result<std::size_t> body_size(const Suback& p) noexcept {
    if (p.packet_id == 0) return Error::zero_packet_id;
    if (p.codes.empty()) return Error::bad_remaining_length; // one code per filter, at least one
    for (SubackCode c : p.codes) {
        const auto v = static_cast<unsigned>(c);
        if (v > 2 && v != 0x80) return Error::bad_suback_code; // [MQTT-3.9.3-2]
    }
    return 2 + p.codes.size();
}
template <ByteSink S>
void write_body(S& s, const Suback& p) noexcept {
    put_u16(s, p.packet_id);
    for (SubackCode c : p.codes) put_u8(s, static_cast<unsigned>(c));
}

// UNSUBSCRIBE (3.10)
constexpr std::uint8_t first_byte(const Unsubscribe&) noexcept { return 0xA2; } // flags 0010 (3.10.1)
/// Bytes of one UNSUBSCRIBE payload entry (3.10.3): the filter.
constexpr std::size_t unsubscribe_entry_size(std::string_view f) noexcept { return 2 + f.size(); }
inline Result<std::size_t> body_size(const Unsubscribe& p) noexcept {
    if (p.packet_id == 0) return Error::zero_packet_id;
    if (p.filters.empty()) return Error::empty_unsubscribe; // [MQTT-3.10.3-2]
    std::size_t n = 2;
    for (std::string_view f : p.filters) {
        ALIMQTT_TRY(validate_topic_filter(f));
        n += unsubscribe_entry_size(f);
    }
    return n;
}
template <ByteSink S>
void write_body(S& s, const Unsubscribe& p) noexcept {
    put_u16(s, p.packet_id);
    for (std::string_view f : p.filters) put_prefixed(s, as_bytes(f));
}

// PINGREQ, PINGRESP, DISCONNECT (3.12-3.14): fixed header only.
constexpr std::uint8_t first_byte(const Pingreq&) noexcept { return 0xC0; }
constexpr std::uint8_t first_byte(const Pingresp&) noexcept { return 0xD0; }
constexpr std::uint8_t first_byte(const Disconnect&) noexcept { return 0xE0; }
template <class P>
    requires(std::is_same_v<P, Pingreq> || std::is_same_v<P, Pingresp> || std::is_same_v<P, Disconnect>)
constexpr Result<std::size_t> body_size(const P&) noexcept {
    return std::size_t{0};
}
template <ByteSink S, class P>
    requires(std::is_same_v<P, Pingreq> || std::is_same_v<P, Pingresp> || std::is_same_v<P, Disconnect>)
constexpr void write_body(S&, const P&) noexcept {}

#undef ALIMQTT_TRY

/// Whole frame size for a body of `body` bytes: first byte, 1..4 remaining
/// length bytes (2.2.3), body. `body` must be at most max_remaining_length.
constexpr std::size_t frame_size(std::size_t body) noexcept {
    return 1 + (body < 128 ? 1 : body < 16'384 ? 2 : body < 2'097'152 ? 3 : 4) + body;
}

/// Writes packet `p`, whose body_size() was `body`, without validating it again.
template <ByteSink S, class P>
void write_packet(S& sink, const P& p, std::size_t body) noexcept {
    put_u8(sink, first_byte(p));
    put_remaining_length(sink, static_cast<std::uint32_t>(body));
    write_body(sink, p);
}

} // namespace detail

/// Encodes packet `p` into `sink` (fixed header, variable header, payload).
/// Validates what it encodes (topic rules, QoS, packet id, string lengths,
/// CONNECT flag consistency) and returns the named Error; returns
/// Error::buffer_too_small when the sink ran out of room.
template <ByteSink S, class P>
    requires detail::is_packet_struct<P>
Status encode(S& sink, const P& p) noexcept {
    auto body = detail::body_size(p);
    if (!body) return body.error();
    if (*body > max_remaining_length) return Error::remaining_length_too_large;
    detail::write_packet(sink, p, *body);
    return sink.ok() ? Status{} : Status{Error::buffer_too_small};
}

/// Encodes whichever packet `p` holds.
template <ByteSink S>
Status encode(S& sink, const Packet& p) noexcept {
    return visit_packet(p, [&](const auto& x) { return encode(sink, x); });
}

/// Writes a PUBLISH up to (not including) its payload: fixed header whose
/// remaining length counts the payload, topic and packet id. The caller then
/// sends `p.payload` straight from its own memory.
template <ByteSink S>
Status encode_publish_header(S& sink, const Publish& p) noexcept {
    auto head = detail::publish_header_body_size(p);
    if (!head) return head.error();
    const std::size_t body = *head + p.payload.size();
    if (body > max_remaining_length) return Error::remaining_length_too_large;
    detail::put_u8(sink, detail::first_byte(p));
    detail::put_remaining_length(sink, static_cast<std::uint32_t>(body));
    detail::write_publish_variable_header(sink, p);
    return sink.ok() ? Status{} : Status{Error::buffer_too_small};
}

/// Exact encoded size of `p` in bytes, or 0 when `p` does not validate.
template <class P>
    requires(detail::is_packet_struct<P> || std::is_same_v<P, Packet>)
std::size_t encoded_size(const P& p) noexcept {
    if constexpr (std::is_same_v<P, Packet>) {
        return visit_packet(p, [](const auto& x) { return encoded_size(x); });
    } else {
        // The same validation as encode(), without a pass over the bytes.
        const auto body = detail::body_size(p);
        if (!body || *body > max_remaining_length) return 0;
        return detail::frame_size(*body);
    }
}

/// Encodes `p` into `out`; returns the number of bytes written, or the
/// error (Error::buffer_too_small if `out` is too small; nothing past `out` is touched).
template <class P>
    requires(detail::is_packet_struct<P> || std::is_same_v<P, Packet>)
Result<std::size_t> encode_to(std::span<std::byte> out, const P& p) noexcept {
    SpanWriter w(out);
    if (auto s = encode(w, p); !s) return s.error();
    return w.size();
}

} // namespace alimqtt
