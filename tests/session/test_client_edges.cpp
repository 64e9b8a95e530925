// Client edge cases: calls from handlers, acknowledgements repeated or
// misdirected by the broker, dispatch while the subscription table changes,
// and the link dropping while unsubscribe() waits.
#include <array>
#include <string>
#include <vector>

#include "harness.hpp"
#include "poll_events.hpp"

using namespace alimqtt;
using namespace alimqtt::test;

TEST_CASE("start_connect from inside a handler returns reentrant_call and leaves the connection alone") {
    Harness<> h;
    h.connect();
    using C = decltype(h.client);
    C& client = h.client;
    Error from_handler{};
    h.client.on_event([&client, &from_handler](const Event& e) {
        if (e.kind == EventKind::message) from_handler = client.start_connect(connect_params()).error();
    });
    h.transport.play(publish("x", "y"));
    CHECK(h.drain() == 1);
    CHECK(from_handler == Error::reentrant_call);
    CHECK(h.client.connected());
    CHECK(h.transport.sent().empty());
}

TEST_CASE("a repeated PUBREC is answered with PUBREL again and PUBCOMP still completes the message") {
    Harness<> h;
    h.connect();
    PublishOptions o;
    o.qos = QoS::exactly_once;
    REQUIRE(*h.client.publish("t", "x", o) == 1);
    h.transport.play(pubrec(1));
    h.transport.play(pubrec(1)); // the broker did not see our PUBREL
    h.drain();
    CHECK(h.client.session().in_flight(1));
    h.transport.play(pubcomp(1));
    const std::vector<Event> events = poll_until_idle(h.client);
    REQUIRE(events.size() == 1);
    CHECK(events[0].kind == EventKind::published);
    CHECK(events[0].packet_id == 1);
    const Frames f = h.sent();
    REQUIRE(f.size() == 3);
    CHECK(f.type(0) == 3);
    CHECK(same(f[1], pubrel(1)));
    CHECK(same(f[2], pubrel(1)));
    CHECK(h.client.session().in_flight_count() == 0);
    CHECK(h.client.connected());
}

TEST_CASE("an UNSUBACK carrying the packet id of a granted SUBSCRIBE is unknown_packet_id") {
    Harness<> h;
    h.connect();
    h.transport.play(suback(1, {0x00}));
    REQUIRE(h.client.subscribe("a", QoS::at_most_once, [](const Publish&) {}).ok());
    h.transport.play(unsuback(1));
    auto e = h.client.poll();
    REQUIRE(e.ok());
    CHECK(e->kind == EventKind::disconnected);
    CHECK(e->error == Error::unknown_packet_id);
    CHECK_FALSE(h.client.connected());
}

TEST_CASE("a subscription added by a handler does not see the message being dispatched, only later ones") {
    Harness<> h;
    h.connect();
    using C = decltype(h.client);
    struct Counts {
        C* client;
        int first = 0;
        int second = 0;
    } n{&h.client};
    h.transport.play(suback(1, {0x00}));
    REQUIRE(h.client
                .subscribe("a/#", QoS::at_most_once,
                           [&n](const Publish&) {
                               if (++n.first > 1) return;
                               const std::array<TopicSubscription, 1> more{{{"a/b", QoS::at_most_once}}};
                               REQUIRE(n.client->start_subscribe(more, [&n](const Publish&) { ++n.second; }).ok());
                           })
                .ok());
    h.transport.play(publish("a/b", "1"));
    h.drain();
    CHECK(n.first == 1);
    CHECK(n.second == 0);
    h.transport.play(suback(2, {0x00}));
    h.transport.play(publish("a/b", "2"));
    h.drain();
    CHECK(n.first == 2);
    CHECK(n.second == 1);
}

TEST_CASE("a subscription with an empty handler still reports its messages as events") {
    Harness<> h;
    h.connect();
    h.transport.play(suback(1, {0x00}));
    REQUIRE(h.client.subscribe("a", QoS::at_most_once, decltype(h.client)::Handler{}).ok());
    h.transport.play(publish("a", "m"));
    auto e = h.client.poll();
    REQUIRE(e.ok());
    CHECK(e->kind == EventKind::message);
    CHECK(e->message.topic == "a");
    CHECK(h.client.connected());
}

TEST_CASE("a message arriving between UNSUBSCRIBE and its UNSUBACK still reaches the handler, later ones do not") {
    Harness<> h;
    h.connect();
    int calls = 0;
    h.transport.play(suback(1, {0x00}));
    REQUIRE(h.client.subscribe("u", QoS::at_most_once, [&calls](const Publish&) { ++calls; }).ok());
    const std::array<std::string_view, 1> filters{"u"};
    REQUIRE(*h.client.start_unsubscribe(filters) == 2);
    h.transport.play(publish("u", "in flight"));
    h.drain();
    CHECK(calls == 1);
    h.transport.play(unsuback(2));
    h.transport.play(publish("u", "after"));
    h.drain();
    CHECK(calls == 1);
    CHECK(h.client.session().subscription_count() == 0);
}

TEST_CASE("unsubscribe() returns the reason when the link drops before the UNSUBACK, and the filter is kept") {
    Harness<> h;
    h.connect();
    h.transport.play(suback(1, {0x00}));
    REQUIRE(h.client.subscribe("u", QoS::at_most_once, [](const Publish&) {}).ok());
    h.transport.close_when_drained = true;
    CHECK(h.client.unsubscribe("u").error() == Error::connection_closed);
    CHECK_FALSE(h.client.connected());
    CHECK(h.client.session().subscription_count() == 1);
    CHECK(h.transport.close_calls == 1);
}

TEST_CASE("connect() on a small-buffer client reports a refusing CONNACK by name") {
    Harness<SmallConfig> h;
    h.transport.play(connack(false, 5));
    auto r = h.client.connect(connect_params());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::refused_not_authorized);
    CHECK_FALSE(h.client.connected());
    CHECK(h.transport.close_calls == 1);
}

TEST_CASE("a QoS 0 publish with wait_for_ack returns packet id 0 at once: there is no ack to wait for") {
    Harness<> h;
    h.connect();
    PublishOptions o;
    o.wait_for_ack = true;
    const auto before = h.clock.peek();
    const std::size_t waits = h.transport.wait_calls;
    CHECK(*h.client.publish("t", "x", o) == 0);
    CHECK(h.clock.peek() == before);
    CHECK(h.transport.wait_calls == waits);
    const Frames f = h.sent();
    REQUIRE(f.size() == 1);
    CHECK(same(f[0], bytes({0x30, 0x04, 0x00, 0x01, 't', 'x'})));
}

TEST_CASE("a transport that takes zero bytes leaves the packet queued whole until it takes them") {
    Harness<> h;
    h.connect();
    h.transport.send_takes_nothing = true;
    REQUIRE(h.client.publish("a", "1").ok());
    CHECK(h.drain() == 0);
    CHECK(h.transport.sent().empty());
    CHECK(h.client.connected());
    h.transport.send_takes_nothing = false;
    h.drain();
    const Frames f = h.sent();
    REQUIRE(f.size() == 1);
    CHECK(same(f[0], bytes({0x30, 0x04, 0x00, 0x01, 'a', '1'})));
}

TEST_CASE("while the send queue has no room for an acknowledgement, reading stops at a full receive buffer and nothing is lost") {
    Harness<SmallConfig> h; // 128-byte receive buffer, 256-byte send queue
    h.connect();
    std::vector<std::string> got;
    h.transport.play(suback(1, {0x00}));
    REQUIRE(h.client
                .subscribe("m/#", QoS::at_most_once,
                           [&got](const Publish& p) { got.emplace_back(text(p.payload)); })
                .ok());
    h.transport.clear_sent();
    h.transport.block_send = true;
    REQUIRE(h.client.publish("t", std::string(247, 'q')).ok()); // 253 of 256 bytes: no room for a PUBACK
    for (int i = 0; i < 10; ++i) h.transport.play(publish("m/" + std::to_string(i), std::string(20, 'a' + i)));
    CHECK(h.drain() == 0);
    CHECK(got.empty());
    CHECK_FALSE(h.transport.drained()); // 300 bytes offered, at most 128 taken
    const std::size_t recv_calls = h.transport.recv_calls;
    CHECK(h.drain() == 0);
    CHECK(h.transport.recv_calls == recv_calls); // a full buffer is not read into
    h.transport.block_send = false;
    h.drain();
    REQUIRE(got.size() == 10);
    for (int i = 0; i < 10; ++i) CHECK(got[i] == std::string(20, 'a' + i));
    CHECK(h.transport.drained());
    CHECK(h.client.connected());
}

TEST_CASE("a reconnect after a publish hit a dead socket works without an event observer") {
    Harness<> h;
    h.connect();
    h.transport.send_closed = true;
    REQUIRE(h.client.publish("t", "x").ok()); // the send fails: the connection is over
    CHECK_FALSE(h.client.connected());
    h.transport.send_closed = false;
    h.transport.reset_input();
    h.transport.clear_sent();
    h.transport.play(connack(false, 0));
    REQUIRE(h.client.connect(connect_params()).ok());
    CHECK(h.client.connected());
    CHECK(h.transport.close_calls == 0); // the stale event did not end the new connection
    CHECK(h.drain() == 0);
    CHECK(h.client.connected());
}

TEST_CASE("a publish from a handler that finds the send queue full returns send_buffer_full at once") {
    Harness<SmallConfig> h;
    h.connect();
    struct Ctx {
        decltype(h.client)* client;
        Error error{};
        int calls = 0;
    } ctx{&h.client};
    h.transport.play(suback(1, {0x00}));
    REQUIRE(h.client
                .subscribe("cmd", QoS::at_most_once,
                           [&ctx](const Publish&) {
                               ++ctx.calls;
                               ctx.error = ctx.client->publish("reply", std::string(200, 'r')).error();
                           })
                .ok());
    h.transport.block_send = true;
    REQUIRE(h.client.publish("t", std::string(200, 'q')).ok());
    h.transport.play(publish("cmd", "go"));
    const auto before = h.clock.peek();
    const std::size_t waits = h.transport.wait_calls;
    h.drain();
    CHECK(ctx.calls == 1);
    CHECK(ctx.error == Error::send_buffer_full);
    CHECK(h.clock.peek() == before);
    CHECK(h.transport.wait_calls == waits);
}

TEST_CASE("an application that disconnects the session from its event handler ends a waiting call with not_connected") {
    Harness<> h;
    h.connect();
    h.client.on_event([&h](const Event& e) {
        if (e.kind == EventKind::message) (void)h.client.session().disconnect();
    });
    h.transport.play(suback(1, {0x00}));
    REQUIRE(h.client.subscribe("u", QoS::at_most_once, [](const Publish&) {}).ok());
    SECTION("run_for") {
        h.transport.play(publish("u", "x"));
        CHECK(h.client.run_for(10s).error() == Error::not_connected);
    }
    SECTION("subscribe") {
        h.transport.play(publish("u", "x"));
        CHECK(h.client.subscribe("v", QoS::at_most_once, [](const Publish&) {}).error() == Error::not_connected);
    }
    SECTION("unsubscribe") {
        h.transport.play(publish("u", "x"));
        CHECK(h.client.unsubscribe("u").error() == Error::not_connected);
    }
    SECTION("run_until_event, whose predicate does not take the disconnect") {
        h.transport.play(publish("u", "x"));
        std::vector<EventKind> asked;
        CHECK(h.client.run_until_event(10s, [&asked](const Event& e) { return asked.push_back(e.kind), false; })
                  .error() == Error::not_connected);
        CHECK(asked == std::vector<EventKind>{EventKind::message, EventKind::disconnected});
    }
    SECTION("publish waiting for its ack") {
        h.transport.play(publish("u", "x"));
        PublishOptions o;
        o.qos = QoS::at_least_once;
        o.wait_for_ack = true;
        CHECK(h.client.publish("t", "x", o).error() == Error::not_connected);
        CHECK(h.client.session().in_flight_count() == 1);
    }
    CHECK_FALSE(h.client.connected());
    const Frames f = h.sent();
    REQUIRE(f.size() >= 1);
    CHECK(same(f[f.size() - 1], bytes({0xE0, 0x00}))); // DISCONNECT went out last
    CHECK(h.transport.close_calls == 1);
}

namespace {
/// A SUBSCRIBE left unanswered by a dropped link times out while the next
/// connect() waits for a slow CONNACK: the timeout is reported, connect succeeds.
template <class Config>
void subscription_times_out_during_connect() {
    Harness<Config> h;
    h.connect();
    std::vector<EventKind> seen;
    h.client.on_event([&seen](const Event& e) { seen.push_back(e.kind); });
    const std::array<TopicSubscription, 1> one{{{"s", QoS::at_least_once}}};
    REQUIRE(h.client.start_subscribe(one, [](const Publish&) {}, 1s).ok());
    h.transport.close_when_drained = true;
    CHECK(h.drain() == 1); // disconnected: connection_closed
    h.transport.close_when_drained = false;
    h.transport.reset_input();
    h.transport.play(connack(false, 0), h.clock.peek() + 3s);
    const auto start = h.clock.peek();
    auto r = h.client.connect(connect_params(), 10s);
    REQUIRE(r.ok());
    CHECK(h.clock.peek() - start == 3s);
    CHECK(seen == std::vector<EventKind>{EventKind::disconnected, EventKind::subscription_timeout,
                                         EventKind::connected});
    CHECK(h.client.session().subscription_count() == 0); // not resubscribed
}
} // namespace

TEST_CASE("a subscription timing out while connect() waits for CONNACK is reported and connect still succeeds") {
    SECTION("default buffers") { subscription_times_out_during_connect<DefaultConfig>(); }
    SECTION("small buffers") { subscription_times_out_during_connect<SmallConfig>(); }
}

TEST_CASE("subscribe on a default client refuses an invalid filter before sending anything") {
    Harness<> h;
    h.connect();
    CHECK(h.client.subscribe("a/#/b", QoS::at_most_once, [](const Publish&) {}).error() ==
          Error::invalid_topic_filter);
    CHECK(h.client.subscribe("a", static_cast<QoS>(3), [](const Publish&) {}).error() == Error::bad_qos);
    CHECK(h.transport.sent().empty());
    CHECK(h.client.session().subscription_count() == 0);
}

TEST_CASE("on a small client too, disconnecting from the event handler ends subscribe() and a publish waiting for room") {
    Harness<SmallConfig> h; // 4 messages in flight at most
    h.connect();
    h.client.on_event([&h](const Event& e) {
        if (e.kind == EventKind::message) (void)h.client.session().disconnect();
    });
    SECTION("subscribe") {
        h.transport.play(publish("u", "x"));
        CHECK(h.client.subscribe("v", QoS::at_most_once, [](const Publish&) {}).error() == Error::not_connected);
    }
    SECTION("publish waiting for in-flight room") {
        PublishOptions o;
        o.qos = QoS::at_least_once;
        for (int i = 0; i < 4; ++i) REQUIRE(h.client.publish("t", "x", o).ok());
        h.transport.play(publish("u", "x"), h.clock.peek() + 1s);
        const auto start = h.clock.peek();
        CHECK(h.client.publish("t", "x", o).error() == Error::not_connected);
        CHECK(h.clock.peek() - start == 1s);
        CHECK(h.client.session().in_flight_count() == 4);
    }
    CHECK_FALSE(h.client.connected());
    h.drain(); // the DISCONNECT may still be queued: it goes out on the next poll
    CHECK(h.client.session().state() == decltype(h.client)::SessionType::State::disconnected);
    const Frames f = h.sent();
    REQUIRE(f.size() >= 1);
    CHECK(same(f[f.size() - 1], bytes({0xE0, 0x00})));
}

TEST_CASE("a packet larger than the receive buffer before the CONNACK fails connect with protocol_error") {
    // [MQTT-3.2.0-1]: the server's first packet is CONNACK, 4 bytes long; a
    // frame too big for the receive buffer cannot be one, so it is not skipped.
    Harness<SmallConfig> h; // 128-byte receive buffer
    std::vector<EventKind> seen;
    h.client.on_event([&seen](const Event& e) { seen.push_back(e.kind); });
    h.transport.play(publish("big", std::string(300, 'B')));
    h.transport.play(connack(false, 0));
    auto r = h.client.connect(connect_params());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::protocol_error);
    CHECK_FALSE(h.client.connected());
    CHECK(seen == std::vector<EventKind>{EventKind::disconnected});
    CHECK(h.transport.close_calls == 1);
}

TEST_CASE("a publish waiting for in-flight room returns the reason when the link drops, and keeps the four messages") {
    Harness<SmallConfig> h; // 4 messages in flight at most
    h.connect();
    PublishOptions o;
    o.qos = QoS::at_least_once;
    for (int i = 0; i < 4; ++i) REQUIRE(h.client.publish("t", "x", o).ok());
    h.transport.close_when_drained = true; // the broker closes the stream, no PUBACK came
    const auto start = h.clock.peek();
    CHECK(h.client.publish("t", "x", o).error() == Error::connection_closed);
    CHECK(h.clock.peek() == start); // it did not wait for the timeout
    CHECK_FALSE(h.client.connected());
    CHECK(h.transport.close_calls == 1);
    CHECK(h.client.session().in_flight_count() == 4); // resent after a reconnect
}
