// alimqtt/codec/decode.hpp — decoding and validating one complete MQTT 3.1.1
// frame. Decoded packets are views into the frame's bytes: nothing is copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "../error.hpp"
#include "../topic.hpp"
#include "packets.hpp"
#include "utf8.hpp"

namespace alimqtt {

/// The fixed header of a control packet (2.2).
struct FixedHeader {
    PacketType type;                 ///< high nibble of byte 1 (may be 0 or 15 here; decode rejects those)
    std::uint8_t flags;              ///< low nibble of byte 1
    std::uint32_t remaining_length;  ///< bytes after the fixed header
    std::uint8_t header_size;        ///< 2..5: type byte plus 1..4 length bytes
    /// Whole frame size: fixed header plus remaining length.
    constexpr std::size_t frame_size() const noexcept { return std::size_t{header_size} + remaining_length; }
};

/// Parses the fixed header at the start of `in` (2.2). Returns
/// Error::need_more_data when `in` ends inside it, and
/// Error::malformed_remaining_length for a continuation bit on the 4th
/// length byte or a non-minimal encoding (a trailing 0x00 length byte).
constexpr Result<FixedHeader> parse_fixed_header(Bytes in) noexcept {
    if (in.empty()) return Error::need_more_data;
    const auto b0 = std::to_integer<std::uint8_t>(in[0]);
    std::uint32_t value = 0;
    std::uint32_t multiplier = 1;
    for (std::size_t i = 1;; ++i) {
        if (i >= in.size()) return Error::need_more_data;
        const auto b = std::to_integer<std::uint8_t>(in[i]);
        value += (b & 0x7Fu) * multiplier;
        if ((b & 0x80u) == 0) {
            // Minimal encoding: a last length byte of 0 after others adds nothing (2.2.3).
            if (i > 1 && b == 0) return Error::malformed_remaining_length;
            return FixedHeader{static_cast<PacketType>(b0 >> 4), static_cast<std::uint8_t>(b0 & 0x0Fu), value,
                               static_cast<std::uint8_t>(i + 1)};
        }
        if (i == 4) return Error::malformed_remaining_length; // at most 4 length bytes (2.2.3)
        multiplier *= 128;
    }
}

namespace detail {

#define ALIMQTT_TRY_ASSIGN(var, expr)         \
    auto var##_r_ = (expr);                   \
    if (!var##_r_) return var##_r_.error();   \
    auto var = *var##_r_

/// Reads fields from a packet body, checking every length against its end.
class Reader {
public:
    constexpr explicit Reader(Bytes body) noexcept : body_(body) {}
    constexpr std::size_t remaining() const noexcept { return body_.size() - pos_; }
    constexpr std::size_t position() const noexcept { return pos_; }
    constexpr Bytes rest() const noexcept { return body_.subspan(pos_); }

    constexpr Result<std::uint8_t> u8() noexcept {
        if (remaining() < 1) return Error::truncated;
        return std::to_integer<std::uint8_t>(body_[pos_++]);
    }
    /// Two-byte big-endian integer (1.5.2).
    constexpr Result<std::uint16_t> u16() noexcept {
        if (remaining() < 2) return Error::truncated;
        const auto v = static_cast<std::uint16_t>((std::to_integer<unsigned>(body_[pos_]) << 8) |
                                                  std::to_integer<unsigned>(body_[pos_ + 1]));
        pos_ += 2;
        return v;
    }
    /// Length-prefixed binary data (1.5.3 layout); the length must fit the body.
    constexpr Result<Bytes> binary() noexcept {
        ALIMQTT_TRY_ASSIGN(len, u16());
        if (remaining() < len) return Error::truncated;
        Bytes b = body_.subspan(pos_, len);
        pos_ += len;
        return b;
    }
    /// Length-prefixed UTF-8 string, validated per 1.5.3.
    Result<std::string_view> string() noexcept {
        ALIMQTT_TRY_ASSIGN(b, binary());
        std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
        if (auto st = validate_utf8(s); !st) return st.error();
        return s;
    }

private:
    Bytes body_;
    std::size_t pos_ = 0;
};

/// The packet id of PUBLISH QoS>0, SUBSCRIBE, UNSUBSCRIBE and every ack must be non-zero [MQTT-2.3.1-1].
constexpr Result<PacketId> nonzero_packet_id(Reader& r) noexcept {
    ALIMQTT_TRY_ASSIGN(id, r.u16());
    if (id == 0) return Error::zero_packet_id;
    return id;
}

// CONNECT (3.1)
inline Result<Connect> decode_connect(Bytes body) noexcept {
    Reader r(body);
    ALIMQTT_TRY_ASSIGN(name, r.binary());
    const std::string_view expected = "MQTT";
    if (name.size() != 4) return Error::bad_protocol_name; // [MQTT-3.1.2-1]
    for (std::size_t i = 0; i < 4; ++i)
        if (std::to_integer<char>(name[i]) != expected[i]) return Error::bad_protocol_name;
    ALIMQTT_TRY_ASSIGN(level, r.u8());
    if (level != 4) return Error::bad_protocol_level; // 3.1.2.2
    ALIMQTT_TRY_ASSIGN(flags, r.u8());
    const bool will_flag = flags & 0x04u;
    const unsigned will_qos = (flags >> 3) & 0x03u;
    const bool will_retain = flags & 0x20u;
    const bool password_flag = flags & 0x40u;
    const bool username_flag = flags & 0x80u;
    if (flags & 0x01u) return Error::bad_connect_flags;                                   // [MQTT-3.1.2-3]
    if (!will_flag && (will_qos != 0 || will_retain)) return Error::bad_connect_flags;    // [MQTT-3.1.2-11,13,15]
    if (will_qos == 3) return Error::bad_qos;                                             // [MQTT-3.1.2-14]
    if (password_flag && !username_flag) return Error::bad_connect_flags;                 // [MQTT-3.1.2-22]
    Connect c;
    c.clean_session = flags & 0x02u;
    ALIMQTT_TRY_ASSIGN(keepalive, r.u16());
    c.keepalive_s = keepalive;
    ALIMQTT_TRY_ASSIGN(client_id, r.string()); // 3.1.3.1
    c.client_id = client_id;
    if (c.client_id.empty() && !c.clean_session) return Error::client_id_requires_clean_session; // [MQTT-3.1.3-7]
    if (will_flag) {
        ALIMQTT_TRY_ASSIGN(topic, r.string()); // 3.1.3.2
        if (auto st = validate_topic_name(topic); !st) return st.error();
        ALIMQTT_TRY_ASSIGN(payload, r.binary()); // 3.1.3.3
        c.will = Will{topic, payload, static_cast<QoS>(will_qos), will_retain};
    }
    if (username_flag) {
        ALIMQTT_TRY_ASSIGN(username, r.string()); // 3.1.3.4
        c.username = username;
    }
    if (password_flag) {
        ALIMQTT_TRY_ASSIGN(password, r.binary()); // 3.1.3.5
        c.password = password;
    }
    if (r.remaining() != 0) return Error::trailing_bytes;
    return c;
}

// CONNACK (3.2)
constexpr Result<Connack> decode_connack(Bytes body) noexcept {
    if (body.size() != 2) return Error::bad_remaining_length; // 3.2.1
    const auto ack_flags = std::to_integer<std::uint8_t>(body[0]);
    const auto code = std::to_integer<std::uint8_t>(body[1]);
    if (ack_flags & 0xFEu) return Error::connack_reserved_bits; // 3.2.2.1
    if (code > 5) return Error::bad_connack_code;                // 3.2.2.3
    // [MQTT-3.2.2-4]: a server refusing the connection MUST set Session Present 0.
    if (code != 0 && (ack_flags & 0x01u) != 0) return Error::connack_refused_session_present;
    return Connack{(ack_flags & 0x01u) != 0, static_cast<ConnackCode>(code)};
}

// PUBLISH (3.3); the fixed-header flags were checked by the caller.
inline Result<Publish> decode_publish(std::uint8_t flags, Bytes body) noexcept {
    Reader r(body);
    Publish p;
    p.dup = flags & 0x08u;
    p.qos = static_cast<QoS>((flags >> 1) & 0x03u);
    p.retain = flags & 0x01u;
    ALIMQTT_TRY_ASSIGN(raw_topic, r.binary()); // 3.3.2.1
    const std::string_view topic(reinterpret_cast<const char*>(raw_topic.data()), raw_topic.size());
    // UTF-8 (1.5.3) and no wildcards [MQTT-3.3.2-2]: one pass, where
    // r.string() would check the UTF-8 a second time.
    if (auto st = validate_topic_name(topic); !st) return st.error();
    p.topic = topic;
    if (p.qos != QoS::at_most_once) {
        ALIMQTT_TRY_ASSIGN(id, nonzero_packet_id(r)); // 3.3.2.2
        p.packet_id = id;
    }
    p.payload = r.rest(); // 3.3.3: the rest of the packet, possibly empty
    return p;
}

/// PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: exactly a non-zero packet id.
template <class P>
constexpr Result<P> decode_id_only(Bytes body) noexcept {
    if (body.size() != 2) return Error::bad_remaining_length;
    Reader r(body);
    ALIMQTT_TRY_ASSIGN(id, nonzero_packet_id(r));
    return P{id};
}

/// Checks the payload entries of a SUBSCRIBE (`with_qos`: each filter is
/// followed by its requested-QoS byte, 3.8.3) or an UNSUBSCRIBE (3.10.3)
/// up to the end of the body, and returns how many there are.
inline Result<std::size_t> check_filter_entries(Reader& r, bool with_qos) noexcept {
    std::size_t count = 0;
    while (r.remaining() > 0) {
        ALIMQTT_TRY_ASSIGN(filter, r.string());
        if (auto st = validate_topic_filter(filter); !st) return st.error(); // 4.7.1
        if (with_qos) {
            ALIMQTT_TRY_ASSIGN(options, r.u8());
            if (options & 0xFCu) return Error::subscribe_reserved_bits; // [MQTT-3.8.3-4]
            if (options == 3) return Error::bad_qos;                    // [MQTT-3.8.3-4]
        }
        ++count;
    }
    return count;
}

// SUBSCRIBE (3.8)
inline Result<Subscribe> decode_subscribe(Bytes body) noexcept {
    Reader r(body);
    ALIMQTT_TRY_ASSIGN(id, nonzero_packet_id(r));
    const Bytes entries = r.rest();
    ALIMQTT_TRY_ASSIGN(count, check_filter_entries(r, true));
    if (count == 0) return Error::empty_subscribe; // [MQTT-3.8.3-3]
    return Subscribe{id, TopicSubscriptionList::from_wire(entries, count)};
}

// SUBACK (3.9)
constexpr Result<Suback> decode_suback(Bytes body) noexcept {
    Reader r(body);
    ALIMQTT_TRY_ASSIGN(id, nonzero_packet_id(r));
    const Bytes codes = r.rest();
    if (codes.empty()) return Error::bad_remaining_length; // one code per requested filter, at least one
    for (std::byte b : codes) {
        const auto v = std::to_integer<std::uint8_t>(b);
        if (v > 2 && v != 0x80) return Error::bad_suback_code; // [MQTT-3.9.3-2]
    }
    return Suback{id, SubackCodeList::from_wire(codes, codes.size())};
}

// UNSUBSCRIBE (3.10)
inline Result<Unsubscribe> decode_unsubscribe(Bytes body) noexcept {
    Reader r(body);
    ALIMQTT_TRY_ASSIGN(id, nonzero_packet_id(r));
    const Bytes entries = r.rest();
    ALIMQTT_TRY_ASSIGN(count, check_filter_entries(r, false));
    if (count == 0) return Error::empty_unsubscribe; // [MQTT-3.10.3-2]
    return Unsubscribe{id, TopicFilterList::from_wire(entries, count)};
}

template <class P>
constexpr Result<Packet> as_packet(Result<P>&& r) noexcept {
    if (!r) return r.error();
    return Packet(std::in_place_type<P>, *r);
}

#undef ALIMQTT_TRY_ASSIGN

} // namespace detail

/// Checks the fixed-header flags of `h` against 2.2.2: PUBREL, SUBSCRIBE and
/// UNSUBSCRIBE need 0010, PUBLISH carries DUP/QoS/RETAIN (QoS 3 is
/// Error::bad_qos, DUP on QoS 0 is bad_fixed_header_flags), all others 0000.
constexpr Status validate_fixed_header(const FixedHeader& h) noexcept {
    const auto t = static_cast<unsigned>(h.type);
    if (t == 0 || t == 15) return Error::bad_packet_type; // 2.2.1: reserved
    switch (h.type) {
    case PacketType::publish:
        if (((h.flags >> 1) & 0x03u) == 3) return Error::bad_qos;           // [MQTT-3.3.1-4]
        if ((h.flags & 0x06u) == 0 && (h.flags & 0x08u)) return Error::bad_fixed_header_flags; // [MQTT-3.3.1-2]
        return {};
    case PacketType::pubrel:
    case PacketType::subscribe:
    case PacketType::unsubscribe:
        return h.flags == 0x02 ? Status{} : Status{Error::bad_fixed_header_flags}; // [MQTT-3.6.1-1, 3.8.1-1, 3.10.1-1]
    default:
        return h.flags == 0 ? Status{} : Status{Error::bad_fixed_header_flags}; // [MQTT-2.2.2-1]
    }
}

/// Decodes the body of a packet whose fixed header is `h`; `body` must be
/// exactly h.remaining_length bytes. The result views into `body`.
inline Result<Packet> decode_body(const FixedHeader& h, Bytes body) noexcept {
    if (auto st = validate_fixed_header(h); !st) return st.error();
    if (body.size() != h.remaining_length) return Error::truncated;
    using namespace detail;
    switch (h.type) {
    case PacketType::connect: return as_packet(decode_connect(body));
    case PacketType::connack: return as_packet(decode_connack(body));
    case PacketType::publish: return as_packet(decode_publish(h.flags, body));
    case PacketType::puback: return as_packet(decode_id_only<Puback>(body));
    case PacketType::pubrec: return as_packet(decode_id_only<Pubrec>(body));
    case PacketType::pubrel: return as_packet(decode_id_only<Pubrel>(body));
    case PacketType::pubcomp: return as_packet(decode_id_only<Pubcomp>(body));
    case PacketType::subscribe: return as_packet(decode_subscribe(body));
    case PacketType::suback: return as_packet(decode_suback(body));
    case PacketType::unsubscribe: return as_packet(decode_unsubscribe(body));
    case PacketType::unsuback: return as_packet(decode_id_only<Unsuback>(body));
    case PacketType::pingreq:
        if (!body.empty()) return Error::bad_remaining_length; // 3.12.1
        return Packet(Pingreq{});
    case PacketType::pingresp:
        if (!body.empty()) return Error::bad_remaining_length; // 3.13.1
        return Packet(Pingresp{});
    case PacketType::disconnect:
        if (!body.empty()) return Error::bad_remaining_length; // 3.14.1
        return Packet(Disconnect{});
    }
    return Error::bad_packet_type;
}

namespace detail {

/// Parses the fixed header of a whole frame; the bytes after it must be exactly its remaining
/// length (MQTT 3.1.1 2.2.3): Error::truncated if fewer or a cut header, trailing_bytes if more.
// One local returned (NRVO), span by reference: a second Result or a by-value span costs
// 12..116 bytes of Cortex-M0+ text at -Os (tests/size/measure.sh).
inline Result<FixedHeader> check_frame(const Bytes& frame) noexcept {
    Result<FixedHeader> h = parse_fixed_header(frame);
    if (!h) {
        if (h.error() == Error::need_more_data) h = Error::truncated;
    } else if (const std::size_t have = frame.size() - h->header_size; have < h->remaining_length) {
        h = Error::truncated;
    } else if (have > h->remaining_length) {
        h = Error::trailing_bytes;
    }
    return h;
}

} // namespace detail

/// Decodes one complete frame (fixed header + body, nothing more) and
/// validates it per MQTT 3.1.1. Returns Error::truncated if `frame` is shorter
/// than its remaining length says and Error::trailing_bytes if longer.
inline Result<Packet> decode_packet(Bytes frame) noexcept {
    auto h = detail::check_frame(frame);
    if (!h) return h.error();
    return decode_body(*h, frame.subspan(h->header_size));
}

} // namespace alimqtt
