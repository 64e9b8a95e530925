// decode_server_packet (the client's receive-side decoder) against the generic
// decode_packet: same verdict and same fields for every packet a server may send.
#include <cstdint>
#include <string>

#include "catch.hpp"
#include "codec_test_util.hpp"

using namespace alimqtt;
using codec_test::ByteVec;
using codec_test::bytes;
using codec_test::hex;

namespace {

bool client_only_type(unsigned t) { return t == 1 || t == 8 || t == 10 || t == 12 || t == 14; }

/// Checks that the two decoders agree on `frame`; returns true when it decoded.
bool agree(const ByteVec& frame) {
    INFO("frame " << hex(frame));
    const auto generic = decode_packet(frame);
    const auto client = decode_server_packet(frame);
    const unsigned type = frame.empty() ? 0 : std::to_integer<unsigned>(frame[0]) >> 4;
    if (client_only_type(type) && client.ok()) {
        // A client-only packet is refused by the session whatever its body says:
        // only the fixed header (and the empty body of PINGREQ/DISCONNECT) is checked.
        CHECK(client->client_only());
        CHECK(static_cast<unsigned>(client->type) == type);
        if (generic) CHECK(packet_type(*generic) == client->type);
        return true;
    }
    REQUIRE(generic.ok() == client.ok());
    if (!generic) {
        CHECK(generic.error() == client.error());
        return false;
    }
    CHECK(packet_type(*generic) == client->type);
    CHECK_FALSE(client->client_only());
    if (auto* c = std::get_if<Connack>(&*generic)) {
        CHECK(c->session_present == client->connack.session_present);
        CHECK(c->code == client->connack.code);
    } else if (auto* p = std::get_if<Publish>(&*generic)) {
        CHECK(p->topic == client->publish.topic);
        CHECK(p->payload.data() == client->publish.payload.data());
        CHECK(p->payload.size() == client->publish.payload.size());
        CHECK(p->qos == client->publish.qos);
        CHECK(p->retain == client->publish.retain);
        CHECK(p->dup == client->publish.dup);
        CHECK(p->packet_id == client->publish.packet_id);
        CHECK(p->packet_id == client->packet_id);
    } else if (auto* s = std::get_if<Suback>(&*generic)) {
        CHECK(s->packet_id == client->packet_id);
        CHECK(s->codes == client->codes);
    } else {
        const PacketId id = visit_packet(*generic, [](const auto& x) -> PacketId {
            if constexpr (requires { x.packet_id; }) return x.packet_id;
            else return 0;
        });
        CHECK(id == client->packet_id);
    }
    return true;
}

} // namespace

TEST_CASE("Every packet a server sends decodes to the same fields as with decode_packet") {
    const ByteVec frames[] = {
        bytes({0x20, 0x02, 0x00, 0x00}),                         // CONNACK accepted
        bytes({0x20, 0x02, 0x01, 0x00}),                         // CONNACK session present, accepted
        bytes({0x20, 0x02, 0x00, 0x05}),                         // CONNACK not authorized
        bytes({0x30, 0x05, 0x00, 0x03, 'a', '/', 'b'}),          // PUBLISH QoS 0, empty payload
        bytes({0x3B, 0x08, 0x00, 0x01, 'x', 0x12, 0x34, 'h', 'i', '!'}), // PUBLISH DUP QoS 1 retain
        bytes({0x34, 0x05, 0x00, 0x01, 'x', 0x00, 0x07}),        // PUBLISH QoS 2
        bytes({0x40, 0x02, 0x00, 0x01}),                         // PUBACK
        bytes({0x50, 0x02, 0xFF, 0xFF}),                         // PUBREC
        bytes({0x62, 0x02, 0x00, 0x02}),                         // PUBREL
        bytes({0x70, 0x02, 0x01, 0x00}),                         // PUBCOMP
        bytes({0x90, 0x05, 0x00, 0x09, 0x00, 0x01, 0x80}),       // SUBACK 3 codes
        bytes({0xB0, 0x02, 0x00, 0x0A}),                         // UNSUBACK
        bytes({0xD0, 0x00}),                                     // PINGRESP
    };
    for (const ByteVec& f : frames) CHECK(agree(f));
}

TEST_CASE("Malformed server packets fail decode_server_packet with decode_packet's error") {
    const ByteVec frames[] = {
        bytes({}),                                       // empty
        bytes({0x20}),                                   // header cut
        bytes({0x20, 0x02, 0x00}),                       // truncated
        bytes({0x20, 0x02, 0x00, 0x00, 0x00}),           // trailing byte
        bytes({0x00, 0x00}),                             // reserved type 0
        bytes({0xF0, 0x00}),                             // reserved type 15
        bytes({0x21, 0x02, 0x00, 0x00}),                 // CONNACK flags
        bytes({0x20, 0x02, 0x02, 0x00}),                 // CONNACK reserved bits
        bytes({0x20, 0x02, 0x00, 0x06}),                 // CONNACK code 6
        bytes({0x20, 0x02, 0x01, 0x01}),                 // CONNACK refused yet session present (MQTT-3.2.2-4)
        bytes({0x20, 0x02, 0x01, 0x05}),                 // same, code 5
        bytes({0x20, 0x03, 0x00, 0x00, 0x00}),           // CONNACK too long
        bytes({0x36, 0x05, 0x00, 0x01, 'x', 0x00, 0x01}), // PUBLISH QoS 3
        bytes({0x38, 0x03, 0x00, 0x01, 'x'}),            // PUBLISH DUP on QoS 0
        bytes({0x32, 0x05, 0x00, 0x01, 'x', 0x00, 0x00}), // PUBLISH QoS 1 id 0
        bytes({0x30, 0x03, 0x00, 0x01, '#'}),            // PUBLISH wildcard topic
        bytes({0x30, 0x03, 0x00, 0x01, 0xC0}),           // PUBLISH bad UTF-8
        bytes({0x30, 0x03, 0x00, 0x05, 'x'}),            // PUBLISH topic past the end
        bytes({0x40, 0x02, 0x00, 0x00}),                 // PUBACK id 0
        bytes({0x40, 0x03, 0x00, 0x01, 0x00}),           // PUBACK too long
        bytes({0x60, 0x02, 0x00, 0x01}),                 // PUBREL without flags 0010
        bytes({0x90, 0x02, 0x00, 0x01}),                 // SUBACK without codes
        bytes({0x90, 0x03, 0x00, 0x01, 0x03}),           // SUBACK code 3
        bytes({0xD0, 0x01, 0x00}),                       // PINGRESP with a body
        bytes({0x20, 0x80, 0x00}),                       // non-minimal remaining length
        bytes({0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}),     // 5 length bytes
    };
    for (const ByteVec& f : frames) CHECK_FALSE(agree(f));
}

TEST_CASE("Client-only packets are returned by type only, and still checked for flags and empty bodies") {
    // Well formed: CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT.
    const ByteVec ok[] = {
        bytes({0x10, 0x0E, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x02, 'i', 'd'}),
        bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x01}),
        bytes({0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 'a'}),
        bytes({0xC0, 0x00}),
        bytes({0xE0, 0x00}),
        // A CONNECT with a bad protocol name: refused as client-only all the same.
        bytes({0x10, 0x0E, 0x00, 0x04, 'M', 'Q', 'T', 'X', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x02, 'i', 'd'}),
    };
    for (const ByteVec& f : ok) {
        const auto p = decode_server_packet(f);
        REQUIRE(p.ok());
        CHECK(p->client_only());
        CHECK(agree(f));
    }
    CHECK(decode_server_packet(bytes({0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x01})).error() ==
          Error::bad_fixed_header_flags); // SUBSCRIBE needs flags 0010
    CHECK(decode_server_packet(bytes({0xC0, 0x01, 0x00})).error() == Error::bad_remaining_length);
    CHECK(decode_server_packet(bytes({0xE0, 0x01, 0x00})).error() == Error::bad_remaining_length);
}

TEST_CASE("On every one-byte mutation of valid server packets both decoders agree") {
    const ByteVec seeds[] = {
        bytes({0x20, 0x02, 0x01, 0x00}),
        bytes({0x32, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x05, 'h', 'i'}),
        bytes({0x90, 0x04, 0x00, 0x02, 0x01, 0x80}),
        bytes({0x62, 0x02, 0x00, 0x03}),
        bytes({0xB0, 0x02, 0x00, 0x04}),
        bytes({0xD0, 0x00}),
    };
    std::size_t decoded = 0;
    std::size_t tried = 0;
    for (const ByteVec& seed : seeds) {
        for (std::size_t i = 0; i < seed.size(); ++i) {
            for (unsigned v = 0; v < 256; ++v) {
                ByteVec f = seed;
                f[i] = static_cast<std::byte>(v);
                ++tried;
                if (agree(f)) ++decoded;
            }
        }
    }
    // Both verdicts occur, so the comparison covered accepted and refused frames.
    CHECK(decoded > 0);
    CHECK(decoded < tried);
}
