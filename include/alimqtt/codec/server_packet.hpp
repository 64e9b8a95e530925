// alimqtt/codec/server_packet.hpp — the client's receive-side decoder: only the
// packets a server may send, into one flat struct (no std::variant, no CONNECT/SUBSCRIBE decoders).
#pragma once

#include <cstddef>
#include <cstdint>

#include "../error.hpp"
#include "decode.hpp"
#include "packets.hpp"

namespace alimqtt {

/// A packet received by a client, decoded by decode_server_packet(). Which
/// fields are meaningful depends on `type`; the views point into the frame.
struct ServerPacket {
    PacketType type{};       ///< the control packet type (2.2.1)
    Connack connack{};       ///< CONNACK: session present and return code
    Publish publish{};       ///< PUBLISH: the message (its packet_id too)
    PacketId packet_id = 0;  ///< PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, PUBLISH QoS > 0
    SubackCodeList codes{};  ///< SUBACK: one return code per requested filter

    /// True for CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ and DISCONNECT: packets
    /// only a client sends (3.1, 3.8, 3.10, 3.12, 3.14). Their bodies are not decoded.
    constexpr bool client_only() const noexcept {
        switch (type) {
        case PacketType::connect:
        case PacketType::subscribe:
        case PacketType::unsubscribe:
        case PacketType::pingreq:
        case PacketType::disconnect: return true;
        default: return false;
        }
    }
};

/// Decodes one complete frame the way a client needs it: the fixed header is
/// checked (2.2), and CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP,
/// SUBACK, UNSUBACK and PINGRESP are decoded and validated exactly as
/// decode_packet() does (same checks, same errors). A client-only packet is
/// returned with only its type (client_only()), its body unread beyond the
/// fixed-header flags and, for PINGREQ/DISCONNECT, the empty body (3.12.1, 3.14.1):
/// the session refuses it anyway, so the server-side decoders are not linked.
inline Result<ServerPacket> decode_server_packet(Bytes frame) noexcept {
    auto h = detail::check_frame(frame);
    if (!h) return h.error();
    if (auto st = validate_fixed_header(*h); !st) return st.error();
    const Bytes body = frame.subspan(h->header_size);
    ServerPacket p;
    p.type = h->type;
    switch (h->type) {
    case PacketType::connack: {
        auto c = detail::decode_connack(body);
        if (!c) return c.error();
        p.connack = *c;
        return p;
    }
    case PacketType::publish: {
        auto m = detail::decode_publish(h->flags, body);
        if (!m) return m.error();
        p.publish = *m;
        p.packet_id = m->packet_id;
        return p;
    }
    case PacketType::puback:
    case PacketType::pubrec:
    case PacketType::pubrel:
    case PacketType::pubcomp:
    case PacketType::unsuback: {
        // All five are exactly a non-zero packet id (3.4-3.7, 3.11).
        auto a = detail::decode_id_only<Puback>(body);
        if (!a) return a.error();
        p.packet_id = a->packet_id;
        return p;
    }
    case PacketType::suback: {
        auto s = detail::decode_suback(body);
        if (!s) return s.error();
        p.packet_id = s->packet_id;
        p.codes = s->codes;
        return p;
    }
    case PacketType::pingresp:
    case PacketType::pingreq:
    case PacketType::disconnect:
        if (!body.empty()) return Error::bad_remaining_length; // 3.12.1, 3.13.1, 3.14.1
        return p;
    case PacketType::connect:
    case PacketType::subscribe:
    case PacketType::unsubscribe: return p; // client_only(): refused by the session
    }
    return Error::bad_packet_type;
}

} // namespace alimqtt
