// Client::run_until: pumps until a predicate holds, the deadline passes or the
// link drops; the predicate is checked first and after every event.
#include <chrono>
#include <string_view>

#include "harness.hpp"

using namespace alimqtt;
using namespace alimqtt::test;
using namespace std::chrono_literals;

TEST_CASE("run_until returns at once, without I/O, when the predicate already holds") {
    Harness<> h;
    h.connect();
    const auto t0 = h.clock.peek();
    const std::size_t reads = h.transport.recv_calls;
    int checks = 0;
    CHECK(h.client.run_until(10s, [&] { return ++checks > 0; }).ok());
    CHECK(checks == 1);
    CHECK(h.clock.peek() == t0);
    CHECK(h.transport.recv_calls == reads);
}

TEST_CASE("run_until ends on the message whose handler makes the predicate true, not at the deadline") {
    Harness<> h;
    h.connect();
    bool got = false;
    h.transport.play(suback(1, {0x00}));
    REQUIRE(h.client.subscribe("t/#", QoS::at_most_once, [&got](const Publish& m) { got = m.topic == "t/b"; }).ok());
    const auto t0 = h.clock.peek();
    h.transport.play(publish("t/a", "first"), t0 + 1s);
    h.transport.play(publish("t/b", "second"), t0 + 3s);
    h.transport.play(publish("t/c", "third"), t0 + 4s);
    REQUIRE(h.client.run_until(t0 + 10s, [&] { return got; }).ok());
    CHECK(h.clock.peek() == t0 + 3s);
    CHECK_FALSE(h.transport.drained()); // "third" is still unread
}

TEST_CASE("run_until is a timeout exactly at the deadline when the predicate never holds") {
    Harness<> h;
    h.connect();
    const auto t0 = h.clock.peek();
    h.transport.play(publish("t", "ignored"), t0 + 1s);
    const Status s = h.client.run_until(2500ms, [] { return false; });
    CHECK(s.error() == Error::timeout);
    CHECK(h.clock.peek() == t0 + 2500ms);
    CHECK(h.client.connected());
}

TEST_CASE("run_until reports a dropped link, then not_connected") {
    Harness<> h;
    h.connect();
    h.transport.close_when_drained = true;
    CHECK(h.client.run_until(10s, [] { return false; }).error() == Error::connection_closed);
    CHECK(h.client.run_until(10s, [] { return true; }).error() == Error::not_connected);
}

TEST_CASE("run_until from a message handler is reentrant_call") {
    Harness<> h;
    h.connect();
    Status inner;
    auto* client = &h.client;
    h.transport.play(suback(1, {0x00}));
    REQUIRE(h.client.subscribe("t", QoS::at_most_once, [&inner, client](const Publish&) {
        inner = client->run_until(1s, [] { return false; });
    }).ok());
    h.transport.play(publish("t", "x"));
    h.drain();
    CHECK(inner.error() == Error::reentrant_call);
}
