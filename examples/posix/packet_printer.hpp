// examples/posix/packet_printer.hpp — a Client Tracer that prints every MQTT
// packet in and out, decoded, one line each (aliyun_device --verbose).
#pragma once

#include <alimqtt/codec/packets.hpp>
#include <alimqtt/fmt.hpp>
#include <alimqtt/session.hpp>

#include <fmt/format.h>

#include <cstdio>

namespace alimqtt::posix {

/// Client Tracer: prints `-> PACKET(...)` (sent) and `<- PACKET(...)`
/// (received) with up to 200 payload bytes, using alimqtt/fmt.hpp's
/// formatters (passwords show only their size). One branch when disabled.
struct PacketPrinter {
    bool enabled = false;
    void on_packet(Direction d, const Packet& p, Bytes) const {
        if (!enabled) return;
        fmt::print("  {} {:p200}\n", d == Direction::out ? "->" : "<-", p);
        std::fflush(stdout);
    }
};

} // namespace alimqtt::posix
