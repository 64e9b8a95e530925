// Round trip of every MQTT 3.1.1 control packet: encode, decode, compare
// every field, and re-encode the decoded view to the very same bytes.
#include "catch.hpp"

#include "codec_test_util.hpp"

#include <array>

using namespace alimqtt;
using namespace codec_test;

namespace {

/// Encodes `p`, decodes the bytes as `P`, re-encodes the decoded packet and
/// checks both encodings are identical. Returns the decoded packet.
template <class P>
P round_trip(const P& p, ByteVec& storage) {
    storage = encode_vec(p);
    REQUIRE_FALSE(storage.empty());
    REQUIRE(storage.size() == encoded_size(p));
    auto r = decode_packet(storage);
    INFO("bytes " << hex(storage) << " error " << (r ? "none" : to_string(r.error())));
    REQUIRE(r.ok());
    REQUIRE(packet_type(*r) == packet_type_of<P>);
    const P* d = std::get_if<P>(&*r);
    REQUIRE(d != nullptr);
    CHECK(encode_vec(*d) == storage);
    CHECK(encode_vec(Packet(*d)) == storage);
    return *d;
}

} // namespace

TEST_CASE("CONNECT with will, username and password round-trips field by field") {
    const ByteVec will_payload = bytes_of("gone");
    const ByteVec password = bytes({0x00, 0xff, 0x10});
    Connect c;
    c.client_id = "dev|securemode=3,signmethod=hmacsha256|";
    c.keepalive_s = 300;
    c.clean_session = false;
    c.will = Will{"devices/1/status", will_payload, QoS::at_least_once, true};
    c.username = "device&product";
    c.password = Bytes(password);
    ByteVec buf;
    const Connect d = round_trip(c, buf);
    CHECK(d.client_id == c.client_id);
    CHECK(d.keepalive_s == 300);
    CHECK_FALSE(d.clean_session);
    REQUIRE(d.will.has_value());
    CHECK(d.will->topic == "devices/1/status");
    CHECK(as_sv(d.will->payload) == "gone");
    CHECK(d.will->qos == QoS::at_least_once);
    CHECK(d.will->retain);
    REQUIRE(d.username.has_value());
    CHECK(*d.username == "device&product");
    REQUIRE(d.password.has_value());
    CHECK(hex(*d.password) == "00ff10");
}

TEST_CASE("CONNECT without optional fields round-trips and stays absent") {
    Connect c;
    c.client_id = "";
    c.keepalive_s = 0;
    ByteVec buf;
    const Connect d = round_trip(c, buf);
    CHECK(d.client_id.empty());
    CHECK(d.clean_session);
    CHECK_FALSE(d.will.has_value());
    CHECK_FALSE(d.username.has_value());
    CHECK_FALSE(d.password.has_value());
}

TEST_CASE("CONNACK round-trips every return code and the session-present flag") {
    for (unsigned code = 0; code <= 5; ++code) {
        for (bool sp : {false, true}) {
            if (code != 0 && sp) continue; // refused with a session: refused by the encoder (MQTT-3.2.2-4, test_codec_encode)
            ByteVec buf;
            const Connack d = round_trip(Connack{sp, static_cast<ConnackCode>(code)}, buf);
            CHECK(d.session_present == sp);
            CHECK(static_cast<unsigned>(d.code) == code);
        }
    }
}

TEST_CASE("PUBLISH round-trips at QoS 0, 1 and 2 with dup and retain, the payload is a view") {
    const ByteVec payload = bytes({1, 2, 3, 0, 255});
    for (auto qos : {QoS::at_most_once, QoS::at_least_once, QoS::exactly_once}) {
        for (bool retain : {false, true}) {
            Publish p{"a/b/c", payload, qos, retain, qos != QoS::at_most_once, static_cast<PacketId>(qos == QoS::at_most_once ? 0 : 4242)};
            ByteVec buf;
            const Publish d = round_trip(p, buf);
            CHECK(d.topic == "a/b/c");
            CHECK(hex(d.payload) == "01020300ff");
            CHECK(d.qos == qos);
            CHECK(d.retain == retain);
            CHECK(d.dup == p.dup);
            CHECK(d.packet_id == p.packet_id);
            // zero copy: the views point into the encoded buffer
            CHECK(d.payload.data() == buf.data() + buf.size() - payload.size());
            CHECK(reinterpret_cast<const std::byte*>(d.topic.data()) > buf.data());
        }
    }
}

TEST_CASE("PUBLISH with a payload needing 3 remaining-length bytes round-trips") {
    ByteVec payload(20000, std::byte{0x5a});
    ByteVec buf;
    const Publish d = round_trip(Publish{"big", payload}, buf);
    CHECK(d.payload.size() == 20000);
    CHECK(buf.size() == 1 + 3 + 2 + 3 + 20000);
}

TEST_CASE("PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK round-trip their packet id") {
    ByteVec buf;
    CHECK(round_trip(Puback{1}, buf).packet_id == 1);
    CHECK(round_trip(Pubrec{65535}, buf).packet_id == 65535);
    CHECK(round_trip(Pubrel{256}, buf).packet_id == 256);
    CHECK(round_trip(Pubcomp{77}, buf).packet_id == 77);
    CHECK(round_trip(Unsuback{9}, buf).packet_id == 9);
}

TEST_CASE("SUBSCRIBE with several filters round-trips, the decoded list views the frame") {
    const std::array<TopicSubscription, 3> subs{{{"a/+/c", QoS::at_most_once},
                                                 {"$SYS/#", QoS::at_least_once},
                                                 {"/sys/pk/dn/thing/#", QoS::exactly_once}}};
    ByteVec buf;
    const Subscribe d = round_trip(Subscribe{10, subs}, buf);
    CHECK(d.packet_id == 10);
    REQUIRE(d.filters.size() == 3);
    std::size_t i = 0;
    for (TopicSubscription s : d.filters) {
        CHECK(s.filter == subs[i].filter);
        CHECK(s.qos == subs[i].qos);
        ++i;
    }
    CHECK(i == 3);
    CHECK(d.filters[2].filter == "/sys/pk/dn/thing/#");
    CHECK(d.filters == TopicSubscriptionList(subs));
}

TEST_CASE("SUBACK with granted and refused codes round-trips, codes index in order") {
    const std::array<SubackCode, 4> codes{SubackCode::granted_qos0, SubackCode::granted_qos1, SubackCode::granted_qos2,
                                          SubackCode::failure};
    ByteVec buf;
    const Suback d = round_trip(Suback{11, codes}, buf);
    CHECK(d.packet_id == 11);
    REQUIRE(d.codes.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) CHECK(d.codes[i] == codes[i]);
    CHECK(d.codes == SubackCodeList(codes));
}

TEST_CASE("UNSUBSCRIBE with several filters round-trips") {
    const std::array<std::string_view, 2> filters{"a/b", "c/#"};
    ByteVec buf;
    const Unsubscribe d = round_trip(Unsubscribe{12, filters}, buf);
    CHECK(d.packet_id == 12);
    REQUIRE(d.filters.size() == 2);
    CHECK(d.filters[0] == "a/b");
    CHECK(d.filters[1] == "c/#");
}

TEST_CASE("PINGREQ, PINGRESP and DISCONNECT round-trip as two bytes") {
    ByteVec buf;
    round_trip(Pingreq{}, buf);
    CHECK(hex(buf) == "c000");
    round_trip(Pingresp{}, buf);
    CHECK(hex(buf) == "d000");
    round_trip(Disconnect{}, buf);
    CHECK(hex(buf) == "e000");
}
