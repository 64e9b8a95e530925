// alimqtt/codec/packets.hpp — the 14 MQTT 3.1.1 control packets as plain value
// types. Decoded packets are views into the receive buffer: nothing is copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>

namespace alimqtt {

using Bytes = std::span<const std::byte>;
using PacketId = std::uint16_t;

/// Control packet type, the high nibble of the first byte (2.2.1).
enum class PacketType : std::uint8_t {
    connect = 1,
    connack = 2,
    publish = 3,
    puback = 4,
    pubrec = 5,
    pubrel = 6,
    pubcomp = 7,
    subscribe = 8,
    suback = 9,
    unsubscribe = 10,
    unsuback = 11,
    pingreq = 12,
    pingresp = 13,
    disconnect = 14,
};

enum class QoS : std::uint8_t { at_most_once = 0, at_least_once = 1, exactly_once = 2 };

/// CONNACK return code (3.2.2.3).
enum class ConnackCode : std::uint8_t {
    accepted = 0,
    unacceptable_protocol_version = 1,
    identifier_rejected = 2,
    server_unavailable = 3,
    bad_username_or_password = 4,
    not_authorized = 5,
};

/// SUBACK return code (3.9.3).
enum class SubackCode : std::uint8_t {
    granted_qos0 = 0x00,
    granted_qos1 = 0x01,
    granted_qos2 = 0x02,
    failure = 0x80,
};

struct Will {
    std::string_view topic;
    Bytes payload;
    QoS qos = QoS::at_most_once;
    bool retain = false;
};

struct Connect {
    std::string_view client_id;
    std::uint16_t keepalive_s = 60;
    bool clean_session = true;
    std::optional<Will> will;
    std::optional<std::string_view> username;
    std::optional<Bytes> password;
};

struct Connack {
    bool session_present = false;
    ConnackCode code = ConnackCode::accepted;
};

struct Publish {
    std::string_view topic;
    Bytes payload;
    QoS qos = QoS::at_most_once;
    bool retain = false;
    bool dup = false;
    PacketId packet_id = 0; ///< present on the wire only for QoS 1 and 2
};

struct Puback { PacketId packet_id = 0; };
struct Pubrec { PacketId packet_id = 0; };
struct Pubrel { PacketId packet_id = 0; };
struct Pubcomp { PacketId packet_id = 0; };
struct Unsuback { PacketId packet_id = 0; };
struct Pingreq {};
struct Pingresp {};
struct Disconnect {};

/// One entry of a SUBSCRIBE payload.
struct TopicSubscription {
    std::string_view filter;
    QoS qos = QoS::at_most_once;
};

} // namespace alimqtt
