// The sans-I/O Session driven by hand (bytes in, bytes out, time as a number),
// and the Client's behaviour when the link drops in the middle of a call.
#include <cstring>
#include <string>

#include "harness.hpp"

using namespace alimqtt;
using namespace alimqtt::test;
using Ms = std::chrono::milliseconds;

namespace {
template <class S>
void feed(S& s, const Wire& w) {
    auto space = s.input_space();
    REQUIRE(space.size() >= w.n);
    std::memcpy(space.data(), w.b.data(), w.n);
    s.input_received(w.n);
}
} // namespace

TEST_CASE("the session runs without any I/O: bytes in, bytes out, time as a number") {
    Session<SmallConfig> s;
    CHECK(s.state() == Session<SmallConfig>::State::disconnected);
    REQUIRE(s.start_connect(connect_params(60), Ms(0), Ms(5000)).ok());
    CHECK(s.start_connect(connect_params(60), Ms(0), Ms(5000)).error() == Error::already_connected);
    const Bytes connect = s.pending_output();
    REQUIRE(connect.size() == 18);
    s.output_sent(5, Ms(1)); // a partial send: the rest stays queued, whole
    CHECK(s.pending_output().size() == 13);
    s.output_sent(13, Ms(2));
    CHECK(s.pending_output().empty());
    CHECK(s.next_deadline() == Ms(5000));
    feed(s, connack(false, 0));
    Event e = s.next_event(Ms(10));
    CHECK(e.kind == EventKind::connected);
    CHECK(s.connected());
    CHECK(s.next_event(Ms(11)).kind == EventKind::none);

    // Queue compaction: a packet that fits only after moving the unsent tail forward.
    const std::string big(190, 'x');
    REQUIRE(s.publish("t", text(big), QoS::at_most_once).ok());
    const std::size_t first = s.pending_output().size();
    s.output_sent(first - 20, Ms(12));
    const std::string second(200, 'y');
    REQUIRE(s.publish("t", text(second), QoS::at_most_once).ok());
    const Frames f = split_frames(s.pending_output().subspan(20));
    REQUIRE(f.complete);
    REQUIRE(f.size() == 1);
    CHECK(std::get<Publish>(decoded(f[0])).payload.size() == 200);
    CHECK(s.publish("t", text(second), QoS::at_most_once).error() == Error::send_buffer_full);
}

TEST_CASE("disconnect while waiting for CONNACK ends the attempt cleanly") {
    Session<> s;
    REQUIRE(s.start_connect(connect_params(), Ms(0), Ms(1000)).ok());
    REQUIRE(s.disconnect().ok());
    Event e = s.next_event(Ms(1));
    CHECK(e.kind == EventKind::disconnected);
    CHECK(e.error == Error{});
    CHECK(s.disconnect().error() == Error::not_connected);
    CHECK(s.connection_lost(Error::connection_closed).kind == EventKind::none);
}

TEST_CASE("a corrupt remaining length from the server closes the connection") {
    Harness<> h;
    h.connect();
    h.transport.play(bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
    auto e = h.client.poll();
    REQUIRE(e.ok());
    CHECK(e->kind == EventKind::disconnected);
    CHECK(e->error == Error::malformed_remaining_length);
}

TEST_CASE("every event kind and CONNACK code has a name") {
    for (int k = 0; k <= static_cast<int>(EventKind::oversize_packet); ++k)
        CHECK_FALSE(to_string(static_cast<EventKind>(k)).empty());
    CHECK(to_string(static_cast<EventKind>(200)) == "unknown");
    CHECK(connack_error(ConnackCode::accepted) == Error::bad_connack_code);
    CHECK(connack_error(static_cast<ConnackCode>(9)) == Error::bad_connack_code);
}

TEST_CASE("a link that drops during a blocking call ends the call with the reason") {
    SECTION("subscribe") {
        Harness<> h;
        h.connect();
        h.transport.close_when_drained = true;
        CHECK(h.client.subscribe("x", QoS::at_most_once, [](const Publish&) {}).error() == Error::connection_closed);
        // The subscription is kept and sent again on the next connection.
        h.transport.close_when_drained = false;
        h.transport.clear_sent();
        h.transport.play(connack(false, 0));
        REQUIRE(h.client.connect(connect_params()).ok());
        const Frames f = h.sent();
        REQUIRE(f.size() == 2);
        CHECK(f.type(1) == 8);
    }
    SECTION("publish waiting for its ack") {
        Harness<> h;
        h.connect();
        h.transport.close_when_drained = true;
        PublishOptions o;
        o.qos = QoS::at_least_once;
        o.wait_for_ack = true;
        CHECK(h.client.publish("t", "x", o).error() == Error::connection_closed);
        CHECK(h.client.session().in_flight_count() == 1);
    }
    SECTION("run_for") {
        Harness<> h;
        h.connect();
        h.transport.play(publish("t", "x"));
        h.transport.close_when_drained = true;
        CHECK(h.client.run_for(10s).error() == Error::connection_closed);
        CHECK(h.client.run_for(10s).error() == Error::not_connected);
    }
    SECTION("publish waiting for queue room") {
        Harness<SmallConfig> h;
        h.connect();
        h.transport.block_send = true;
        REQUIRE(h.client.publish("t", std::string(200, 'x')).ok());
        h.transport.close_when_drained = true;
        CHECK(h.client.publish("t", std::string(200, 'x')).error() == Error::connection_closed);
    }
    SECTION("the peer closing on send") {
        Harness<> h;
        h.connect();
        h.transport.send_closed = true;
        REQUIRE(h.client.publish("t", "x").ok());
        auto e = h.client.poll();
        REQUIRE(e.ok());
        CHECK(e->error == Error::connection_closed);
    }
}
