// Decoder tests: frames written out by hand, and one negative test for every
// validation rule of MQTT 3.1.1 the decoder enforces, each with its own Error.
#include "catch.hpp"

#include "codec_test_util.hpp"

#include <array>

using namespace alimqtt;
using namespace codec_test;

namespace {

/// A CONNECT frame built by hand: protocol name, level, flags, keepalive 60,
/// then `payload` (remaining length < 128 in these tests).
ByteVec connect_frame(std::string_view name, unsigned level, unsigned flags, const ByteVec& payload) {
    ByteVec body = concat({bytes({0x00, static_cast<unsigned>(name.size())}), bytes_of(name),
                           bytes({level, flags, 0x00, 0x3C}), payload});
    return concat({bytes({0x10, static_cast<unsigned>(body.size())}), body});
}

/// A length-prefixed string (length < 256).
ByteVec str(std::string_view s) {
    return concat({bytes({0x00, static_cast<unsigned>(s.size())}), bytes_of(s)});
}

/// A PUBLISH QoS 0 frame with the raw topic bytes `topic`.
ByteVec publish_with_topic(const ByteVec& topic) {
    ByteVec body = concat({bytes({0x00, static_cast<unsigned>(topic.size())}), topic});
    return concat({bytes({0x30, static_cast<unsigned>(body.size())}), body});
}

} // namespace

TEST_CASE("A hand-written CONNECT decodes into its fields") {
    const ByteVec f = bytes({0x10, 0x19, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xEE, 0x00, 0x0A,
                             0x00, 0x01, 'c', 0x00, 0x01, 'w', 0x00, 0x01, 'x',
                             0x00, 0x01, 'u', 0x00, 0x01, 'p'});
    auto r = decode_packet(f);
    const Connect* c = decoded_as<Connect>(r);
    REQUIRE(c != nullptr);
    CHECK(c->client_id == "c");
    CHECK(c->keepalive_s == 10);
    CHECK(c->clean_session);
    REQUIRE(c->will);
    CHECK(c->will->topic == "w");
    CHECK(as_sv(c->will->payload) == "x");
    CHECK(c->will->qos == QoS::at_least_once);
    CHECK(c->will->retain);
    CHECK(c->username == std::optional<std::string_view>("u"));
    REQUIRE(c->password);
    CHECK(as_sv(*c->password) == "p");
}

TEST_CASE("A hand-written PUBLISH QoS 2 decodes as views into the frame") {
    const ByteVec f = bytes({0x3D, 0x08, 0x00, 0x03, 'a', '/', 'b', 0x12, 0x34, 0xFF});
    auto r = decode_packet(f);
    const Publish* p = decoded_as<Publish>(r);
    REQUIRE(p != nullptr);
    CHECK(p->topic == "a/b");
    CHECK(p->qos == QoS::exactly_once);
    CHECK(p->dup);
    CHECK(p->retain);
    CHECK(p->packet_id == 0x1234);
    REQUIRE(p->payload.size() == 1);
    CHECK(p->payload.data() == f.data() + 9);
    CHECK(reinterpret_cast<const std::byte*>(p->topic.data()) == f.data() + 4);
}

TEST_CASE("A hand-written SUBACK with a refused filter decodes with 0x80 in place") {
    const ByteVec f = bytes({0x90, 0x05, 0x00, 0x07, 0x01, 0x80, 0x00});
    auto r = decode_packet(f);
    const Suback* s = decoded_as<Suback>(r);
    REQUIRE(s != nullptr);
    CHECK(s->packet_id == 7);
    REQUIRE(s->codes.size() == 3);
    CHECK(s->codes[0] == SubackCode::granted_qos1);
    CHECK(s->codes[1] == SubackCode::failure);
    CHECK(s->codes[2] == SubackCode::granted_qos0);
}

TEST_CASE("Reserved packet types 0 and 15 are bad_packet_type (2.2.1)") {
    CHECK(decode_error(bytes({0x00, 0x00})) == Error::bad_packet_type);
    CHECK(decode_error(bytes({0xF0, 0x00})) == Error::bad_packet_type);
}

TEST_CASE("Fixed-header flags other than 2.2.2 requires are bad_fixed_header_flags") {
    CHECK(decode_error(bytes({0x41, 0x02, 0x00, 0x01})) == Error::bad_fixed_header_flags); // PUBACK 0001
    CHECK(decode_error(bytes({0x60, 0x02, 0x00, 0x01})) == Error::bad_fixed_header_flags); // PUBREL 0000
    CHECK(decode_error(bytes({0x63, 0x02, 0x00, 0x01})) == Error::bad_fixed_header_flags); // PUBREL 0011
    CHECK(decode_error(bytes({0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00})) == Error::bad_fixed_header_flags);
    CHECK(decode_error(bytes({0xA0, 0x05, 0x00, 0x01, 0x00, 0x01, 'a'})) == Error::bad_fixed_header_flags);
    CHECK(decode_error(bytes({0x28, 0x02, 0x00, 0x00})) == Error::bad_fixed_header_flags); // CONNACK
    CHECK(decode_error(bytes({0xC2, 0x00})) == Error::bad_fixed_header_flags);             // PINGREQ
    CHECK(decode_error(bytes({0xD1, 0x00})) == Error::bad_fixed_header_flags);             // PINGRESP
    CHECK(decode_error(bytes({0xE4, 0x00})) == Error::bad_fixed_header_flags);             // DISCONNECT
    CHECK(decode_error(bytes({0x92, 0x03, 0x00, 0x01, 0x00})) == Error::bad_fixed_header_flags); // SUBACK
    CHECK(decode_error(bytes({0x38, 0x03, 0x00, 0x01, 'a'})) == Error::bad_fixed_header_flags);  // DUP on QoS 0
}

TEST_CASE("QoS 3 is bad_qos in PUBLISH, will QoS and SUBSCRIBE") {
    CHECK(decode_error(bytes({0x36, 0x05, 0x00, 0x01, 'a', 0x00, 0x01})) == Error::bad_qos);
    CHECK(decode_error(connect_frame("MQTT", 4, 0x1E, concat({str("c"), str("w"), str("x")}))) == Error::bad_qos);
    CHECK(decode_error(bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x03})) == Error::bad_qos);
}

TEST_CASE("Packet id 0 is zero_packet_id wherever a non-zero id is required (2.3.1)") {
    CHECK(decode_error(bytes({0x32, 0x05, 0x00, 0x01, 'a', 0x00, 0x00})) == Error::zero_packet_id);
    CHECK(decode_error(bytes({0x34, 0x05, 0x00, 0x01, 'a', 0x00, 0x00})) == Error::zero_packet_id);
    CHECK(decode_error(bytes({0x40, 0x02, 0x00, 0x00})) == Error::zero_packet_id);
    CHECK(decode_error(bytes({0x50, 0x02, 0x00, 0x00})) == Error::zero_packet_id);
    CHECK(decode_error(bytes({0x62, 0x02, 0x00, 0x00})) == Error::zero_packet_id);
    CHECK(decode_error(bytes({0x70, 0x02, 0x00, 0x00})) == Error::zero_packet_id);
    CHECK(decode_error(bytes({0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 'a', 0x00})) == Error::zero_packet_id);
    CHECK(decode_error(bytes({0x90, 0x03, 0x00, 0x00, 0x00})) == Error::zero_packet_id);
    CHECK(decode_error(bytes({0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, 'a'})) == Error::zero_packet_id);
    CHECK(decode_error(bytes({0xB0, 0x02, 0x00, 0x00})) == Error::zero_packet_id);
}

TEST_CASE("Ill-formed UTF-8 in a topic is malformed_utf8 (1.5.3)") {
    CHECK(decode_error(publish_with_topic(bytes({'a', 0xC0, 0x80}))) == Error::malformed_utf8);       // overlong U+0000
    CHECK(decode_error(publish_with_topic(bytes({0xC1, 0xBF}))) == Error::malformed_utf8);            // overlong 2-byte
    CHECK(decode_error(publish_with_topic(bytes({0xE0, 0x80, 0xAF}))) == Error::malformed_utf8);      // overlong 3-byte '/'
    CHECK(decode_error(publish_with_topic(bytes({0xF0, 0x80, 0x80, 0xAF}))) == Error::malformed_utf8); // overlong 4-byte
    CHECK(decode_error(publish_with_topic(bytes({0xED, 0xA0, 0x80}))) == Error::malformed_utf8);      // U+D800
    CHECK(decode_error(publish_with_topic(bytes({0xED, 0xBF, 0xBF}))) == Error::malformed_utf8);      // U+DFFF
    CHECK(decode_error(publish_with_topic(bytes({0xF4, 0x90, 0x80, 0x80}))) == Error::malformed_utf8); // > U+10FFFF
    CHECK(decode_error(publish_with_topic(bytes({0xF5, 0x80, 0x80, 0x80}))) == Error::malformed_utf8);
    CHECK(decode_error(publish_with_topic(bytes({'a', 0x80}))) == Error::malformed_utf8);             // stray continuation
    CHECK(decode_error(publish_with_topic(bytes({'a', 0xC3}))) == Error::malformed_utf8);             // cut sequence
    CHECK(decode_error(publish_with_topic(bytes({0xE2, 0x82, 'x'}))) == Error::malformed_utf8);       // bad continuation
    CHECK(decode_error(publish_with_topic(bytes({0xFF}))) == Error::malformed_utf8);
}

TEST_CASE("Well-formed multi-byte UTF-8 up to U+10FFFF is accepted") {
    const ByteVec frame = publish_with_topic(bytes({0xC3, 0xA9, '/', 0xE4, 0xB8, 0xAD, '/', 0xF0, 0x9F, 0x98, 0x80,
                                                    0xF4, 0x8F, 0xBF, 0xBF, 0xEF, 0xBF, 0xBF, 0xED, 0x9F, 0xBF}));
    auto r = decode_packet(frame);
    REQUIRE(r.ok());
    CHECK(decoded_as<Publish>(r)->topic == "é/中/😀\xF4\x8F\xBF\xBF\xEF\xBF\xBF\xED\x9F\xBF");
}

TEST_CASE("U+0000 in any UTF-8 field is utf8_null_character (1.5.3)") {
    CHECK(decode_error(publish_with_topic(bytes({'a', 0x00, 'b'}))) == Error::utf8_null_character);
    CHECK(decode_error(connect_frame("MQTT", 4, 0x02, str(std::string_view("c\0", 2)))) == Error::utf8_null_character);
    CHECK(decode_error(connect_frame("MQTT", 4, 0x82, concat({str("c"), str(std::string_view("\0", 1))}))) ==
          Error::utf8_null_character);
    CHECK(decode_error(bytes({0x82, 0x07, 0x00, 0x01, 0x00, 0x02, 'a', 0x00, 0x00})) == Error::utf8_null_character);
    CHECK(decode_error(bytes({0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x00})) == Error::utf8_null_character);
}

TEST_CASE("Malformed UTF-8 in CONNECT strings and SUBSCRIBE filters is malformed_utf8") {
    CHECK(decode_error(connect_frame("MQTT", 4, 0x02, str("\xED\xA0\x80"))) == Error::malformed_utf8);
    CHECK(decode_error(connect_frame("MQTT", 4, 0x82, concat({str("c"), str("\xC0\xAF")}))) == Error::malformed_utf8);
    CHECK(decode_error(connect_frame("MQTT", 4, 0x06, concat({str("c"), str("\x80"), str("x")}))) ==
          Error::malformed_utf8);
    CHECK(decode_error(bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0xC3, 0x00})) == Error::malformed_utf8);
}

TEST_CASE("An inner length running past the end of the packet is truncated") {
    CHECK(decode_error(bytes({0x30, 0x03, 0x00, 0x05, 'a'})) == Error::truncated);             // topic length
    CHECK(decode_error(bytes({0x30, 0x01, 0x00})) == Error::truncated);                        // half a length
    CHECK(decode_error(bytes({0x32, 0x03, 0x00, 0x01, 'a'})) == Error::truncated);             // missing packet id
    CHECK(decode_error(bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x02, 'a', 'b'})) == Error::truncated); // missing QoS byte
    CHECK(decode_error(bytes({0x82, 0x05, 0x00, 0x01, 0x00, 0x03, 'a'})) == Error::truncated);
    CHECK(decode_error(bytes({0x82, 0x01, 0x00})) == Error::truncated);                        // half a packet id
    CHECK(decode_error(bytes({0xA2, 0x05, 0x00, 0x01, 0x00, 0x09, 'a'})) == Error::truncated);
    CHECK(decode_error(bytes({0x90, 0x01, 0x00})) == Error::truncated);
    CHECK(decode_error(connect_frame("MQTT", 4, 0x02, bytes({0x00, 0x05, 'a'}))) == Error::truncated);
    CHECK(decode_error(connect_frame("MQTT", 4, 0xC2, concat({str("c"), str("u"), bytes({0x00, 0x04, 'p'})}))) ==
          Error::truncated); // password
    CHECK(decode_error(connect_frame("MQTT", 4, 0x06, concat({str("c"), str("w")}))) == Error::truncated); // will msg
    CHECK(decode_error(bytes({0x10, 0x04, 0x00, 0x04, 'M', 'Q'})) == Error::truncated);       // protocol name
    CHECK(decode_error(bytes({0x10, 0x06, 0x00, 0x04, 'M', 'Q', 'T', 'T'})) == Error::truncated);       // level
    CHECK(decode_error(bytes({0x10, 0x07, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04})) == Error::truncated); // flags
    CHECK(decode_error(bytes({0x10, 0x08, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02})) == Error::truncated); // keepalive
}

TEST_CASE("A frame shorter than its remaining length is truncated, a longer one has trailing_bytes") {
    CHECK(decode_error(bytes({0x40, 0x02, 0x00})) == Error::truncated);
    CHECK(decode_error(bytes({0x40})) == Error::truncated);
    CHECK(decode_error(bytes({})) == Error::truncated);
    CHECK(decode_error(bytes({0x40, 0x02, 0x00, 0x01, 0x00})) == Error::trailing_bytes);
    CHECK(decode_error(connect_frame("MQTT", 4, 0x02, concat({str("c"), bytes({0x00})}))) == Error::trailing_bytes);
}

TEST_CASE("Remaining length with a 5th byte or a non-minimal encoding is malformed_remaining_length") {
    CHECK(decode_error(bytes({0x30, 0x80, 0x80, 0x80, 0x80, 0x01})) == Error::malformed_remaining_length);
    CHECK(decode_error(bytes({0xC0, 0x80, 0x00})) == Error::malformed_remaining_length);
    CHECK(decode_error(bytes({0x30, 0xFF, 0x80, 0x00})) == Error::malformed_remaining_length);
    CHECK(parse_fixed_header(bytes({0x30, 0x80, 0x80, 0x80})).error() == Error::need_more_data);
    CHECK(parse_fixed_header(bytes({0x30, 0x80, 0x80, 0x80, 0x80})).error() == Error::malformed_remaining_length);
    CHECK(parse_fixed_header(bytes({0x30})).error() == Error::need_more_data);
    CHECK(parse_fixed_header(bytes({})).error() == Error::need_more_data);
}

TEST_CASE("Remaining length wrong for a fixed-size packet is bad_remaining_length") {
    CHECK(decode_error(bytes({0x40, 0x03, 0x00, 0x01, 0x00})) == Error::bad_remaining_length);
    CHECK(decode_error(bytes({0x62, 0x01, 0x01})) == Error::bad_remaining_length);
    CHECK(decode_error(bytes({0xB0, 0x00})) == Error::bad_remaining_length);
    CHECK(decode_error(bytes({0x20, 0x03, 0x00, 0x00, 0x00})) == Error::bad_remaining_length);
    CHECK(decode_error(bytes({0x20, 0x01, 0x00})) == Error::bad_remaining_length);
    CHECK(decode_error(bytes({0xC0, 0x01, 0x00})) == Error::bad_remaining_length);
    CHECK(decode_error(bytes({0xD0, 0x01, 0x00})) == Error::bad_remaining_length);
    CHECK(decode_error(bytes({0xE0, 0x01, 0x00})) == Error::bad_remaining_length);
    CHECK(decode_error(bytes({0x90, 0x02, 0x00, 0x01})) == Error::bad_remaining_length); // SUBACK without codes
}

TEST_CASE("SUBSCRIBE and UNSUBSCRIBE without any filter are empty_subscribe and empty_unsubscribe") {
    CHECK(decode_error(bytes({0x82, 0x02, 0x00, 0x01})) == Error::empty_subscribe);
    CHECK(decode_error(bytes({0xA2, 0x02, 0x00, 0x01})) == Error::empty_unsubscribe);
}

TEST_CASE("SUBSCRIBE requested-QoS byte with bits 7..2 set is subscribe_reserved_bits") {
    CHECK(decode_error(bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x04})) == Error::subscribe_reserved_bits);
    CHECK(decode_error(bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x81})) == Error::subscribe_reserved_bits);
}

TEST_CASE("CONNECT protocol name other than MQTT is bad_protocol_name, level other than 4 bad_protocol_level") {
    CHECK(decode_error(connect_frame("MQIsdp", 3, 0x02, str("c"))) == Error::bad_protocol_name);
    CHECK(decode_error(connect_frame("MQTX", 4, 0x02, str("c"))) == Error::bad_protocol_name);
    CHECK(decode_error(connect_frame("mqtt", 4, 0x02, str("c"))) == Error::bad_protocol_name);
    CHECK(decode_error(connect_frame("", 4, 0x02, str("c"))) == Error::bad_protocol_name);
    CHECK(decode_error(connect_frame("MQTT", 3, 0x02, str("c"))) == Error::bad_protocol_level);
    CHECK(decode_error(connect_frame("MQTT", 5, 0x02, str("c"))) == Error::bad_protocol_level);
    CHECK(decode_error(connect_frame("MQTT", 4, 0x02, str("c"))) == Error{});
}

TEST_CASE("CONNECT reserved flag, will bits without will, and password without username are bad_connect_flags") {
    CHECK(decode_error(connect_frame("MQTT", 4, 0x03, str("c"))) == Error::bad_connect_flags); // reserved bit 0
    CHECK(decode_error(connect_frame("MQTT", 4, 0x0A, str("c"))) == Error::bad_connect_flags); // will QoS, no will
    CHECK(decode_error(connect_frame("MQTT", 4, 0x22, str("c"))) == Error::bad_connect_flags); // will retain, no will
    CHECK(decode_error(connect_frame("MQTT", 4, 0x42, concat({str("c"), str("p")}))) == Error::bad_connect_flags);
}

TEST_CASE("CONNECT with an empty client id and clean session 0 is client_id_requires_clean_session") {
    CHECK(decode_error(connect_frame("MQTT", 4, 0x00, str(""))) == Error::client_id_requires_clean_session);
    CHECK(decode_error(connect_frame("MQTT", 4, 0x02, str(""))) == Error{});
}

TEST_CASE("CONNECT will topic with a wildcard is invalid_topic_name") {
    CHECK(decode_error(connect_frame("MQTT", 4, 0x06, concat({str("c"), str("a/#"), str("x")}))) ==
          Error::invalid_topic_name);
}

TEST_CASE("CONNACK acknowledge flags bits 7..1 set are connack_reserved_bits, code above 5 bad_connack_code") {
    CHECK(decode_error(bytes({0x20, 0x02, 0x02, 0x00})) == Error::connack_reserved_bits);
    CHECK(decode_error(bytes({0x20, 0x02, 0x80, 0x00})) == Error::connack_reserved_bits);
    CHECK(decode_error(bytes({0x20, 0x02, 0x00, 0x06})) == Error::bad_connack_code);
    CHECK(decode_error(bytes({0x20, 0x02, 0x00, 0xFF})) == Error::bad_connack_code);
    CHECK(decode_error(bytes({0x20, 0x02, 0x00, 0x05})) == Error{});
}

TEST_CASE("a refusing CONNACK (code 1..5) with Session Present 1 is connack_refused_session_present") {
    // [MQTT-3.2.2-4]: a server sending a non-zero return code MUST set Session Present 0.
    for (unsigned code = 1; code <= 5; ++code) {
        INFO(code);
        CHECK(decode_error(bytes({0x20, 0x02, 0x01, code})) == Error::connack_refused_session_present);
        CHECK(decode_error(bytes({0x20, 0x02, 0x00, code})) == Error{});
    }
    CHECK(decode_error(bytes({0x20, 0x02, 0x01, 0x00})) == Error{}); // accepted, session kept: fine
    // The earlier checks still name their own fault first.
    CHECK(decode_error(bytes({0x20, 0x02, 0x03, 0x05})) == Error::connack_reserved_bits);
    CHECK(decode_error(bytes({0x20, 0x02, 0x01, 0x06})) == Error::bad_connack_code);
}

TEST_CASE("SUBACK return codes other than 0x00, 0x01, 0x02, 0x80 are bad_suback_code") {
    for (unsigned code : {0x03u, 0x04u, 0x7Fu, 0x81u, 0xFFu}) {
        INFO(code);
        CHECK(decode_error(bytes({0x90, 0x04, 0x00, 0x01, 0x00, code})) == Error::bad_suback_code);
    }
    for (unsigned code : {0x00u, 0x01u, 0x02u, 0x80u}) CHECK(decode_error(bytes({0x90, 0x03, 0x00, 0x01, code})) == Error{});
}

TEST_CASE("PUBLISH topic that is empty or has a wildcard is invalid_topic_name") {
    CHECK(decode_error(publish_with_topic(bytes({}))) == Error::invalid_topic_name);
    CHECK(decode_error(publish_with_topic(bytes_of("a/+"))) == Error::invalid_topic_name);
    CHECK(decode_error(publish_with_topic(bytes_of("#"))) == Error::invalid_topic_name);
}

TEST_CASE("SUBSCRIBE and UNSUBSCRIBE filters breaking 4.7.1 are invalid_topic_filter") {
    CHECK(decode_error(bytes({0x82, 0x07, 0x00, 0x01, 0x00, 0x02, 'a', '#', 0x00})) == Error::invalid_topic_filter);
    CHECK(decode_error(bytes({0x82, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00})) == Error::invalid_topic_filter);
    CHECK(decode_error(bytes({0xA2, 0x06, 0x00, 0x01, 0x00, 0x02, '+', 'a'})) == Error::invalid_topic_filter);
    CHECK(decode_error(bytes({0xA2, 0x08, 0x00, 0x01, 0x00, 0x04, '#', '/', 'a', 'b'})) == Error::invalid_topic_filter);
}

TEST_CASE("The fixed header parser works at compile time") {
    constexpr std::array<std::byte, 3> frame{std::byte{0x3B}, std::byte{0x80}, std::byte{0x01}};
    constexpr auto h = parse_fixed_header(frame);
    static_assert(h.ok() && h->type == PacketType::publish && h->flags == 0x0B && h->remaining_length == 128 &&
                  h->header_size == 3 && h->frame_size() == 131);
    static_assert(validate_fixed_header(*h).ok());
    CHECK(h->remaining_length == 128);
}

TEST_CASE("decode_body refuses a body shorter or longer than the header's remaining length as truncated") {
    const FixedHeader h{PacketType::puback, 0, 2, 2};
    const ByteVec two = bytes({0x00, 0x07});
    const ByteVec one = bytes({0x00});
    const ByteVec three = bytes({0x00, 0x07, 0x00});
    CHECK(decode_body(h, one).error() == Error::truncated);
    CHECK(decode_body(h, three).error() == Error::truncated);
    const auto ok = decode_body(h, two);
    REQUIRE(ok.ok());
    CHECK(std::get<Puback>(*ok).packet_id == 7);
}
