// Encoder tests: bytes written out by hand from the MQTT 3.1.1 spec rules
// (never produced by the encoder under test), the encoder's validation of
// what it is asked to send, and bounded output.
#include "catch.hpp"

#include "codec_test_util.hpp"

#include <array>

using namespace alimqtt;
using namespace codec_test;

// SpanWriter copies byte by byte in constant evaluation (no memcpy there), a
// path gcov cannot see: prove it in the compiler. A run that fits is copied
// whole; one that does not fit writes nothing and turns ok() false.
namespace {
constexpr std::array<std::byte, 4> span_writer_at_compile_time(std::size_t room, std::size_t run) {
    std::array<std::byte, 4> out{};
    const std::array<std::byte, 3> in{std::byte{0x30}, std::byte{0x01}, std::byte{0x7f}};
    SpanWriter w(std::span<std::byte>(out.data(), room));
    w.put(std::byte{0xaa});
    w.write(Bytes(in.data(), run));
    if (!w.ok()) out[3] = std::byte{0xee};
    return out;
}
} // namespace
static_assert(span_writer_at_compile_time(4, 3) ==
              std::array<std::byte, 4>{std::byte{0xaa}, std::byte{0x30}, std::byte{0x01}, std::byte{0x7f}});
static_assert(span_writer_at_compile_time(3, 3) ==
              std::array<std::byte, 4>{std::byte{0xaa}, std::byte{0}, std::byte{0}, std::byte{0xee}});
static_assert(span_writer_at_compile_time(1, 0) ==
              std::array<std::byte, 4>{std::byte{0xaa}, std::byte{0}, std::byte{0}, std::byte{0}});

TEST_CASE("CONNECT with only a client id is the spec's byte layout") {
    Connect c;
    c.client_id = "abc";
    c.keepalive_s = 60;
    // 10 0F | 00 04 'M' 'Q' 'T' 'T' | level 04 | flags 02 (clean) | keepalive 00 3C | 00 03 'a' 'b' 'c'
    CHECK(hex(encode_vec(c)) == "100f00044d5154540402003c0003616263");
}

TEST_CASE("CONNECT with will, username and password sets every flag bit and orders the payload") {
    const ByteVec will_msg = bytes_of("x");
    const ByteVec pw = bytes_of("p");
    Connect c;
    c.client_id = "c";
    c.keepalive_s = 10;
    c.will = Will{"w", will_msg, QoS::at_least_once, true};
    c.username = "u";
    c.password = Bytes(pw);
    // flags: username 80 | password 40 | will retain 20 | will QoS 1 08 | will 04 | clean 02 = EE
    // payload order (3.1.3): client id, will topic, will message, username, password
    const ByteVec expected = bytes({0x10, 0x19, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xEE, 0x00, 0x0A,
                                    0x00, 0x01, 'c', 0x00, 0x01, 'w', 0x00, 0x01, 'x',
                                    0x00, 0x01, 'u', 0x00, 0x01, 'p'});
    CHECK(hex(encode_vec(c)) == hex(expected));
}

TEST_CASE("CONNECT with clean session 0 and QoS 2 will clears bit 1 and sets bits 4..3 to 10") {
    const ByteVec empty;
    Connect c;
    c.client_id = "id";
    c.keepalive_s = 0x1234;
    c.clean_session = false;
    c.will = Will{"t", empty, QoS::exactly_once, false};
    // flags 0x14 = will QoS 2 (10 << 3) | will flag 04
    CHECK(hex(encode_vec(c)) == "10130004" "4d515454" "04" "14" "1234" "00026964" "000174" "0000");
}

TEST_CASE("CONNACK is 20 02, acknowledge flags, return code") {
    CHECK(hex(encode_vec(Connack{true, ConnackCode::accepted})) == "20020100");
    CHECK(hex(encode_vec(Connack{false, ConnackCode::not_authorized})) == "20020005");
    CHECK(hex(encode_vec(Connack{false, ConnackCode::identifier_rejected})) == "20020002");
}

TEST_CASE("PUBLISH header bits carry DUP, QoS and RETAIN; packet id only for QoS > 0") {
    const ByteVec hi = bytes_of("hi");
    CHECK(hex(encode_vec(Publish{"a/b", hi})) == "30070003612f626869");
    const ByteVec none;
    // 0x30 | DUP 08 | QoS1 02 | RETAIN 01 = 3B; topic "a"; id 000A; no payload
    CHECK(hex(encode_vec(Publish{"a", none, QoS::at_least_once, true, true, 10})) == "3b05000161000a");
    const ByteVec ff = bytes({0xff});
    CHECK(hex(encode_vec(Publish{"t", ff, QoS::exactly_once, false, false, 0x1234})) == "34060001741234ff");
}

TEST_CASE("PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK carry the type nibble, PUBREL flags 0010") {
    CHECK(hex(encode_vec(Puback{1})) == "40020001");
    CHECK(hex(encode_vec(Pubrec{0x0102})) == "50020102");
    CHECK(hex(encode_vec(Pubrel{0xffff})) == "6202ffff");
    CHECK(hex(encode_vec(Pubcomp{7})) == "70020007");
    CHECK(hex(encode_vec(Unsuback{0x0a0b})) == "b0020a0b");
}

TEST_CASE("SUBSCRIBE to a/b QoS 1 and c/d QoS 2 matches the spec 3.8.3 example layout") {
    const std::array<TopicSubscription, 2> subs{{{"a/b", QoS::at_least_once}, {"c/d", QoS::exactly_once}}};
    CHECK(hex(encode_vec(Subscribe{1, subs})) ==
          hex(bytes({0x82, 0x0E, 0x00, 0x01, 0x00, 0x03, 'a', '/', 'b', 0x01, 0x00, 0x03, 'c', '/', 'd', 0x02})));
}

TEST_CASE("SUBACK lists one byte per filter including the 0x80 failure code") {
    const std::array<SubackCode, 4> codes{SubackCode::granted_qos0, SubackCode::granted_qos1, SubackCode::granted_qos2,
                                          SubackCode::failure};
    CHECK(hex(encode_vec(Suback{1, codes})) == "9006000100010280");
}

TEST_CASE("UNSUBSCRIBE of a/b and c/d is A2 with flags 0010 and length-prefixed filters") {
    const std::array<std::string_view, 2> filters{"a/b", "c/d"};
    CHECK(hex(encode_vec(Unsubscribe{2, filters})) ==
          hex(bytes({0xA2, 0x0C, 0x00, 0x02, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x03, 'c', '/', 'd'})));
}

TEST_CASE("Remaining length uses the spec table's 1..4 byte encodings at every boundary") {
    struct Row { std::uint32_t value; const char* hex; };
    const Row rows[] = {{0, "00"},           {127, "7f"},           {128, "8001"},           {16383, "ff7f"},
                        {16384, "808001"},   {2097151, "ffff7f"},   {2097152, "80808001"},   {268435455, "ffffff7f"}};
    for (const Row& r : rows) {
        std::array<std::byte, 4> out{};
        SpanWriter w(out);
        detail::put_remaining_length(w, r.value);
        INFO(r.value);
        CHECK(hex(w.written()) == r.hex);
        // and the parser reads it back
        ByteVec frame = concat({bytes({0x30}), ByteVec(w.written().begin(), w.written().end())});
        auto h = parse_fixed_header(frame);
        REQUIRE(h.ok());
        CHECK(h->remaining_length == r.value);
        CHECK(h->header_size == 1 + w.size());
    }
}

TEST_CASE("encode_publish_header plus the caller's payload equals the whole PUBLISH") {
    ByteVec payload(300, std::byte{0x42});
    const Publish p{"sensors/1", payload, QoS::at_least_once, false, false, 99};
    std::array<std::byte, 32> head{};
    SpanWriter w(head);
    REQUIRE(encode_publish_header(w, p).ok());
    ByteVec joined(w.written().begin(), w.written().end());
    joined.insert(joined.end(), payload.begin(), payload.end());
    CHECK(joined == encode_vec(p));
    // remaining length 2 + 9 + 2 + 300 = 313 = 0xB9 0x02
    CHECK(hex(w.written()) == "32b902000973656e736f72732f310063");
}

TEST_CASE("A span too small is Error::buffer_too_small at every size and nothing past it is written") {
    const ByteVec payload = bytes_of("payload");
    const std::array<TopicSubscription, 2> subs{{{"a/b", QoS::at_least_once}, {"c/#", QoS::at_most_once}}};
    Connect c;
    c.client_id = "client";
    c.username = "user";
    const Packet packets[] = {Packet(c), Packet(Publish{"t/x", payload, QoS::at_least_once, false, false, 3}),
                              Packet(Subscribe{5, subs}), Packet(Puback{1}), Packet(Pingreq{})};
    for (const Packet& p : packets) {
        const std::size_t need = encoded_size(p);
        REQUIRE(need > 0);
        for (std::size_t size = 0; size < need; ++size) {
            ByteVec storage(need + 8, std::byte{0xEE});
            auto r = encode_to(std::span<std::byte>(storage.data(), size), p);
            REQUIRE_FALSE(r.ok());
            CHECK(r.error() == Error::buffer_too_small);
            for (std::size_t i = size; i < storage.size(); ++i) REQUIRE(storage[i] == std::byte{0xEE});
        }
        ByteVec exact(need);
        auto r = encode_to(exact, p);
        REQUIRE(r.ok());
        CHECK(*r == need);
    }
}

TEST_CASE("CountingSink gives the exact size without writing") {
    ByteVec payload(1000);
    CountingSink c;
    REQUIRE(encode(c, Publish{"abc", payload}).ok());
    CHECK(c.size() == 1 + 2 + 2 + 3 + 1000);
}

TEST_CASE("Encoder refuses PUBLISH topics that break 4.7 and the UTF-8 rules") {
    const ByteVec none;
    CHECK(encode_error(Publish{"", none}) == Error::invalid_topic_name);
    CHECK(encode_error(Publish{"a/+", none}) == Error::invalid_topic_name);
    CHECK(encode_error(Publish{"a/#", none}) == Error::invalid_topic_name);
    CHECK(encode_error(Publish{std::string_view("a\0b", 3), none}) == Error::utf8_null_character);
    CHECK(encode_error(Publish{"a\xC0\x80", none}) == Error::malformed_utf8);
    const std::string long_topic(65536, 'a');
    CHECK(encode_error(Publish{long_topic, none}) == Error::string_too_long);
    const std::string max_topic(65535, 'a');
    CHECK(encode_error(Publish{max_topic, none}) == Error{});
}

TEST_CASE("Encoder refuses PUBLISH QoS 3, packet id 0 at QoS 1/2 and DUP at QoS 0") {
    const ByteVec none;
    CHECK(encode_error(Publish{"t", none, static_cast<QoS>(3), false, false, 1}) == Error::bad_qos);
    CHECK(encode_error(Publish{"t", none, QoS::at_least_once, false, false, 0}) == Error::zero_packet_id);
    CHECK(encode_error(Publish{"t", none, QoS::exactly_once, false, false, 0}) == Error::zero_packet_id);
    CHECK(encode_error(Publish{"t", none, QoS::at_most_once, false, true, 0}) == Error::bad_fixed_header_flags);
    std::array<std::byte, 16> out{};
    SpanWriter w(out);
    CHECK(encode_publish_header(w, Publish{"t/#", none}).error() == Error::invalid_topic_name);
}

TEST_CASE("Encoder refuses a PUBLISH whose body exceeds 268,435,455 bytes") {
    // The payload is never read when the size check fails: the span only
    // needs to report its size (no 256 MiB allocation in a unit test).
    static const std::byte tiny[1]{};
    const Bytes huge(tiny, std::size_t{268435455});
    CHECK(encode_error(Publish{"t", huge}) == Error::remaining_length_too_large);
    CHECK(encoded_size(Publish{"t", huge}) == 0);
}

TEST_CASE("Encoder refuses inconsistent CONNECT fields") {
    const ByteVec pw = bytes_of("pw");
    const ByteVec none;
    Connect c;
    c.client_id = "id";
    c.password = Bytes(pw);
    CHECK(encode_error(c) == Error::bad_connect_flags); // password without username [MQTT-3.1.2-22]
    c.username = "u";
    CHECK(encode_error(c) == Error{});

    Connect w;
    w.client_id = "id";
    w.will = Will{"t", none, static_cast<QoS>(3), false};
    CHECK(encode_error(w) == Error::bad_qos);
    w.will = Will{"t/+", none, QoS::at_most_once, false};
    CHECK(encode_error(w) == Error::invalid_topic_name);
    w.will = Will{"", none, QoS::at_most_once, false};
    CHECK(encode_error(w) == Error::invalid_topic_name);

    Connect e;
    e.client_id = "";
    e.clean_session = false;
    CHECK(encode_error(e) == Error::client_id_requires_clean_session);

    Connect u;
    u.client_id = "\xED\xA0\x80"; // surrogate U+D800
    CHECK(encode_error(u) == Error::malformed_utf8);
    u.client_id = "ok";
    u.username = std::string_view("a\0", 2);
    CHECK(encode_error(u) == Error::utf8_null_character);

    const std::string long_id(65536, 'i');
    Connect l;
    l.client_id = long_id;
    CHECK(encode_error(l) == Error::string_too_long);
    const ByteVec long_pw(65536);
    Connect p;
    p.client_id = "id";
    p.username = "u";
    p.password = Bytes(long_pw);
    CHECK(encode_error(p) == Error::string_too_long);
    Connect wp;
    wp.client_id = "id";
    wp.will = Will{"t", long_pw, QoS::at_most_once, false};
    CHECK(encode_error(wp) == Error::string_too_long);
}

TEST_CASE("Encoder refuses a CONNACK code above 5") {
    CHECK(encode_error(Connack{false, static_cast<ConnackCode>(6)}) == Error::bad_connack_code);
}

TEST_CASE("Encoder refuses a refusing CONNACK with Session Present set, as the decoder does") {
    // [MQTT-3.2.2-4]: a non-zero return code goes with Session Present 0.
    for (unsigned code = 1; code <= 5; ++code) {
        INFO(code);
        CHECK(encode_error(Connack{true, static_cast<ConnackCode>(code)}) == Error::connack_refused_session_present);
        CHECK(encode_error(Connack{false, static_cast<ConnackCode>(code)}) == Error{});
    }
    CHECK(encode_error(Connack{true, ConnackCode::accepted}) == Error{});
}

TEST_CASE("Encoder refuses packet id 0 in every acknowledgement") {
    CHECK(encode_error(Puback{0}) == Error::zero_packet_id);
    CHECK(encode_error(Pubrec{0}) == Error::zero_packet_id);
    CHECK(encode_error(Pubrel{0}) == Error::zero_packet_id);
    CHECK(encode_error(Pubcomp{0}) == Error::zero_packet_id);
    CHECK(encode_error(Unsuback{0}) == Error::zero_packet_id);
}

TEST_CASE("Encoder refuses a SUBSCRIBE that is empty, has id 0, a bad filter or QoS 3") {
    const std::array<TopicSubscription, 1> ok{{{"a/b", QoS::at_least_once}}};
    CHECK(encode_error(Subscribe{0, ok}) == Error::zero_packet_id);
    CHECK(encode_error(Subscribe{1, {}}) == Error::empty_subscribe);
    const std::array<TopicSubscription, 2> bad_filter{{{"a/b", QoS::at_least_once}, {"a/b#", QoS::at_most_once}}};
    CHECK(encode_error(Subscribe{1, bad_filter}) == Error::invalid_topic_filter);
    const std::array<TopicSubscription, 1> empty_filter{{{"", QoS::at_most_once}}};
    CHECK(encode_error(Subscribe{1, empty_filter}) == Error::invalid_topic_filter);
    const std::array<TopicSubscription, 1> bad_qos{{{"a", static_cast<QoS>(3)}}};
    CHECK(encode_error(Subscribe{1, bad_qos}) == Error::bad_qos);
}

TEST_CASE("Encoder refuses a SUBACK that is empty, has id 0 or an undefined code") {
    const std::array<SubackCode, 1> ok{SubackCode::granted_qos1};
    CHECK(encode_error(Suback{0, ok}) == Error::zero_packet_id);
    CHECK(encode_error(Suback{1, {}}) == Error::bad_remaining_length);
    const std::array<SubackCode, 2> bad{SubackCode::granted_qos1, static_cast<SubackCode>(0x81)};
    CHECK(encode_error(Suback{1, bad}) == Error::bad_suback_code);
    const std::array<SubackCode, 1> three{static_cast<SubackCode>(3)};
    CHECK(encode_error(Suback{1, three}) == Error::bad_suback_code);
}

TEST_CASE("Encoder refuses an UNSUBSCRIBE that is empty, has id 0 or a bad filter") {
    const std::array<std::string_view, 1> ok{"a"};
    CHECK(encode_error(Unsubscribe{0, ok}) == Error::zero_packet_id);
    CHECK(encode_error(Unsubscribe{1, {}}) == Error::empty_unsubscribe);
    const std::array<std::string_view, 1> bad{"+a"};
    CHECK(encode_error(Unsubscribe{1, bad}) == Error::invalid_topic_filter);
}
