// Config::max_qos = QoS 1 (QoS 2 compiled out, as an Aliyun device builds the
// client): QoS 2 asked for locally fails by name before anything is queued,
// QoS 2 traffic from the server closes the link by name, and QoS 0/1 still work.
#include <string>

#include "harness.hpp"
#include "poll_events.hpp"

using namespace alimqtt;
using namespace alimqtt::test;

namespace {

struct NoQos2Config : DefaultConfig {
    static constexpr QoS max_qos = QoS::at_least_once;
};

/// Polls until idle and returns the last event (the disconnect, when the link ends).
template <class H>
Event last_event(H& h) {
    const std::vector<Event> events = poll_until_idle(h.client);
    REQUIRE_FALSE(events.empty());
    return events.back();
}

} // namespace

TEST_CASE("max_qos QoS 1: the QoS 2 bookkeeping is not in the session's RAM") {
    // The inbound QoS 2 id table (max_inbound_qos2 ids) is compiled out.
    CHECK(sizeof(Session<NoQos2Config>) + DefaultConfig::max_inbound_qos2 * sizeof(PacketId) <=
          sizeof(Session<DefaultConfig>));
}

TEST_CASE("max_qos QoS 1: publish at QoS 2 is qos2_disabled and nothing is sent or stored") {
    Harness<NoQos2Config> h;
    h.connect();
    PublishOptions o;
    o.qos = QoS::exactly_once;
    CHECK(h.client.publish("t", "x", o).error() == Error::qos2_disabled);
    o.wait_for_ack = true;
    CHECK(h.client.publish("t", "x", o).error() == Error::qos2_disabled);
    CHECK(h.client.session().in_flight_count() == 0);
    CHECK(h.transport.sent().empty());
    CHECK(h.client.connected());
    // QoS 3 is still the codec's bad_qos, not a configuration matter.
    o.qos = static_cast<QoS>(3);
    CHECK(h.client.publish("t", "x", o).error() == Error::bad_qos);
}

TEST_CASE("max_qos QoS 1: a SUBSCRIBE with any QoS 2 filter is qos2_disabled and no filter is registered") {
    Harness<NoQos2Config> h;
    h.connect();
    const TopicSubscription filters[] = {{"a", QoS::at_least_once}, {"b", QoS::exactly_once}};
    SubscribeOutcome out[2];
    CHECK(h.client.subscribe(filters, [](const Publish&) {}, out).error() == Error::qos2_disabled);
    CHECK(h.client.subscribe("c", QoS::exactly_once, [](const Publish&) {}).error() == Error::qos2_disabled);
    CHECK(h.client.session().subscription_count() == 0);
    CHECK(h.transport.sent().empty());
    CHECK(h.client.connected());
}

TEST_CASE("max_qos QoS 1: a QoS 2 PUBLISH from the server closes the link with qos2_disabled, undelivered and unacknowledged") {
    Harness<NoQos2Config> h;
    h.connect();
    int calls = 0;
    h.transport.play(suback(1, {0x01}));
    REQUIRE(*h.client.subscribe("t", QoS::at_least_once, [&calls](const Publish&) { ++calls; }) == QoS::at_least_once);
    h.transport.clear_sent();
    h.transport.play(publish("t", "exactly once", 2, 7));
    const Event e = last_event(h);
    CHECK(e.kind == EventKind::disconnected);
    CHECK(e.error == Error::qos2_disabled);
    CHECK(calls == 0);
    CHECK(h.transport.sent().empty()); // no PUBREC: the server keeps the message
    CHECK_FALSE(h.client.connected());
    CHECK(h.transport.close_calls == 1);
}

TEST_CASE("max_qos QoS 1: PUBREC, PUBREL and PUBCOMP from the server close the link with qos2_disabled") {
    struct Case {
        const char* name;
        Wire packet;
    };
    const Case cases[] = {{"PUBREC for our QoS 1 message", pubrec(1)},
                          {"PUBREL", pubrel(1)},
                          {"PUBCOMP for our QoS 1 message", pubcomp(1)}};
    for (const Case& c : cases) {
        CAPTURE(c.name);
        Harness<NoQos2Config> h;
        h.connect();
        PublishOptions o;
        o.qos = QoS::at_least_once;
        REQUIRE(*h.client.publish("t", "x", o) == 1);
        h.transport.play(c.packet);
        const Event e = last_event(h);
        CHECK(e.kind == EventKind::disconnected);
        CHECK(e.error == Error::qos2_disabled);
        // The QoS 1 message stays in flight, to be resent after a reconnect.
        CHECK(h.client.session().in_flight(1));
    }
}

TEST_CASE("max_qos QoS 1: QoS 0 and 1 work both ways (SUBACK, PUBLISH + PUBACK, PUBACK for ours)") {
    Harness<NoQos2Config> h;
    h.connect();
    std::string got;
    h.transport.play(suback(1, {0x01}));
    REQUIRE(*h.client.subscribe("t", QoS::at_least_once, [&got](const Publish& m) { got += text(m.payload); }) ==
            QoS::at_least_once);
    h.transport.clear_sent();
    h.transport.play(publish("t", "one", 1, 9));
    h.transport.play(publish("t", "zero", 0));
    h.drain();
    CHECK(got == "onezero");
    Frames f = h.sent();
    REQUIRE(f.size() == 1);
    CHECK(same(f[0], puback(9)));

    h.transport.clear_sent();
    h.transport.play(puback(2));
    PublishOptions o;
    o.qos = QoS::at_least_once;
    o.wait_for_ack = true;
    CHECK(*h.client.publish("u", "x", o) == 2);
    CHECK(h.client.session().in_flight_count() == 0);
    f = h.sent();
    REQUIRE(f.size() == 1);
    CHECK(f.type(0) == 3);
    CHECK(h.client.connected());
}
