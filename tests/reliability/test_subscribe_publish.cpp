// Hostile-broker scenarios, part 2: SUBACK and acknowledgement abuse, and
// PUBLISH packets a broker must never send.
#include "rig.hpp"

using namespace rel;
using alimqtt::Error;
using alimqtt::EventKind;
using alimqtt::QoS;

namespace {

/// The broker answers the client's SUBSCRIBE with `make_reply(packet id)`.
template <class MakeReply>
void bad_suback_scenario(std::vector<std::string> filters, MakeReply make_reply, Error expected) {
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        Frame f = l.expect(SUBSCRIBE);
        l.send(make_reply(f.packet_id()));
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    std::vector<alimqtt::TopicSubscription> subs;
    for (const auto& f : filters) subs.push_back({f, QoS::at_least_once});
    std::vector<alimqtt::SubscribeOutcome> out(subs.size());
    const auto s = rig.client.subscribe(subs, rig.handler(), out, 5s);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error() == expected);
    CHECK_FALSE(rig.client.connected());
    CHECK(rig.broker.finish() == "");
    CHECK(seconds(rig.elapsed()) < 3.0);
}

} // namespace

// ---------------------------------------------------------------- SUBACK

TEST_CASE("a SUBACK for an unknown packet id is unknown_packet_id") {
    bad_suback_scenario({"t/a"}, [](unsigned id) { return suback(id + 100, {0x01}); }, Error::unknown_packet_id);
}

TEST_CASE("a SUBACK with too few return codes is suback_count_mismatch") {
    bad_suback_scenario({"t/a", "t/b"}, [](unsigned id) { return suback(id, {0x01}); },
                        Error::suback_count_mismatch);
}

TEST_CASE("a SUBACK with too many return codes is suback_count_mismatch") {
    bad_suback_scenario({"t/a"}, [](unsigned id) { return suback(id, {0x01, 0x00}); },
                        Error::suback_count_mismatch);
}

TEST_CASE("a SUBACK return code 0x03 is bad_suback_code") {
    bad_suback_scenario({"t/a"}, [](unsigned id) { return suback(id, {0x03}); }, Error::bad_suback_code);
}

TEST_CASE("a refused filter (SUBACK 0x80) is reported by name, the link survives, its handler never runs") {
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        Frame f = l.expect(SUBSCRIBE);
        l.send(suback(f.packet_id(), {0x01, 0x80}));
        l.send(publish("ok/1", "for ok") + publish("no/1", "for no"));
        l.grant_subscribe(); // the client can still subscribe afterwards
        l.expect(DISCONNECT);
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    const alimqtt::TopicSubscription subs[] = {{"ok/#", QoS::at_least_once}, {"no/#", QoS::at_least_once}};
    alimqtt::SubscribeOutcome out[2];
    REQUIRE(rig.client.subscribe(subs, rig.handler(), out, 5s).ok());
    CHECK(out[0].ok());
    CHECK(out[0].granted == QoS::at_least_once);
    CHECK(out[1].error == Error::subscription_refused);
    REQUIRE(rig.pump_until([&] { return rig.seen.count(EventKind::message) == 2; }));
    REQUIRE(rig.seen.handled.size() == 1);
    CHECK(rig.seen.handled[0].topic == "ok/1");
    CHECK(rig.client.subscribe("again/#", QoS::at_most_once, rig.handler()).ok());
    CHECK(rig.client.connected());
    CHECK(rig.client.disconnect().ok());
    CHECK(rig.broker.finish() == "");
}

TEST_CASE("a QoS 1 PUBLISH before the SUBACK is dispatched and acknowledged, and the SUBACK still resolves") {
    unsigned acked = 0;
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        Frame f = l.expect(SUBSCRIBE);
        l.send(publish("early/x", "before suback", 1, 300));
        acked = l.expect(PUBACK).packet_id(); // acknowledged while the SUBSCRIBE waits
        l.send(suback(f.packet_id(), {0x01}));
        l.expect(DISCONNECT);
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    auto granted = rig.client.subscribe("early/#", QoS::at_least_once, rig.handler());
    REQUIRE(granted.ok());
    CHECK(*granted == QoS::at_least_once);
    REQUIRE(rig.seen.handled.size() == 1);
    CHECK(rig.seen.handled[0].payload == "before suback");
    CHECK(rig.client.disconnect().ok());
    CHECK(rig.broker.finish() == "");
    CHECK(acked == 300);
}

TEST_CASE("a SUBACK after the deadline is reported as subscription_timeout and the late SUBACK is harmless") {
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        Frame f = l.expect(SUBSCRIBE);
        b.gate.wait(5s); // the test saw the timeout
        l.send(suback(f.packet_id(), {0x00}) + publish("late/1", "after timeout"));
        l.expect(DISCONNECT);
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    const auto t0 = Clock::now();
    auto r = rig.client.subscribe("late/#", QoS::at_most_once, rig.handler(), 300ms);
    const auto took = Clock::now() - t0;
    CHECK(r.error() == Error::subscription_timeout);
    CHECK(took >= 299ms); // the session counts whole milliseconds, rounding down
    CHECK(seconds(took) < 2.0);
    rig.broker.gate.open();
    REQUIRE(rig.pump_until([&] { return rig.seen.count(EventKind::message) == 1; }));
    CHECK(rig.seen.handled.empty()); // the timed-out filter's handler was dropped
    CHECK(rig.client.connected());
    CHECK(rig.client.disconnect().ok());
    CHECK(rig.broker.finish() == "");
}

// ---------------------------------------------------------------- PUBLISH a broker must not send

TEST_CASE("a PUBLISH whose topic length runs past the packet is truncated") {
    fatal_after_connect_scenario(packet(0x30, u16(50) + raw("t/a")), Error::truncated);
}

TEST_CASE("a PUBLISH with a '+' wildcard in its topic is invalid_topic_name") {
    fatal_after_connect_scenario(publish("t/+/x", "w"), Error::invalid_topic_name);
}

TEST_CASE("a PUBLISH with a '#' wildcard in its topic is invalid_topic_name") {
    fatal_after_connect_scenario(publish("t/#", "w"), Error::invalid_topic_name);
}

TEST_CASE("a PUBLISH with an empty topic is invalid_topic_name") {
    fatal_after_connect_scenario(publish("", "w"), Error::invalid_topic_name);
}

TEST_CASE("a PUBLISH topic with invalid UTF-8 is malformed_utf8") {
    fatal_after_connect_scenario(publish_raw_topic({'t', '/', 0xC3, 0x28}, "x"), Error::malformed_utf8);
}

TEST_CASE("a PUBLISH topic with a UTF-16 surrogate encoded in UTF-8 is malformed_utf8") {
    fatal_after_connect_scenario(publish_raw_topic({'t', '/', 0xED, 0xA0, 0x80}, "x"), Error::malformed_utf8);
}

TEST_CASE("a PUBLISH topic containing U+0000 is utf8_null_character") {
    fatal_after_connect_scenario(publish_raw_topic({'t', '/', 0x00, 'x'}, "x"), Error::utf8_null_character);
}

TEST_CASE("a PUBLISH with QoS 3 is bad_qos") {
    fatal_after_connect_scenario(packet(0x36, str("t/q3") + u16(1) + raw("x")), Error::bad_qos);
}

TEST_CASE("a QoS 1 PUBLISH with packet id 0 is zero_packet_id") {
    fatal_after_connect_scenario(publish("t/z", "x", 1, 0), Error::zero_packet_id);
}

TEST_CASE("a QoS 2 PUBLISH with packet id 0 is zero_packet_id") {
    fatal_after_connect_scenario(publish("t/z", "x", 2, 0), Error::zero_packet_id);
}

TEST_CASE("a QoS 0 PUBLISH with DUP set is bad_fixed_header_flags") {
    fatal_after_connect_scenario(packet(0x38, str("t/d") + raw("x")), Error::bad_fixed_header_flags);
}

TEST_CASE("a duplicate QoS 2 PUBLISH is delivered once and both copies get a PUBREC") {
    std::vector<unsigned> pubrecs;
    unsigned pubcomp_id = 0;
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        l.grant_subscribe();
        l.send(publish("q2/x", "once", 2, 42));
        pubrecs.push_back(l.expect(PUBREC).packet_id());
        l.send(publish("q2/x", "once", 2, 42, true)); // as if our PUBREC was lost
        pubrecs.push_back(l.expect(PUBREC).packet_id());
        l.send(pubrel(42));
        pubcomp_id = l.expect(PUBCOMP).packet_id();
        l.send(publish("q2/x", "next", 2, 42)); // the id is free again: a new message
        pubrecs.push_back(l.expect(PUBREC).packet_id());
        l.send(pubrel(42));
        l.expect(PUBCOMP);
        l.expect(DISCONNECT);
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    REQUIRE(rig.client.subscribe("q2/#", QoS::exactly_once, rig.handler()).ok());
    REQUIRE(rig.pump_until([&] { return rig.seen.handled.size() == 2; }));
    CHECK(rig.client.run_for(100ms).ok());
    CHECK(rig.client.disconnect().ok());
    REQUIRE(rig.broker.finish() == "");
    REQUIRE(rig.seen.handled.size() == 2);
    CHECK(rig.seen.handled[0].payload == "once");
    CHECK(rig.seen.handled[1].payload == "next");
    CHECK(pubrecs == std::vector<unsigned>{42, 42, 42});
    CHECK(pubcomp_id == 42);
}

// ---------------------------------------------------------------- acknowledgements for unknown ids

TEST_CASE("a PUBACK for a packet id not in flight is unknown_packet_id") {
    fatal_after_connect_scenario(puback(4242), Error::unknown_packet_id);
}

TEST_CASE("a PUBREC for a packet id not in flight is unknown_packet_id") {
    fatal_after_connect_scenario(pubrec(4242), Error::unknown_packet_id);
}

TEST_CASE("a PUBCOMP for a packet id not in flight is unknown_packet_id") {
    fatal_after_connect_scenario(pubcomp(4242), Error::unknown_packet_id);
}

TEST_CASE("an UNSUBACK for a packet id never used is unknown_packet_id") {
    fatal_after_connect_scenario(unsuback(4242), Error::unknown_packet_id);
}

TEST_CASE("a PUBREL for an unknown packet id is answered with PUBCOMP and the link survives") {
    // 4.3.3: the receiver must answer every PUBREL with PUBCOMP, even if it has
    // already forgotten the id (e.g. it was released before a reconnect).
    unsigned pubcomp_id = 0;
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        l.grant_subscribe();
        l.send(pubrel(777));
        pubcomp_id = l.expect(PUBCOMP).packet_id();
        l.send(publish("t/after", "still here"));
        l.expect(DISCONNECT);
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    REQUIRE(rig.client.subscribe("t/#", QoS::at_most_once, rig.handler()).ok());
    REQUIRE(rig.pump_until([&] { return rig.seen.handled.size() == 1; }));
    CHECK(rig.seen.handled[0].payload == "still here");
    CHECK(rig.client.disconnect().ok());
    CHECK(rig.broker.finish() == "");
    CHECK(pubcomp_id == 777);
}

TEST_CASE("a PUBACK answering a QoS 2 PUBLISH is a protocol error") {
    unsigned id = 0;
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        id = l.expect(PUBLISH).packet_id();
        l.send(puback(id));
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    REQUIRE(rig.client.publish("t/q2", "exactly once", {QoS::exactly_once}).ok());
    const auto s = rig.client.run_for(5s);
    CHECK(s.error() == Error::protocol_error);
    CHECK(rig.broker.finish() == "");
    CHECK(id != 0);
}
