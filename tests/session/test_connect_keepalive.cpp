// CONNECT/CONNACK outcomes, packets a server must not send, and keepalive
// (PINGREQ timing, dead-link detection, liveness from any packet).
#include <array>
#include <string>

#include "harness.hpp"

using namespace alimqtt;
using namespace alimqtt::test;

TEST_CASE("CONNECT goes out as written in the spec and CONNACK 0 connects") {
    Harness<> h;
    h.transport.play(connack(false, 0));
    auto r = h.client.connect(connect_params(60));
    REQUIRE(r.ok());
    CHECK_FALSE(r->session_present);
    CHECK(h.client.connected());
    const Frames f = h.sent();
    REQUIRE(f.size() == 1);
    // 3.1: "MQTT", level 4, flags clean session, keepalive 60, client id "dev1".
    CHECK(same(f[0], bytes({0x10, 0x10, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x04, 'd',
                            'e', 'v', '1'})));
}

TEST_CASE("CONNACK return codes 1 to 5 are each reported by name") {
    const std::array<Error, 5> expected{Error::refused_protocol_version, Error::refused_identifier_rejected,
                                        Error::refused_server_unavailable, Error::refused_bad_credentials,
                                        Error::refused_not_authorized};
    for (unsigned code = 1; code <= 5; ++code) {
        CAPTURE(code);
        Harness<> h;
        h.transport.play(connack(false, code));
        auto r = h.client.connect(connect_params());
        REQUIRE_FALSE(r.ok());
        CHECK(r.error() == expected[code - 1]);
        CHECK(to_string(r.error()).find("CONNACK " + std::to_string(code)) != std::string_view::npos);
        CHECK_FALSE(h.client.connected());
        CHECK(h.transport.close_calls == 1);
    }
}

TEST_CASE("no CONNACK before the deadline is connack_timeout at the deadline") {
    Harness<> h;
    const auto start = h.clock.peek();
    auto r = h.client.connect(connect_params(), 3s);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::connack_timeout);
    CHECK(h.clock.peek() - start >= 3s);
    CHECK(h.clock.peek() - start < 4s);
    CHECK_FALSE(h.client.connected());
    // A fresh attempt is allowed afterwards.
    h.transport.play(connack(false, 0));
    CHECK(h.client.connect(connect_params()).ok());
}

TEST_CASE("connect while connected is already_connected") {
    Harness<> h;
    h.connect();
    CHECK(h.client.connect(connect_params()).error() == Error::already_connected);
}

TEST_CASE("a packet other than CONNACK first is a protocol error") {
    Harness<> h;
    h.transport.play(pingresp());
    auto r = h.client.connect(connect_params());
    CHECK(r.error() == Error::protocol_error);
}

TEST_CASE("the transport closing during connect is connection_closed") {
    Harness<> h;
    h.transport.close_when_drained = true;
    CHECK(h.client.connect(connect_params()).error() == Error::connection_closed);
    Harness<> h2;
    h2.transport.recv_error = 104;
    CHECK(h2.client.connect(connect_params()).error() == Error::transport_error);
    CHECK(h2.client.last_transport_error() == 104);
}

TEST_CASE("CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT and a second CONNACK from the server are unexpected_packet") {
    const std::array<Wire, 6> server_must_not_send{
        bytes({0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x00}),
        bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00}),
        bytes({0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 'a'}),
        bytes({0xC0, 0x00}),
        bytes({0xE0, 0x00}),
        connack(false, 0),
    };
    for (const Wire& w : server_must_not_send) {
        CAPTURE(std::to_integer<int>(w.b[0]));
        Harness<> h;
        h.connect();
        h.transport.play(w);
        auto e = h.client.poll();
        REQUIRE(e.ok());
        CHECK(e->kind == EventKind::disconnected);
        CHECK(e->error == Error::unexpected_packet);
        CHECK_FALSE(h.client.connected());
    }
}

TEST_CASE("a malformed packet from the server closes the connection with the codec's error") {
    Harness<> h;
    h.connect();
    h.transport.play(bytes({0x40, 0x03, 0x00, 0x01, 0x00})); // PUBACK must have length 2 (3.4.1)
    auto e = h.client.poll();
    REQUIRE(e.ok());
    CHECK(e->kind == EventKind::disconnected);
    CHECK(e->error == Error::bad_remaining_length);
}

TEST_CASE("PINGREQ is sent when nothing was sent for the keepalive interval") {
    Harness<> h;
    h.connect(false, 10);
    const auto t0 = h.clock.peek();
    h.clock.set(t0 + 9999ms);
    h.drain();
    CHECK(h.transport.sent().empty());
    h.clock.set(t0 + 10s);
    h.drain();
    REQUIRE(same(h.transport.sent(), bytes({0xC0, 0x00})));
    h.transport.clear_sent();
    // Only one PINGREQ while it is outstanding.
    h.clock.set(t0 + 12s);
    h.drain();
    CHECK(h.transport.sent().empty());
    h.transport.play(pingresp());
    h.drain();
    CHECK(h.client.connected());
    // The next one is due a keepalive after the last send/receive.
    h.clock.set(t0 + 19s);
    h.drain();
    CHECK(h.transport.sent().empty());
    h.clock.set(t0 + 22s);
    h.drain();
    CHECK(same(h.transport.sent(), bytes({0xC0, 0x00})));
}

TEST_CASE("sending traffic postpones the PINGREQ") {
    Harness<> h;
    h.connect(false, 10);
    const auto t0 = h.clock.peek();
    h.clock.set(t0 + 8s);
    REQUIRE(h.client.publish("t", "x").ok());
    h.transport.play(publish("t", "echo")); // the broker talks too
    h.drain();
    h.transport.clear_sent();
    h.clock.set(t0 + 17s);
    h.drain();
    CHECK(h.transport.sent().empty());
    h.clock.set(t0 + 18s);
    h.drain();
    CHECK(same(h.transport.sent(), bytes({0xC0, 0x00})));
}

TEST_CASE("a dead link is reported as keepalive_timeout at 1.5 x keepalive without a PINGRESP") {
    Harness<> h;
    h.connect(false, 10);
    const auto t0 = h.clock.peek();
    h.clock.set(t0 + 10s);
    h.drain();
    REQUIRE(same(h.transport.sent(), bytes({0xC0, 0x00})));
    h.clock.set(t0 + 14999ms);
    h.drain();
    CHECK(h.client.connected());
    h.clock.set(t0 + 15s);
    auto e = h.client.poll();
    REQUIRE(e.ok());
    CHECK(e->kind == EventKind::disconnected);
    CHECK(e->error == Error::keepalive_timeout);
    CHECK(h.transport.close_calls == 1);
}

TEST_CASE("any received packet counts as liveness for the dead-link bound") {
    Harness<> h;
    h.connect(false, 10);
    const auto t0 = h.clock.peek();
    h.clock.set(t0 + 10s);
    h.drain(); // PINGREQ, never answered
    h.clock.set(t0 + 14s);
    h.transport.play(publish("x", "alive"));
    h.drain();
    h.clock.set(t0 + 28999ms);
    h.drain();
    CHECK(h.client.connected());
    h.clock.set(t0 + 29s);
    h.drain();
    CHECK_FALSE(h.client.connected());
}

TEST_CASE("run_for keeps the link alive by itself with a waitable transport") {
    Harness<> h;
    h.connect(false, 10);
    const auto t0 = h.clock.peek();
    for (int i = 1; i <= 5; ++i) h.transport.play(pingresp(), t0 + std::chrono::seconds(10 * i) + 100ms);
    REQUIRE(h.client.run_for(55s).ok());
    CHECK(h.client.connected());
    const Frames f = h.sent();
    CHECK(f.size() == 5); // one PINGREQ per keepalive interval
    for (std::size_t i = 0; i < f.size(); ++i) CHECK(f.type(i) == 12);
    CHECK(h.clock.peek() - t0 >= 55s);
}

TEST_CASE("keepalive 0 disables PINGREQ and the dead-link check") {
    Harness<> h;
    h.connect(false, 0);
    h.clock.advance(std::chrono::hours(5));
    h.drain();
    CHECK(h.client.connected());
    CHECK(h.transport.sent().empty());
}

TEST_CASE("disconnect sends DISCONNECT and reports a clean disconnected event") {
    Harness<> h;
    h.connect();
    Error reason = Error::protocol_error;
    h.client.on_event([&reason](const Event& e) {
        if (e.kind == EventKind::disconnected) reason = e.error;
    });
    REQUIRE(h.client.disconnect().ok());
    CHECK(reason == Error{});
    CHECK(same(h.transport.sent(), bytes({0xE0, 0x00})));
    CHECK_FALSE(h.client.connected());
    CHECK(h.client.disconnect().error() == Error::not_connected);
    CHECK(h.client.publish("t", "x").error() == Error::not_connected);
}

TEST_CASE("disconnect that cannot be sent times out and drops the connection") {
    Harness<> h;
    h.connect();
    h.transport.block_send = true;
    CHECK(h.client.disconnect(1s).error() == Error::timeout);
    CHECK_FALSE(h.client.connected());
}
