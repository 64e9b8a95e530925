// Regression tests for the bugs fuzz_session and the hostile-broker suite
// found in session.hpp / client.hpp; deterministic (FakeClock, scripted transport).
#include <alimqtt/client.hpp>

#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

#include "catch.hpp"
#include "fake_clock.hpp"
#include "mqtt_bytes.hpp"
#include "scripted_transport.hpp"

using namespace alimqtt;
using namespace alimqtt::test;
using namespace std::chrono_literals;

namespace {

struct RegConfig : DefaultConfig {
    static constexpr std::size_t max_in_flight = 2;
};
using RegClient = Client<WaitingTransport, FakeClock, RegConfig>;

struct Record {
    std::vector<Event> events; // views are not kept: only kinds, ids and errors are read
    int handled = 0;
    std::size_t count(EventKind k) const {
        std::size_t n = 0;
        for (const auto& e : events) n += e.kind == k;
        return n;
    }
};

struct Rig {
    FakeClock clock;
    WaitingTransport transport{clock};
    RegClient client{transport, clock};
    Record rec;

    Rig() {
        client.on_event([r = &rec](const Event& e) { r->events.push_back(e); });
    }
    RegClient::Handler handler() {
        return [r = &rec](const Publish&) { ++r->handled; };
    }
    void connect(std::uint16_t keepalive_s = 60) {
        transport.play(connack(false, 0));
        Connect c;
        c.client_id = "reg";
        c.keepalive_s = keepalive_s;
        REQUIRE(client.connect(c).ok());
    }
    void drain() {
        for (int i = 0; i < 64; ++i) {
            auto e = client.poll();
            REQUIRE(e.ok());
            if (!*e) return;
        }
    }
};

} // namespace

TEST_CASE("a subscribe() that returned subscription_timeout never turns active when the SUBACK comes late") {
    // The clock is 0.5 ms past a millisecond: the Client rounded the deadline
    // up for the session, so its own wait ended first and it reported a
    // timeout the session had not seen; the late SUBACK then activated the
    // filter and its handler ran.
    Rig rig;
    rig.clock.advance(500us);
    rig.connect();
    auto r = rig.client.subscribe("late/#", QoS::at_most_once, rig.handler(), 300ms);
    CHECK(r.error() == Error::subscription_timeout);
    CHECK(rig.rec.count(EventKind::subscription_timeout) == 1);
    rig.transport.play(suback(1, {0x00}));
    rig.transport.play(publish("late/1", "x"));
    rig.drain();
    CHECK(rig.rec.count(EventKind::subscribed) == 0);
    CHECK(rig.rec.handled == 0);
    CHECK(rig.client.connected());
}

TEST_CASE("an unsubscribe() that returned unsubscribe_timeout was reported by the session too") {
    Rig rig;
    rig.clock.advance(500us);
    rig.connect();
    rig.transport.play(suback(1, {0x00}));
    REQUIRE(rig.client.subscribe("u/#", QoS::at_most_once, rig.handler()).ok());
    auto s = rig.client.unsubscribe("u/#", 300ms);
    CHECK(s.error() == Error::unsubscribe_timeout);
    CHECK(rig.rec.count(EventKind::unsubscribe_timeout) == 1);
    rig.transport.play(unsuback(2));
    rig.drain();
    CHECK(rig.rec.count(EventKind::unsubscribed) == 0);
    CHECK(rig.client.connected());
}

TEST_CASE("a publish waiting for in-flight room while two SUBACK outcomes are unreported does not overflow the clock") {
    // Session::next_deadline() is Time::min() while a report waits; Client::wait
    // converted it to the clock's finer duration before comparing (signed overflow, UB).
    Rig rig;
    rig.connect();
    PublishOptions q1;
    q1.qos = QoS::at_least_once;
    REQUIRE(rig.client.publish("t/1", "a", q1).ok());
    REQUIRE(rig.client.publish("t/2", "b", q1).ok());
    const TopicSubscription subs[] = {{"s/1", QoS::at_most_once}, {"s/2", QoS::at_most_once}};
    auto id = rig.client.start_subscribe(subs, rig.handler());
    REQUIRE(id.ok());
    rig.transport.play(suback(*id, {0x00, 0x00}));
    q1.timeout = 100ms;
    auto r = rig.client.publish("t/3", "c", q1); // in-flight table full: waits, steps, waits
    CHECK(r.error() == Error::in_flight_full);
    rig.drain();
    CHECK(rig.rec.count(EventKind::subscribed) == 2);
}

TEST_CASE("a PINGREQ that falls due while the send queue is stuck does not make blocking calls busy-loop") {
    Rig rig;
    rig.clock.set_step(50us); // a busy loop now moves time, so the test ends either way
    rig.connect(2);
    rig.transport.block_send = true;
    REQUIRE(rig.client.publish("t/stuck", "x").ok()); // queued, cannot leave
    const auto calls_before = rig.transport.recv_calls;
    const auto s = rig.client.run_for(5s);
    CHECK(s.error() == Error::keepalive_timeout); // no traffic: dead after 1.5 x keepalive
    CHECK(rig.transport.recv_calls - calls_before < 100);
}

TEST_CASE("an unanswered PINGREQ followed by steady traffic does not make blocking calls busy-loop") {
    Rig rig;
    rig.clock.set_step(50us);
    rig.connect(2);
    // Silence until the PINGREQ at 2 s; then QoS 1 traffic every 0.5 s, never a PINGRESP.
    const auto t0 = rig.clock.peek();
    for (unsigned i = 0; i < 9; ++i)
        rig.transport.play(publish("t/x", "tick", 1, 10 + i), t0 + 2500ms + i * 500ms);
    const auto calls_before = rig.transport.recv_calls;
    CHECK(rig.client.run_for(6500ms).ok());
    CHECK(rig.client.connected());
    CHECK(rig.transport.recv_calls - calls_before < 200);
}

TEST_CASE("unsubscribing a filter before its subscribed event was polled does not steal that event") {
    Rig rig;
    rig.connect();
    const TopicSubscription subs[] = {{"a", QoS::at_most_once}, {"b", QoS::at_most_once}};
    auto id = rig.client.start_subscribe(subs, rig.handler());
    REQUIRE(id.ok());
    rig.transport.play(suback(*id, {0x00, 0x00}));
    auto first = rig.client.poll();
    REQUIRE(first.ok());
    REQUIRE(first->kind == EventKind::subscribed);
    CHECK(first->index == 0);
    const std::string_view b = "b";
    // "b" is granted but not reported yet: not unsubscribable until it is.
    CHECK(rig.client.start_unsubscribe(std::span<const std::string_view>(&b, 1)).error() == Error::not_subscribed);
    auto second = rig.client.poll();
    REQUIRE(second.ok());
    CHECK(second->kind == EventKind::subscribed);
    CHECK(second->packet_id == *id);
    CHECK(second->index == 1);
    CHECK(rig.client.start_unsubscribe(std::span<const std::string_view>(&b, 1)).ok());
}

TEST_CASE("a reconnect right after a publish hit a dead socket succeeds and keeps the new connection open") {
    Rig rig;
    rig.connect();
    rig.transport.send_error = EPIPE;
    REQUIRE(rig.client.publish("t/x", "into the void").ok()); // QoS 0: queued; the send fails
    CHECK_FALSE(rig.client.connected());
    rig.transport.send_error = 0;
    rig.transport.reset_input();
    const auto closes = rig.transport.close_calls;
    rig.transport.play(connack(false, 0));
    Connect c;
    c.client_id = "reg";
    auto r = rig.client.connect(c);
    REQUIRE(r.ok());
    CHECK(rig.client.connected());
    CHECK(rig.transport.close_calls == closes); // the old event did not close the new connection
    CHECK(rig.rec.count(EventKind::disconnected) == 1); // the old connection's end was still reported
    rig.drain();
    CHECK(rig.client.connected());
}
