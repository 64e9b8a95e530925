// Client edge cases: calls from handlers, acknowledgements repeated or
// misdirected by the broker, dispatch while the subscription table changes,
// and the link dropping while unsubscribe() waits.
#include <string>
#include <vector>

#include "harness.hpp"

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
    std::vector<Event> events;
    for (;;) {
        auto e = h.client.poll();
        REQUIRE(e.ok());
        if (!*e) break;
        events.push_back(*e);
    }
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
