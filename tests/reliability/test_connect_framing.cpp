// Hostile-broker scenarios, part 1: the CONNECT/CONNACK exchange, broken
// framing, oversize packets, slow and silent brokers, dead links.
#include "rig.hpp"

using namespace rel;
using alimqtt::Error;
using alimqtt::EventKind;
using alimqtt::QoS;

namespace {

/// A broker that answers CONNECT with `reply` and then waits for the client
/// to hang up; the blocking connect() must return `expected`.
void connect_refused_scenario(const Wire& reply, Error expected) {
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.expect(CONNECT);
        l.send(reply);
        l.expect_close();
    });
    auto r = rig.connect();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == expected);
    CHECK_FALSE(rig.client.connected());
    CHECK(rig.seen.count(EventKind::connected) == 0);
    CHECK(rig.seen.first(EventKind::disconnected).error == expected);
    CHECK(rig.broker.finish() == "");
    CHECK(seconds(rig.elapsed()) < 3.0);
}
} // namespace

// ---------------------------------------------------------------- CONNACK

TEST_CASE("CONNACK with remaining length 3 fails connect with bad_remaining_length and closes") {
    connect_refused_scenario({0x20, 0x03, 0x00, 0x00, 0x00}, Error::bad_remaining_length);
}

TEST_CASE("CONNACK with reserved acknowledge-flag bits fails connect with connack_reserved_bits") {
    connect_refused_scenario({0x20, 0x02, 0x02, 0x00}, Error::connack_reserved_bits);
}

TEST_CASE("CONNACK with session-present on a clean session is a protocol error, not a silent success") {
    // [MQTT-3.2.2-1]: a server accepting CleanSession=1 must answer Session
    // Present 0. Trusting the 1 would skip re-subscribing and lose every filter.
    connect_refused_scenario(connack(true, 0), Error::protocol_error);
}

TEST_CASE("CONNACK codes 1 to 5 are reported as their own refused_* error") {
    // 3.2.2.3, Table 3.1: one named Error per return code.
    struct Refusal {
        std::uint8_t code;
        Error expected;
    };
    for (const Refusal& r : {Refusal{1, Error::refused_protocol_version}, Refusal{2, Error::refused_identifier_rejected},
                             Refusal{3, Error::refused_server_unavailable}, Refusal{4, Error::refused_bad_credentials},
                             Refusal{5, Error::refused_not_authorized}}) {
        // A section each: every code gets its own broker and run, as its own test case did.
        DYNAMIC_SECTION("CONNACK code " << int{r.code}) { connect_refused_scenario(connack(false, r.code), r.expected); }
    }
}

TEST_CASE("CONNACK code 6 is reported as bad_connack_code") {
    connect_refused_scenario(connack(false, 6), Error::bad_connack_code);
}

TEST_CASE("a refusing CONNACK with session-present set is connack_refused_session_present") {
    // [MQTT-3.2.2-4]: a non-zero return code MUST come with Session Present 0.
    // A broker that breaks it is not trusted for the refusal code either.
    connect_refused_scenario({0x20, 0x02, 0x01, 0x04}, Error::connack_refused_session_present);
}

TEST_CASE("a PUBLISH before the CONNACK is a protocol error") {
    connect_refused_scenario(publish("t/early", "x"), Error::protocol_error);
}

TEST_CASE("a broker that closes right after CONNECT fails connect with connection_closed") {
    Rig rig([](FakeBroker& b) {
        Link l = b.accept();
        l.expect(CONNECT);
        l.close();
    });
    auto r = rig.connect();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::connection_closed);
    CHECK_FALSE(rig.client.connected());
    CHECK(rig.broker.finish() == "");
    CHECK(seconds(rig.elapsed()) < 3.0);
}

TEST_CASE("a broker that never sends CONNACK fails connect with connack_timeout at the deadline") {
    Rig rig([](FakeBroker& b) {
        Link l = b.accept();
        l.expect(CONNECT);
        l.expect_close(5s);
    });
    REQUIRE(rig.open());
    alimqtt::Connect c;
    c.client_id = "rel-client";
    const auto t0 = Clock::now();
    auto r = rig.client.connect(c, 500ms);
    const auto took = Clock::now() - t0;
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::connack_timeout);
    CHECK(took >= 499ms); // the session counts whole milliseconds, rounding down
    CHECK(seconds(took) < 2.5);
    CHECK_FALSE(rig.client.connected());
    CHECK(rig.broker.finish() == "");
}

TEST_CASE("a second CONNACK while connected is unexpected_packet and closes the connection") {
    fatal_after_connect_scenario(connack(false, 0), Error::unexpected_packet);
}

// ---------------------------------------------------------------- framing

TEST_CASE("a truncated PUBLISH followed by close ends with connection_closed and no delivery") {
    const Wire whole = publish("t/cut", "0123456789");
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        l.grant_subscribe();
        l.send(Wire(whole.begin(), whole.begin() + 7));
        l.close();
    });
    REQUIRE(rig.connect().ok());
    REQUIRE(rig.client.subscribe("t/#", QoS::at_least_once, rig.handler()).ok());
    const auto s = rig.client.run_for(5s);
    CHECK(s.error() == Error::connection_closed);
    CHECK_FALSE(rig.client.connected());
    CHECK(rig.seen.handled.empty());
    CHECK(rig.broker.finish() == "");
    CHECK(seconds(rig.elapsed()) < 3.0);
}

TEST_CASE("a remaining length with a 5th continuation byte is malformed_remaining_length") {
    fatal_after_connect_scenario({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00}, Error::malformed_remaining_length);
}

TEST_CASE("a packet larger than the receive buffer is reported, skipped, and the stream stays in step") {
    const std::string big(2000, 'B'); // RelConfig::rx_buffer_size is 512
    const Wire oversize = publish("t/big", big, 1, 7);
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        l.grant_subscribe();
        l.send(oversize + publish("t/after", "intact"));
        l.expect(DISCONNECT);
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    REQUIRE(rig.client.subscribe("t/#", QoS::at_least_once, rig.handler()).ok());
    REQUIRE(rig.pump_until([&] { return rig.seen.handled.size() == 1; }));
    const auto e = rig.seen.first(EventKind::oversize_packet);
    CHECK(e.kind == EventKind::oversize_packet);
    CHECK(e.size == oversize.size());
    CHECK(rig.seen.handled[0].topic == "t/after");
    CHECK(rig.seen.handled[0].payload == "intact");
    CHECK(rig.client.connected());
    CHECK(rig.client.disconnect().ok());
    CHECK(rig.broker.finish() == "");
    CHECK(seconds(rig.elapsed()) < 3.0);
}

TEST_CASE("a 256 MB remaining-length claim is skipped without allocating and the close is reported") {
    // 0xFF 0xFF 0xFF 0x7F = 268,435,455, the largest length MQTT can express (2.2.3).
    const Wire claim = Wire{0x30, 0xFF, 0xFF, 0xFF, 0x7F} + Wire(4096, 0xAB);
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        l.grant_subscribe();
        l.send(claim);
        l.close();
    });
    REQUIRE(rig.connect().ok());
    REQUIRE(rig.client.subscribe("#", QoS::at_most_once, rig.handler()).ok());
    const auto s = rig.client.run_for(5s);
    CHECK(s.error() == Error::connection_closed);
    const auto e = rig.seen.first(EventKind::oversize_packet);
    CHECK(e.kind == EventKind::oversize_packet);
    CHECK(e.size == 268'435'455u + 5u);
    CHECK(rig.seen.handled.empty());
    CHECK(rig.broker.finish() == "");
    CHECK(seconds(rig.elapsed()) < 3.0);
}

TEST_CASE("3000 QoS 0 PUBLISHes in one burst far larger than the receive buffer all arrive in order") {
    constexpr int n = 3000;
    Wire burst;
    for (int i = 0; i < n; ++i) burst += publish("burst/" + std::to_string(i % 10), "m" + std::to_string(i));
    REQUIRE(burst.size() > 40 * RelConfig::rx_buffer_size);
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        l.grant_subscribe();
        l.send(burst);
        l.expect(DISCONNECT);
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    REQUIRE(rig.client.subscribe("burst/+", QoS::at_most_once, rig.handler()).ok());
    REQUIRE(rig.pump_until([&] { return rig.seen.handled.size() >= n; }, 20s));
    REQUIRE(rig.seen.handled.size() == n);
    bool in_order = true;
    for (int i = 0; i < n; ++i)
        in_order = in_order && rig.seen.handled[i].payload == "m" + std::to_string(i) &&
                   rig.seen.handled[i].topic == "burst/" + std::to_string(i % 10);
    CHECK(in_order);
    CHECK(rig.client.disconnect().ok());
    CHECK(rig.broker.finish() == "");
    CHECK(seconds(rig.elapsed()) < 20.0);
}

TEST_CASE("1000 QoS 1 PUBLISHes in one burst are each delivered once and acknowledged in order") {
    constexpr unsigned n = 1000;
    Wire burst;
    for (unsigned i = 1; i <= n; ++i) burst += publish("q1/x", "p" + std::to_string(i), 1, i);
    std::vector<unsigned> acked;
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        l.grant_subscribe();
        l.send(burst);
        for (unsigned i = 1; i <= n; ++i) {
            acked.push_back(l.expect(PUBACK).packet_id());
            b.progress = static_cast<int>(i);
        }
        l.expect(DISCONNECT);
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    REQUIRE(rig.client.subscribe("q1/#", QoS::at_least_once, rig.handler()).ok());
    REQUIRE(rig.pump_until([&] { return rig.broker.progress.load() == static_cast<int>(n); }, 20s));
    CHECK(rig.client.disconnect().ok());
    REQUIRE(rig.broker.finish() == "");
    REQUIRE(rig.seen.handled.size() == n);
    bool ordered = true;
    for (unsigned i = 0; i < n; ++i) ordered = ordered && acked[i] == i + 1 && rig.seen.handled[i].packet_id == i + 1;
    CHECK(ordered);
    CHECK(seconds(rig.elapsed()) < 20.0);
}

// ---------------------------------------------------------------- slow and silent brokers

TEST_CASE("a PUBLISH trickled one byte per 100 ms is delivered once, intact") {
    const Wire slow = publish("t/slow", "hello");
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        l.grant_subscribe();
        l.trickle(slow, 100ms);
        l.expect(DISCONNECT);
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    REQUIRE(rig.client.subscribe("t/#", QoS::at_most_once, rig.handler()).ok());
    const auto t0 = Clock::now();
    REQUIRE(rig.pump_until([&] { return !rig.seen.handled.empty(); }, 10s));
    CHECK(Clock::now() - t0 >= (slow.size() - 1) * 100ms);
    CHECK(rig.client.run_for(150ms).ok()); // nothing more arrives, the link stays up
    REQUIRE(rig.seen.handled.size() == 1);
    CHECK(rig.seen.handled[0].topic == "t/slow");
    CHECK(rig.seen.handled[0].payload == "hello");
    CHECK(rig.client.disconnect().ok());
    CHECK(rig.broker.finish() == "");
    CHECK(seconds(rig.elapsed()) < 5.0);
}

TEST_CASE("a broker that goes silent mid-packet is a dead link after 1.5 x keepalive") {
    const Wire whole = publish("t/half", "never completed");
    Clock::time_point ping_at{};
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        l.send(Wire(whole.begin(), whole.begin() + 4));
        ping_at = l.expect(PINGREQ, 3s).at; // the client keeps trying
        l.expect_close(3s, {PINGREQ});
    });
    const auto t0 = Clock::now();
    REQUIRE(rig.connect(1).ok());
    const auto s = rig.client.run_for(10s);
    const auto took = Clock::now() - t0;
    CHECK(s.error() == Error::keepalive_timeout);
    CHECK(took >= 1499ms); // the session counts whole milliseconds, rounding down
    CHECK(seconds(took) < 3.0);
    CHECK(rig.seen.count(EventKind::message) == 0);
    CHECK(rig.broker.finish() == "");
    CHECK(ping_at - t0 >= 999ms);
}

TEST_CASE("a broker that never answers PINGREQ is a dead link after 1.5 x keepalive") {
    Clock::time_point ping_at{};
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        ping_at = l.expect(PINGREQ, 3s).at;
        l.expect_close(3s, {PINGREQ});
    });
    const auto t0 = Clock::now();
    REQUIRE(rig.connect(1).ok());
    const auto s = rig.client.run_for(10s);
    const auto took = Clock::now() - t0;
    CHECK(s.error() == Error::keepalive_timeout);
    CHECK(took >= 1499ms); // the session counts whole milliseconds, rounding down
    CHECK(seconds(took) < 3.0);
    CHECK_FALSE(rig.client.connected());
    CHECK(rig.broker.finish() == "");
    CHECK(ping_at - t0 >= 999ms);
    CHECK(ping_at - t0 < 1500ms);
}

TEST_CASE("a broker that answers every PINGREQ keeps an idle link up") {
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        for (;;) {
            Frame f = std::get<Frame>(l.next(5s));
            if (f.type() == DISCONNECT) break;
            if (f.type() != PINGREQ) throw BrokerFailure("expected PINGREQ or DISCONNECT");
            b.progress++;
            l.send(pingresp());
        }
        l.expect_close();
    });
    REQUIRE(rig.connect(1).ok());
    CHECK(rig.client.run_for(2600ms).ok());
    CHECK(rig.client.connected());
    CHECK(rig.client.disconnect().ok());
    CHECK(rig.broker.finish() == "");
    CHECK(rig.broker.progress.load() >= 2);
}

// ---------------------------------------------------------------- server-only / client-only packets

TEST_CASE("a server-sent PINGREQ is unexpected_packet") {
    fatal_after_connect_scenario(pingreq(), Error::unexpected_packet);
}

TEST_CASE("a server-sent SUBSCRIBE is unexpected_packet") {
    fatal_after_connect_scenario(subscribe_packet(5, "a/b", 1), Error::unexpected_packet);
}

TEST_CASE("a server-sent UNSUBSCRIBE is unexpected_packet") {
    fatal_after_connect_scenario(unsubscribe_packet(5, "a/b"), Error::unexpected_packet);
}

TEST_CASE("a server-sent CONNECT is unexpected_packet") {
    fatal_after_connect_scenario(connect_packet("intruder"), Error::unexpected_packet);
}

TEST_CASE("a server-sent DISCONNECT is unexpected_packet") {
    fatal_after_connect_scenario({0xE0, 0x00}, Error::unexpected_packet);
}

TEST_CASE("a reserved packet type 15 is bad_packet_type") {
    fatal_after_connect_scenario({0xF0, 0x00}, Error::bad_packet_type);
}
