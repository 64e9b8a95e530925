// SUBACK-aware subscriptions: the cases that break umqtt.simple (PUBLISH or
// PUBACK ahead of the SUBACK, refusals, unknown ids, timeouts, split reads).
#include <array>
#include <string>
#include <vector>

#include "harness.hpp"
#include "poll_events.hpp"

using namespace alimqtt;
using namespace alimqtt::test;

namespace {
struct Seen {
    std::vector<std::string> topics;
    std::vector<std::string> payloads;
};
} // namespace

TEST_CASE("PUBLISH QoS 0, 1 and 2 before SUBACK is dispatched and acknowledged and the SUBACK still resolves") {
    Harness<> h;
    h.connect();
    h.transport.play(publish("a/b", "q0", 0));
    h.transport.play(publish("a/b", "q1", 1, 7));
    h.transport.play(publish("a/b", "q2", 2, 8));
    h.transport.play(pubrel(8));
    h.transport.play(suback(1, {0x01}));
    Seen seen;
    auto granted = h.client.subscribe("a/#", QoS::at_least_once, [&seen](const Publish& m) {
        seen.topics.emplace_back(m.topic);
        seen.payloads.emplace_back(text(m.payload));
    });
    REQUIRE(granted.ok());
    CHECK(*granted == QoS::at_least_once);
    CHECK(seen.payloads == std::vector<std::string>{"q0", "q1", "q2"});
    CHECK(seen.topics == std::vector<std::string>{"a/b", "a/b", "a/b"});
    h.drain();
    const Frames f = h.sent();
    REQUIRE(f.complete);
    REQUIRE(f.size() == 4);
    // SUBSCRIBE id 1, "a/#" QoS 1, written out by hand (3.8).
    CHECK(same(f[0], bytes({0x82, 0x08, 0x00, 0x01, 0x00, 0x03, 'a', '/', '#', 0x01})));
    CHECK(same(f[1], bytes({0x40, 0x02, 0x00, 0x07}))); // PUBACK 7
    CHECK(same(f[2], bytes({0x50, 0x02, 0x00, 0x08}))); // PUBREC 8
    CHECK(same(f[3], bytes({0x70, 0x02, 0x00, 0x08}))); // PUBCOMP 8
    CHECK(h.client.connected());
    CHECK(h.client.session().active_subscriptions() == 1);
}

TEST_CASE("PUBACK for an earlier publish arriving while waiting for a SUBACK completes that publish") {
    Harness<> h;
    h.connect();
    PublishOptions q1;
    q1.qos = QoS::at_least_once;
    auto id = h.client.publish("t/out", "hello", q1);
    REQUIRE(id.ok());
    CHECK(*id == 1);
    CHECK(h.client.session().in_flight(1));
    std::vector<EventKind> events;
    h.client.on_event([&events](const Event& e) { events.push_back(e.kind); });
    h.transport.play(puback(1));
    h.transport.play(suback(2, {0x00}));
    auto granted = h.client.subscribe("t/in", QoS::at_most_once, [](const Publish&) {});
    REQUIRE(granted.ok());
    CHECK(*granted == QoS::at_most_once);
    CHECK_FALSE(h.client.session().in_flight(1));
    CHECK(std::count(events.begin(), events.end(), EventKind::published) == 1);
    CHECK(std::count(events.begin(), events.end(), EventKind::subscribed) == 1);
}

TEST_CASE("SUBACK with a mix of granted codes and 0x80 resolves each filter and keeps the connection") {
    Harness<> h;
    h.connect();
    h.transport.play(suback(1, {0x00, 0x80, 0x02}));
    const std::array<TopicSubscription, 3> filters{{{"a/+", QoS::at_most_once},
                                                    {"deny/#", QoS::at_least_once},
                                                    {"c", QoS::exactly_once}}};
    std::array<SubscribeOutcome, 3> out{};
    Seen seen;
    auto s = h.client.subscribe(filters, [&seen](const Publish& m) { seen.topics.emplace_back(m.topic); }, out);
    REQUIRE(s.ok());
    CHECK(out[0].ok());
    CHECK(out[0].granted == QoS::at_most_once);
    CHECK(out[1].error == Error::subscription_refused);
    CHECK(out[2].ok());
    CHECK(out[2].granted == QoS::exactly_once);
    CHECK(h.client.connected());
    CHECK(h.client.session().subscription_count() == 2);
    // No handler runs for the refused filter; the others still receive.
    h.transport.play(publish("deny/x", "no"));
    h.transport.play(publish("a/1", "yes"));
    h.drain();
    CHECK(seen.topics == std::vector<std::string>{"a/1"});
}

TEST_CASE("single-filter subscribe reports a refusal as subscription_refused, never as success") {
    Harness<> h;
    h.connect();
    h.transport.play(suback(1, {0x80}));
    auto r = h.client.subscribe("forbidden", QoS::at_least_once, [](const Publish&) {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::subscription_refused);
    CHECK(h.client.connected());
    CHECK(h.client.session().subscription_count() == 0);
}

TEST_CASE("SUBACK for an unknown packet id is a protocol error that closes the connection") {
    Harness<> h;
    h.connect();
    h.transport.play(suback(9, {0x00}));
    auto r = h.client.subscribe("x", QoS::at_most_once, [](const Publish&) {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::unknown_packet_id);
    CHECK_FALSE(h.client.connected());
    CHECK(h.transport.close_calls == 1);
}

TEST_CASE("SUBACK with the wrong number of return codes is a named protocol error") {
    Harness<> h;
    h.connect();
    h.transport.play(suback(1, {0x00, 0x01}));
    auto r = h.client.subscribe("x", QoS::at_most_once, [](const Publish&) {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::suback_count_mismatch);
    CHECK_FALSE(h.client.connected());
}

TEST_CASE("SUBACK after its deadline is reported as a timeout per filter and the late SUBACK is absorbed") {
    Harness<> h;
    h.connect();
    const auto start = h.clock.peek();
    h.transport.play(suback(1, {0x00, 0x00}), start + 20s);
    const std::array<TopicSubscription, 2> filters{{{"a", QoS::at_most_once}, {"b", QoS::at_most_once}}};
    std::array<SubscribeOutcome, 2> out{};
    std::vector<std::string> timed_out;
    h.client.on_event([&timed_out](const Event& e) {
        if (e.kind == EventKind::subscription_timeout) timed_out.emplace_back(e.filter);
    });
    auto s = h.client.subscribe(filters, [](const Publish&) {}, out, 5s);
    REQUIRE(s.ok());
    CHECK(out[0].error == Error::subscription_timeout);
    CHECK(out[1].error == Error::subscription_timeout);
    CHECK(timed_out == std::vector<std::string>{"a", "b"});
    CHECK(h.clock.peek() - start >= 5s);
    CHECK(h.clock.peek() - start < 6s);
    // The late SUBACK neither resolves the filters again nor kills the link.
    h.clock.set(start + 20s);
    CHECK(h.drain() == 0);
    CHECK(h.client.connected());
    CHECK(h.client.session().subscription_count() == 0);
    CHECK(timed_out.size() == 2);
}

TEST_CASE("SUBACK and PUBLISH split across reads at every byte boundary are all handled") {
    const Wire stream = concat({publish("s/1", "payload", 1, 42), suback(1, {0x01})});
    for (std::size_t cut = 1; cut < stream.n; ++cut) {
        CAPTURE(cut);
        Harness<> h;
        h.connect();
        h.transport.play(stream.bytes().first(cut));
        h.transport.play(stream.bytes().subspan(cut));
        int calls = 0;
        auto r = h.client.subscribe("s/+", QoS::at_least_once, [&calls](const Publish& m) {
            ++calls;
            CHECK(text(m.payload) == "payload");
        });
        REQUIRE(r.ok());
        CHECK(calls == 1);
        h.drain();
        const Frames f = h.sent();
        REQUIRE(f.size() == 2);
        CHECK(same(f[1], puback(42)));
    }
    SECTION("one byte per read") {
        Harness<> h;
        h.connect();
        h.transport.max_recv = 1;
        h.transport.play(stream);
        int calls = 0;
        auto r = h.client.subscribe("s/+", QoS::at_least_once, [&calls](const Publish&) { ++calls; });
        REQUIRE(r.ok());
        CHECK(calls == 1);
    }
}

TEST_CASE("unsubscribe resolves on UNSUBACK and the handler stops receiving") {
    Harness<> h;
    h.connect();
    h.transport.play(suback(1, {0x00}));
    int calls = 0;
    REQUIRE(h.client.subscribe("u/#", QoS::at_most_once, [&calls](const Publish&) { ++calls; }).ok());
    h.transport.play(publish("u/1", "before"));
    h.transport.play(unsuback(2));
    REQUIRE(h.client.unsubscribe("u/#").ok());
    CHECK(calls == 1); // delivered while the UNSUBSCRIBE was outstanding
    h.transport.play(publish("u/1", "after"));
    h.drain();
    CHECK(calls == 1);
    CHECK(h.client.session().subscription_count() == 0);
    const Frames f = h.sent();
    REQUIRE(f.size() == 2);
    CHECK(same(f[1], bytes({0xA2, 0x07, 0x00, 0x02, 0x00, 0x03, 'u', '/', '#'})));
}

TEST_CASE("unsubscribe of an unknown filter is not_subscribed and a missing UNSUBACK times out") {
    Harness<> h;
    h.connect();
    CHECK(h.client.unsubscribe("nope").error() == Error::not_subscribed);
    h.transport.play(suback(1, {0x00}));
    REQUIRE(h.client.subscribe("u", QoS::at_most_once, [](const Publish&) {}).ok());
    CHECK(h.client.unsubscribe("u", 2s).error() == Error::unsubscribe_timeout);
    CHECK(h.client.connected());
    // A late UNSUBACK for the expired id is absorbed.
    h.transport.play(unsuback(2));
    h.drain();
    CHECK(h.client.connected());
    CHECK(h.client.session().subscription_count() == 0);
}

TEST_CASE("UNSUBACK for an unknown id is a protocol error") {
    Harness<> h;
    h.connect();
    h.transport.play(unsuback(77));
    auto e = h.client.poll();
    REQUIRE(e.ok());
    CHECK(e->kind == EventKind::disconnected);
    CHECK(e->error == Error::unknown_packet_id);
}

TEST_CASE("subscribe validates filters and capacity before sending anything") {
    Harness<SmallConfig> h;
    h.connect();
    auto noop = [](const Publish&) {};
    CHECK(h.client.subscribe("a/#/b", QoS::at_most_once, noop).error() == Error::invalid_topic_filter);
    CHECK(h.client.subscribe(std::string(65, 'x'), QoS::at_most_once, noop).error() == Error::topic_too_long);
    const std::array<TopicSubscription, 7> many{{{"1"}, {"2"}, {"3"}, {"4"}, {"5"}, {"6"}, {"7"}}};
    std::array<SubscribeOutcome, 7> out{};
    CHECK(h.client.subscribe(many, noop, out).error() == Error::subscriptions_full);
    CHECK(h.client.subscribe(many, noop, std::span<SubscribeOutcome>(out).first(2)).error() == Error::invalid_argument);
    CHECK(h.transport.sent().empty());
}

TEST_CASE("start_subscribe reports the outcome as poll() events") {
    Harness<> h;
    h.connect();
    const std::array<TopicSubscription, 2> filters{{{"p/1", QoS::at_least_once}, {"p/2", QoS::at_least_once}}};
    auto id = h.client.start_subscribe(filters, [](const Publish&) {});
    REQUIRE(id.ok());
    h.transport.play(suback(*id, {0x01, 0x80}));
    const std::vector<Event> got = poll_until_idle(h.client);
    REQUIRE(got.size() == 2);
    CHECK(got[0].kind == EventKind::subscribed);
    CHECK(got[0].filter == "p/1");
    CHECK(got[0].qos == QoS::at_least_once);
    CHECK(got[1].kind == EventKind::subscription_refused);
    CHECK(got[1].error == Error::subscription_refused);
    CHECK(got[1].index == 1);
}
