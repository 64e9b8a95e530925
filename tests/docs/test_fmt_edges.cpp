// alimqtt/fmt.hpp at its edges: every packet type through the Packet
// variant, every event kind, names of out-of-range values, control
// characters in quoted text, and format specs the formatters refuse.
#include "catch.hpp"

#include <alimqtt/alimqtt.hpp>
#include <alimqtt/fmt.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

using namespace alimqtt;

namespace {

Bytes text_bytes(std::string_view s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }

std::string of(const Packet& p) { return fmt::format("{}", p); }

} // namespace

TEST_CASE("every packet type prints in its own form through the Packet variant") {
    const std::array<TopicSubscription, 1> subs{{{"a/b", QoS::at_least_once}}};
    const std::array<std::string_view, 1> filters{"a/b"};
    const std::array<SubackCode, 1> codes{SubackCode::granted_qos1};
    Connect c;
    c.client_id = "id";
    CHECK(of(c) == R"(CONNECT(client_id="id", keepalive=60, clean=1))");
    CHECK(of(Connack{true, ConnackCode::not_authorized}) == "CONNACK(session_present=1, code=5 (not authorized))");
    CHECK(of(Publish{"t", text_bytes("xy"), QoS::at_least_once, false, true, 9}) ==
          R"(PUBLISH(id=9, qos=1, dup=1, retain=0, topic="t", 2 bytes))");
    CHECK(of(Puback{1}) == "PUBACK(id=1)");
    CHECK(of(Pubrec{2}) == "PUBREC(id=2)");
    CHECK(of(Pubrel{3}) == "PUBREL(id=3)");
    CHECK(of(Pubcomp{4}) == "PUBCOMP(id=4)");
    CHECK(of(Subscribe{5, subs}) == R"(SUBSCRIBE(id=5, ["a/b" qos=1]))");
    CHECK(of(Suback{6, codes}) == "SUBACK(id=6, [granted QoS 1])");
    CHECK(of(Unsubscribe{7, filters}) == R"(UNSUBSCRIBE(id=7, ["a/b"]))");
    CHECK(of(Unsuback{8}) == "UNSUBACK(id=8)");
    CHECK(of(Pingreq{}) == "PINGREQ");
    CHECK(of(Pingresp{}) == "PINGRESP");
    CHECK(of(Disconnect{}) == "DISCONNECT");
}

TEST_CASE("every packet type name and every CONNACK meaning is the spec's") {
    const char* names[] = {"CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
                           "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT"};
    for (unsigned t = 1; t <= 14; ++t) CHECK(fmt::format("{}", static_cast<PacketType>(t)) == names[t - 1]);
    CHECK(fmt::format("{}", static_cast<PacketType>(0)) == "PacketType(0)");
    const char* meanings[] = {"0 (accepted)", "1 (unacceptable protocol version)", "2 (identifier rejected)",
                              "3 (server unavailable)", "4 (bad user name or password)", "5 (not authorized)",
                              "6 (invalid)"};
    for (unsigned c = 0; c <= 6; ++c) CHECK(fmt::format("{}", static_cast<ConnackCode>(c)) == meanings[c]);
}

TEST_CASE("every event kind prints its enumerator's name") {
    const char* names[] = {"none", "connected", "disconnected", "message", "subscribed", "subscription_refused",
                           "subscription_timeout", "unsubscribed", "unsubscribe_timeout", "published",
                           "oversize_packet"};
    for (unsigned k = 0; k < std::size(names); ++k) CHECK(fmt::format("{}", static_cast<EventKind>(k)) == names[k]);
    CHECK(fmt::format("{}", static_cast<EventKind>(std::size(names))) == "EventKind(11)");
}

TEST_CASE("unsubscribe and timeout events print the filter and its index, without a QoS") {
    Event e;
    e.packet_id = 3;
    e.filter = "x/#";
    e.index = 2;
    e.kind = EventKind::unsubscribed;
    CHECK(fmt::format("{}", e) == R"(unsubscribed(id=3, filter="x/#", index=2))");
    e.kind = EventKind::unsubscribe_timeout;
    CHECK(fmt::format("{}", e) == R"(unsubscribe_timeout(id=3, filter="x/#", index=2))");
    e.kind = EventKind::subscription_timeout;
    CHECK(fmt::format("{}", e) == R"(subscription_timeout(id=3, filter="x/#", index=2))");
}

TEST_CASE("an event of an unknown kind prints the kind number and its error, if any") {
    Event e;
    e.kind = static_cast<EventKind>(42);
    CHECK(fmt::format("{}", e) == "EventKind(42)");
    e.error = Error::timeout;
    CHECK(fmt::format("{}", e) == "EventKind(42)(timed out)");
}

TEST_CASE("CR, tab, DEL and other control bytes in quoted text are escaped") {
    const Publish p{"a\rb\tc\x7f" "d\x01", {}, QoS::at_most_once, false, false, 0};
    CHECK(fmt::format("{}", p) == R"(PUBLISH(qos=0, dup=0, retain=0, topic="a\rb\tc\x7fd\x01", 0 bytes))");
}

TEST_CASE("a binary payload cut by {:pN} is cut at exactly N bytes") {
    const unsigned char raw[] = {0xff, 0xfe, 0x80, 0x41};
    const Bytes bin{reinterpret_cast<const std::byte*>(raw), sizeof raw};
    const Publish p{"t", bin, QoS::at_most_once, false, false, 0};
    CHECK(fmt::format("{:p2}", p) == R"(PUBLISH(qos=0, dup=0, retain=0, topic="t", 4 bytes, payload="\xff\xfe"...))");
    CHECK(fmt::format("{:p10}", p) == R"(PUBLISH(qos=0, dup=0, retain=0, topic="t", 4 bytes, payload="\xff\xfe\x80A"))");
}

TEST_CASE("a will prints its payload only under {:p}") {
    const Will w{"dev/status", text_bytes("gone"), QoS::at_least_once, true};
    CHECK(fmt::format("{}", w) == R"((topic="dev/status", qos=1, retain=1, 4 bytes))");
    CHECK(fmt::format("{:p}", w) == R"((topic="dev/status", qos=1, retain=1, 4 bytes, payload="gone"))");
}

TEST_CASE("format specs other than {}, {:p} and {:pN} are refused") {
    const Puback ack{1};
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:x}"), ack), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:p1x}"), ack), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:p}"), QoS::at_most_once), fmt::format_error);
    CHECK(fmt::format(fmt::runtime("{:p3}"), ack) == "PUBACK(id=1)");
    // A format string that ends inside the spec: the formatter stops at the
    // end and fmt reports the missing '}'.
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:p"), ack), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:p12"), ack), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:"), QoS::at_most_once), fmt::format_error);
    // Characters on either side of the digits after 'p' are not a limit.
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:p+}"), ack), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:p:}"), ack), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:p1+}"), ack), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:p1:}"), ack), fmt::format_error);
}
