// alimqtt/fmt.hpp: every packet, code and error prints as the one-line form
// the README and the logs promise, both for caller-built and decoded packets.
#include "catch.hpp"

#include <alimqtt/alimqtt.hpp>
#include <alimqtt/fmt.hpp>

// The formatters must stay unambiguous when the user also pulls in fmt's
// generic range and std::variant formatters.
#include <fmt/ranges.h>
#include <fmt/std.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

using namespace alimqtt;

namespace {

Bytes text_bytes(std::string_view s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }

template <std::size_t N>
std::array<std::byte, N> wire(const unsigned char (&b)[N]) {
    std::array<std::byte, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = std::byte{b[i]};
    return out;
}

} // namespace

TEST_CASE("PUBLISH QoS 1 prints id, flags, quoted topic and payload size") {
    const Publish p{"a/b", text_bytes("hello world!"), QoS::at_least_once, false, false, 7};
    CHECK(fmt::format("{}", p) == R"(PUBLISH(id=7, qos=1, dup=0, retain=0, topic="a/b", 12 bytes))");
}

TEST_CASE("PUBLISH QoS 0 has no packet id in its form") {
    const Publish p{"t", text_bytes(""), QoS::at_most_once, true, false, 0};
    CHECK(fmt::format("{}", p) == R"(PUBLISH(qos=0, dup=0, retain=1, topic="t", 0 bytes))");
}

TEST_CASE("{:p} previews the payload, escaping control bytes and keeping UTF-8 text") {
    const Publish p{"/pk/dn/user/update", text_bytes("你好！\n\"x\""), QoS::exactly_once, false, true, 65535};
    CHECK(fmt::format("{:p}", p) ==
          "PUBLISH(id=65535, qos=2, dup=1, retain=0, topic=\"/pk/dn/user/update\", 13 bytes, "
          "payload=\"你好！\\n\\\"x\\\"\")");
}

TEST_CASE("{:pN} cuts the preview at a character boundary and marks the cut") {
    const Publish p{"t", text_bytes("你好！"), QoS::at_most_once, false, false, 0};
    // 4 bytes would split the second character (3 bytes each): only the first is shown.
    CHECK(fmt::format("{:p4}", p) == "PUBLISH(qos=0, dup=0, retain=0, topic=\"t\", 9 bytes, payload=\"你\"...)");
    CHECK(fmt::format("{:p0}", p) == "PUBLISH(qos=0, dup=0, retain=0, topic=\"t\", 9 bytes, payload=\"\"...)");
}

TEST_CASE("binary payloads are previewed as \\x escapes") {
    const auto bin = wire({0x00, 0xff, 0x41, 0x7f});
    const Publish p{"t", bin, QoS::at_most_once, false, false, 0};
    CHECK(fmt::format("{:p}", p) ==
          R"(PUBLISH(qos=0, dup=0, retain=0, topic="t", 4 bytes, payload="\x00\xffA\x7f"))");
}

TEST_CASE("CONNECT shows credentials' presence but never the password") {
    Connect c;
    c.client_id = "a1B2c3D4e5F.pico-w-001|securemode=2,signmethod=hmacsha256,timestamp=1700000000000|";
    c.keepalive_s = 300;
    c.clean_session = true;
    c.username = "pico-w-001&a1B2c3D4e5F";
    const std::string_view secret = "faa66d81fb04681b73a10217ee84049af76eb475a32069047e26f9f27152d89c";
    c.password = text_bytes(secret);
    const auto s = fmt::format("{:p}", c);
    CHECK(s == "CONNECT(client_id=\"a1B2c3D4e5F.pico-w-001|securemode=2,signmethod=hmacsha256,"
               "timestamp=1700000000000|\", keepalive=300, clean=1, username=\"pico-w-001&a1B2c3D4e5F\", "
               "password=64 bytes)");
    CHECK(s.find("faa66d") == std::string::npos);
}

TEST_CASE("CONNECT with a will prints the will, with its payload under {:p}") {
    Connect c;
    c.client_id = "c";
    c.clean_session = false;
    c.will = Will{"dev/status", text_bytes("offline"), QoS::at_least_once, true};
    CHECK(fmt::format("{}", c) ==
          R"(CONNECT(client_id="c", keepalive=60, clean=0, will=(topic="dev/status", qos=1, retain=1, 7 bytes)))");
    CHECK(fmt::format("{:p}", c) ==
          R"(CONNECT(client_id="c", keepalive=60, clean=0, will=(topic="dev/status", qos=1, retain=1, 7 bytes, payload="offline")))");
}

TEST_CASE("CONNACK prints session present and the return code by meaning") {
    CHECK(fmt::format("{}", Connack{false, ConnackCode::accepted}) == "CONNACK(session_present=0, code=0 (accepted))");
    CHECK(fmt::format("{}", Connack{true, ConnackCode::bad_username_or_password}) ==
          "CONNACK(session_present=1, code=4 (bad user name or password))");
    CHECK(fmt::format("{}", ConnackCode::unacceptable_protocol_version) == "1 (unacceptable protocol version)");
    CHECK(fmt::format("{}", ConnackCode::identifier_rejected) == "2 (identifier rejected)");
    CHECK(fmt::format("{}", ConnackCode::server_unavailable) == "3 (server unavailable)");
    CHECK(fmt::format("{}", ConnackCode::not_authorized) == "5 (not authorized)");
    CHECK(fmt::format("{}", static_cast<ConnackCode>(6)) == "6 (invalid)");
}

TEST_CASE("the id-only and empty packets print their spec names") {
    CHECK(fmt::format("{}", Puback{1}) == "PUBACK(id=1)");
    CHECK(fmt::format("{}", Pubrec{2}) == "PUBREC(id=2)");
    CHECK(fmt::format("{}", Pubrel{3}) == "PUBREL(id=3)");
    CHECK(fmt::format("{}", Pubcomp{4}) == "PUBCOMP(id=4)");
    CHECK(fmt::format("{}", Unsuback{5}) == "UNSUBACK(id=5)");
    CHECK(fmt::format("{}", Pingreq{}) == "PINGREQ");
    CHECK(fmt::format("{}", Pingresp{}) == "PINGRESP");
    CHECK(fmt::format("{}", Disconnect{}) == "DISCONNECT");
}

TEST_CASE("SUBSCRIBE and UNSUBSCRIBE list their filters in order") {
    const std::array subs{TopicSubscription{"a/b", QoS::at_least_once}, TopicSubscription{"c/#", QoS::at_most_once}};
    CHECK(fmt::format("{}", Subscribe{3, subs}) == R"(SUBSCRIBE(id=3, ["a/b" qos=1, "c/#" qos=0]))");
    const std::array<std::string_view, 2> filters{"a/b", "c/#"};
    CHECK(fmt::format("{}", Unsubscribe{4, filters}) == R"(UNSUBSCRIBE(id=4, ["a/b", "c/#"]))");
}

TEST_CASE("a decoded SUBACK with a refused filter prints granted and refused codes") {
    // SUBACK, remaining length 4, packet id 3, codes 0x01 and 0x80 (3.9).
    const auto frame = wire({0x90, 0x04, 0x00, 0x03, 0x01, 0x80});
    const auto r = decode_packet(frame);
    REQUIRE(r.ok());
    CHECK(fmt::format("{}", *r) == "SUBACK(id=3, [granted QoS 1, refused 0x80])");
    const Suback& s = std::get<Suback>(*r);
    CHECK(fmt::format("{}", s.codes) == "[granted QoS 1, refused 0x80]");
}

TEST_CASE("a decoded SUBSCRIBE prints the filters viewed in the wire bytes") {
    // SUBSCRIBE, id 10, "a/b" QoS 1, "c" QoS 0 (3.8).
    const auto frame = wire({0x82, 0x0c, 0x00, 0x0a, 0x00, 0x03, 'a', '/', 'b', 0x01, 0x00, 0x01, 'c', 0x00});
    const auto r = decode_packet(frame);
    REQUIRE(r.ok());
    CHECK(fmt::format("{}", *r) == R"(SUBSCRIBE(id=10, ["a/b" qos=1, "c" qos=0]))");
}

TEST_CASE("a decoded UNSUBSCRIBE prints its filters") {
    // UNSUBSCRIBE, id 2, "s/+" and "#" (3.10).
    const auto frame = wire({0xa2, 0x0a, 0x00, 0x02, 0x00, 0x03, 's', '/', '+', 0x00, 0x01, '#'});
    const auto r = decode_packet(frame);
    REQUIRE(r.ok());
    CHECK(fmt::format("{}", *r) == R"(UNSUBSCRIBE(id=2, ["s/+", "#"]))");
}

TEST_CASE("the Packet variant prints whichever packet it holds and passes {:p} on") {
    const Packet p = Publish{"x", text_bytes("on"), QoS::at_least_once, false, false, 9};
    CHECK(fmt::format("{}", p) == R"(PUBLISH(id=9, qos=1, dup=0, retain=0, topic="x", 2 bytes))");
    CHECK(fmt::format("{:p}", p) == R"(PUBLISH(id=9, qos=1, dup=0, retain=0, topic="x", 2 bytes, payload="on"))");
    CHECK(fmt::format("{}", Packet{Pingresp{}}) == "PINGRESP");
}

TEST_CASE("codes and small enums print compactly") {
    CHECK(fmt::format("{}", QoS::at_most_once) == "0");
    CHECK(fmt::format("{}", QoS::exactly_once) == "2");
    CHECK(fmt::format("{}", static_cast<QoS>(3)) == "QoS(3)");
    CHECK(fmt::format("{}", PacketType::unsubscribe) == "UNSUBSCRIBE");
    CHECK(fmt::format("{}", static_cast<PacketType>(15)) == "PacketType(15)");
    CHECK(fmt::format("{}", SubackCode::granted_qos0) == "granted QoS 0");
    CHECK(fmt::format("{}", SubackCode::failure) == "refused 0x80");
    CHECK(fmt::format("{}", static_cast<SubackCode>(3)) == "invalid 0x03");
}

TEST_CASE("Error prints its to_string text and honours width and alignment") {
    CHECK(fmt::format("{}", Error::subscription_refused) == "subscription refused by the broker (SUBACK 0x80)");
    CHECK(fmt::format("[{:>10}]", Error::timeout) == "[ timed out]");
    CHECK(fmt::format("{}", Status{}) == "ok");
    CHECK(fmt::format("{}", Status{Error::refused_bad_credentials}) ==
          "connection refused: bad user name or password (CONNACK 4)");
}

TEST_CASE("topics with quotes, backslashes and invalid UTF-8 are escaped, not printed raw") {
    const std::string_view topic("a\"b\\c\xff", 6);
    const Publish p{topic, {}, QoS::at_most_once, false, false, 0};
    CHECK(fmt::format("{}", p) == R"(PUBLISH(qos=0, dup=0, retain=0, topic="a\"b\\c\xff", 0 bytes))");
}

TEST_CASE("session events print their kind and what they carry") {
    Event e;
    CHECK(fmt::format("{}", e) == "none");
    e.kind = EventKind::connected;
    e.session_present = true;
    CHECK(fmt::format("{}", e) == "connected(session_present=1)");
    e = Event{};
    e.kind = EventKind::disconnected;
    e.error = Error::keepalive_timeout;
    CHECK(fmt::format("{}", e) == "disconnected(dead link: no answer within the keepalive bound)");
    e.error = Error{};
    CHECK(fmt::format("{}", e) == "disconnected()");
    e = Event{};
    e.kind = EventKind::subscribed;
    e.packet_id = 1;
    e.filter = "/pk/dn/user/get";
    e.qos = QoS::at_least_once;
    CHECK(fmt::format("{}", e) == R"(subscribed(id=1, filter="/pk/dn/user/get", index=0, qos=1))");
    e.kind = EventKind::subscription_refused;
    e.index = 1;
    e.error = Error::subscription_refused;
    CHECK(fmt::format("{}", e) == R"(subscription_refused(id=1, filter="/pk/dn/user/get", index=1))");
    e = Event{};
    e.kind = EventKind::published;
    e.packet_id = 7;
    CHECK(fmt::format("{}", e) == "published(id=7)");
    e = Event{};
    e.kind = EventKind::oversize_packet;
    e.type = PacketType::publish;
    e.size = 5000;
    CHECK(fmt::format("{}", e) == "oversize_packet(PUBLISH, 5000 bytes)");
}

TEST_CASE("a message event prints its PUBLISH and passes {:p} on") {
    Event e;
    e.kind = EventKind::message;
    e.message = Publish{"t", text_bytes("on"), QoS::at_most_once, false, false, 0};
    CHECK(fmt::format("{}", e) == R"(message(PUBLISH(qos=0, dup=0, retain=0, topic="t", 2 bytes)))");
    CHECK(fmt::format("{:p}", e) == R"(message(PUBLISH(qos=0, dup=0, retain=0, topic="t", 2 bytes, payload="on")))");
}

TEST_CASE("client outcomes, event kinds and directions print compactly") {
    CHECK(fmt::format("{}", EventKind::subscription_timeout) == "subscription_timeout");
    CHECK(fmt::format("{}", static_cast<EventKind>(200)) == "EventKind(200)");
    CHECK(fmt::format("{}", Direction::in) == "in");
    CHECK(fmt::format("{}", Direction::out) == "out");
    CHECK(fmt::format("{}", SubscribeOutcome{QoS::at_least_once, Error{}}) == "granted QoS 1");
    CHECK(fmt::format("{}", SubscribeOutcome{QoS::at_most_once, Error::subscription_refused}) ==
          "subscription refused by the broker (SUBACK 0x80)");
    CHECK(fmt::format("{}", Connected{true}) == "connected(session_present=1)");
}
