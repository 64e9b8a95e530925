// Reconnect: resubscribe when the server lost the session, resend un-acked
// QoS 1/2 with DUP and PUBREL, inbound QoS 2 exactly once, packet-id wrap.
#include <string>
#include <vector>

#include "harness.hpp"

using namespace alimqtt;
using namespace alimqtt::test;

namespace {
PublishOptions qos(QoS q) {
    PublishOptions o;
    o.qos = q;
    return o;
}

/// Connected, subscribed to "a/b" (id 1), QoS 1 publish id 2 un-acked, QoS 2
/// publish id 3 past PUBREC (PUBREL sent), then the link drops.
template <class H>
void prepare_broken_session(H& h, int& calls) {
    h.connect();
    h.transport.play(suback(1, {0x01}));
    REQUIRE(h.client.subscribe("a/b", QoS::at_least_once, [&calls](const Publish&) { ++calls; }).ok());
    REQUIRE(*h.client.publish("t/1", "one", qos(QoS::at_least_once)) == 2);
    REQUIRE(*h.client.publish("t/2", "two", qos(QoS::exactly_once)) == 3);
    h.transport.play(pubrec(3));
    h.transport.close_when_drained = true;
    Error reason{};
    for (;;) {
        auto e = h.client.poll();
        REQUIRE(e.ok());
        if (e->kind == EventKind::disconnected) {
            reason = e->error;
            break;
        }
    }
    CHECK(reason == Error::connection_closed);
    CHECK_FALSE(h.client.connected());
    CHECK(h.client.session().in_flight_count() == 2);
    h.transport.reset_input();
    h.transport.close_when_drained = false;
    h.transport.clear_sent();
}
} // namespace

TEST_CASE("reconnect without session present resubscribes and resends un-acked publishes with DUP and PUBREL") {
    Harness<> h;
    int calls = 0;
    prepare_broken_session(h, calls);
    h.transport.play(connack(false, 0));
    h.transport.play(suback(4, {0x01}));
    auto r = h.client.connect(connect_params(60, false));
    REQUIRE(r.ok());
    CHECK_FALSE(r->session_present);
    h.drain();
    const Frames f = h.sent();
    REQUIRE(f.size() == 4);
    CHECK(f.type(0) == 1); // CONNECT
    // PUBLISH t/1 QoS 1 id 2, now with DUP (3.3.1.1): 0x3A.
    CHECK(same(f[1], bytes({0x3A, 0x0A, 0x00, 0x03, 't', '/', '1', 0x00, 0x02, 'o', 'n', 'e'})));
    CHECK(same(f[2], bytes({0x62, 0x02, 0x00, 0x03}))); // PUBREL 3 resent
    CHECK(same(f[3], bytes({0x82, 0x08, 0x00, 0x04, 0x00, 0x03, 'a', '/', 'b', 0x01})));
    CHECK(h.client.session().active_subscriptions() == 1);
    h.transport.play(puback(2));
    h.transport.play(pubcomp(3));
    h.transport.play(publish("a/b", "again"));
    h.drain();
    CHECK(h.client.session().in_flight_count() == 0);
    CHECK(calls == 1);
}

TEST_CASE("reconnect with session present keeps subscriptions but still resends with DUP") {
    Harness<> h;
    int calls = 0;
    prepare_broken_session(h, calls);
    h.transport.play(connack(true, 0));
    auto r = h.client.connect(connect_params(60, false));
    REQUIRE(r.ok());
    CHECK(r->session_present);
    h.drain();
    const Frames f = h.sent();
    REQUIRE(f.size() == 3);
    CHECK(f.type(0) == 1);
    CHECK(f.type(1) == 3);
    CHECK((std::to_integer<unsigned>(f[1][0]) & 0x08) != 0); // DUP
    CHECK(f.type(2) == 6);                                  // PUBREL
    h.transport.play(publish("a/b", "kept"));
    h.drain();
    CHECK(calls == 1);
}

TEST_CASE("a publish first sent after a reconnect carries DUP=0") {
    Harness<> h;
    h.connect();
    h.transport.block_send = true;
    REQUIRE(h.client.publish("q", "never sent", qos(QoS::at_least_once)).ok());
    h.transport.close_when_drained = true;
    h.transport.recv_error = 0;
    Event e;
    do {
        auto r = h.client.poll();
        REQUIRE(r.ok());
        e = *r;
    } while (e.kind != EventKind::disconnected);
    h.transport.block_send = false;
    h.transport.close_when_drained = false;
    h.transport.clear_sent();
    h.transport.play(connack(false, 0));
    REQUIRE(h.client.connect(connect_params()).ok());
    const Frames f = h.sent();
    REQUIRE(f.size() == 2);
    CHECK(std::to_integer<unsigned>(f[1][0]) == 0x32);
}

TEST_CASE("a duplicate inbound QoS 2 PUBLISH is delivered once and acknowledged each time") {
    Harness<> h;
    h.connect();
    h.transport.play(suback(1, {0x02}));
    int calls = 0;
    REQUIRE(h.client.subscribe("q2", QoS::exactly_once, [&calls](const Publish&) { ++calls; }).ok());
    h.transport.clear_sent();
    h.transport.play(publish("q2", "m", 2, 5));
    h.transport.play(publish("q2", "m", 2, 5, true));
    h.drain();
    CHECK(calls == 1);
    h.transport.play(pubrel(5));
    h.drain();
    h.transport.play(publish("q2", "next", 2, 5)); // id reused after PUBCOMP: a new message
    h.drain();
    CHECK(calls == 2);
    const Frames f = h.sent();
    REQUIRE(f.size() == 4);
    CHECK(same(f[0], pubrec(5)));
    CHECK(same(f[1], pubrec(5)));
    CHECK(same(f[2], pubcomp(5)));
    CHECK(same(f[3], pubrec(5)));
}

TEST_CASE("inbound QoS 2 state is dropped when the server has no session") {
    Harness<SmallConfig> h;
    h.connect();
    for (unsigned id = 1; id <= 4; ++id) h.transport.play(publish("x", "m", 2, id));
    h.drain();
    h.transport.play(publish("x", "m", 2, 9)); // a fifth unreleased id does not fit
    auto e = h.client.poll();
    REQUIRE(e.ok());
    CHECK(e->kind == EventKind::disconnected);
    CHECK(e->error == Error::in_flight_full);
    h.transport.reset_input();
    h.transport.play(connack(false, 0));
    REQUIRE(h.client.connect(connect_params()).ok());
    h.transport.play(publish("x", "m", 2, 9));
    h.drain();
    CHECK(h.client.connected());
}

TEST_CASE("packet ids wrap past 65535 and skip ids still in flight") {
    Harness<> h;
    h.connect();
    h.client.session().set_next_packet_id(65535);
    const auto q1 = qos(QoS::at_least_once);
    CHECK(*h.client.publish("t", "a", q1) == 65535);
    CHECK(*h.client.publish("t", "b", q1) == 1);
    CHECK(*h.client.publish("t", "c", q1) == 2);
    h.transport.play(puback(1));
    h.drain();
    h.client.session().set_next_packet_id(65535);
    CHECK(*h.client.publish("t", "d", q1) == 1); // 65535 still in flight, 1 is free again
    CHECK(*h.client.publish("t", "e", q1) == 3); // 2 still in flight
    // Subscription ids come from the same space.
    h.client.session().set_next_packet_id(3);
    h.transport.play(suback(4, {0x00}));
    CHECK(h.client.subscribe("s", QoS::at_most_once, [](const Publish&) {}).ok());
}

TEST_CASE("publish with wait_for_ack returns after PUBACK or PUBCOMP, or ack_timeout keeping it in flight") {
    Harness<> h;
    h.connect();
    PublishOptions o = qos(QoS::at_least_once);
    o.wait_for_ack = true;
    h.transport.play(puback(1));
    CHECK(*h.client.publish("t", "x", o) == 1);
    o.qos = QoS::exactly_once;
    h.transport.play(pubrec(2));
    h.transport.play(pubcomp(2));
    CHECK(*h.client.publish("t", "x", o) == 2);
    o.timeout = 2s;
    CHECK(h.client.publish("t", "x", o).error() == Error::ack_timeout);
    CHECK(h.client.session().in_flight(3));
}

TEST_CASE("in-flight table and arena limits are enforced") {
    Harness<SmallConfig> h;
    h.connect();
    PublishOptions o = qos(QoS::at_least_once);
    o.timeout = 1s;
    for (int i = 0; i < 4; ++i) REQUIRE(h.client.publish("t", "x", o).ok());
    CHECK(h.client.publish("t", "x", o).error() == Error::in_flight_full);
    h.transport.play(puback(2));
    CHECK(*h.client.publish("t", "x", o) == 5); // waits, then a slot is free
    const std::string big(600, 'z');
    CHECK(h.client.publish("t", big, o).error() == Error::buffer_too_small);
    CHECK(h.client.publish("t/+", "x", o).error() == Error::invalid_topic_name);
    CHECK(h.client.publish(std::string(65, 't'), "x", o).error() == Error::topic_too_long);
}

TEST_CASE("ACKs that do not match an outbound message close the connection by name") {
    struct Case {
        Wire ack;
        Error expected;
    };
    const Case cases[] = {{puback(9), Error::unknown_packet_id},
                          {pubrec(9), Error::unknown_packet_id},
                          {pubcomp(9), Error::unknown_packet_id},
                          {pubcomp(1), Error::protocol_error},
                          {pubrec(1), Error::protocol_error}};
    for (const Case& c : cases) {
        Harness<> h;
        h.connect();
        REQUIRE(h.client.publish("t", "x", qos(QoS::at_least_once)).ok());
        h.transport.play(c.ack);
        Event last;
        for (;;) {
            auto e = h.client.poll();
            REQUIRE(e.ok());
            if (!*e) break;
            last = *e;
        }
        CHECK(last.kind == EventKind::disconnected);
        CHECK(last.error == c.expected);
    }
}
