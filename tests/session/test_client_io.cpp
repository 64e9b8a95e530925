// Client I/O discipline: partial sends, handlers that publish, blocking calls
// from handlers, oversize packets, events seen by poll() and on_event.
#include <string>
#include <vector>

#include "harness.hpp"
#include "poll_events.hpp"

using namespace alimqtt;
using namespace alimqtt::test;

TEST_CASE("partial sends resume on the next poll and packets are never interleaved or truncated") {
    Harness<> h;
    h.transport.max_send = 3;
    h.transport.play(connack(false, 0));
    REQUIRE(h.client.connect(connect_params()).ok());
    PublishOptions q1;
    q1.qos = QoS::at_least_once;
    REQUIRE(h.client.publish("p/1", "first payload", q1).ok());
    REQUIRE(h.client.publish("p/2", "second").ok());
    REQUIRE(h.client.start_subscribe(std::array<TopicSubscription, 1>{{{"s/#", QoS::at_least_once}}},
                                     [](const Publish&) {})
                .ok());
    h.drain();
    const Frames f = h.sent();
    REQUIRE(f.complete);
    REQUIRE(f.size() == 4);
    CHECK(f.type(0) == 1);
    CHECK(f.type(1) == 3);
    CHECK(f.type(2) == 3);
    CHECK(f.type(3) == 8);
    for (std::size_t i = 0; i < f.size(); ++i) (void)decoded(f[i]);
    CHECK(text(std::get<Publish>(decoded(f[1])).payload) == "first payload");
    CHECK(h.transport.send_calls > 4);
}

TEST_CASE("sends that would block are held whole and go out in order once the transport accepts") {
    Harness<> h;
    h.connect();
    h.transport.block_send = true;
    REQUIRE(h.client.publish("a", "1").ok());
    REQUIRE(h.client.publish("b", "2").ok());
    h.drain();
    CHECK(h.transport.sent().empty());
    h.transport.block_send = false;
    h.transport.max_send = 5;
    h.drain();
    const Frames f = h.sent();
    REQUIRE(f.complete);
    REQUIRE(f.size() == 2);
    CHECK(std::get<Publish>(decoded(f[0])).topic == "a");
    CHECK(std::get<Publish>(decoded(f[1])).topic == "b");
}

TEST_CASE("a publish that cannot get queue room before its timeout is send_buffer_full") {
    Harness<SmallConfig> h;
    h.connect();
    h.transport.block_send = true;
    PublishOptions o;
    o.timeout = 1s;
    const std::string payload(200, 'x');
    REQUIRE(h.client.publish("t", payload, o).ok());
    const auto before = h.clock.peek();
    CHECK(h.client.publish("t", payload, o).error() == Error::send_buffer_full);
    CHECK(h.clock.peek() - before >= 1s);
}

TEST_CASE("a send error is reported as transport_error with the platform code") {
    Harness<> h;
    h.connect();
    h.transport.send_error = 32;
    REQUIRE(h.client.publish("t", "x").ok());
    auto e = h.client.poll();
    REQUIRE(e.ok());
    CHECK(e->kind == EventKind::disconnected);
    CHECK(e->error == Error::transport_error);
    CHECK(h.client.last_transport_error() == 32);
}

TEST_CASE("a handler may publish, and its message follows the acknowledgement") {
    Harness<> h;
    h.connect();
    using C = decltype(h.client);
    C& client = h.client;
    std::vector<PacketId> replies;
    h.transport.play(suback(1, {0x01}));
    h.transport.play(publish("cmd", "ping", 1, 3));
    REQUIRE(client
                .subscribe("cmd", QoS::at_least_once,
                           [&client, &replies](const Publish& m) {
                               PublishOptions o;
                               o.qos = QoS::at_least_once;
                               auto id = client.publish("reply", m.payload, o);
                               REQUIRE(id.ok());
                               replies.push_back(*id);
                           })
                .ok());
    h.drain();
    REQUIRE(replies == std::vector<PacketId>{2});
    const Frames f = h.sent();
    REQUIRE(f.size() == 3);
    CHECK(f.type(0) == 8);
    CHECK(same(f[1], puback(3)));
    const Publish reply = std::get<Publish>(decoded(f[2]));
    CHECK(reply.topic == "reply");
    CHECK(text(reply.payload) == "ping");
    CHECK(reply.packet_id == 2);
    h.transport.play(puback(2));
    h.drain();
    CHECK(client.session().in_flight_count() == 0);
}

TEST_CASE("a blocking call made from inside a handler returns reentrant_call instead of hanging") {
    Harness<> h;
    h.connect();
    using C = decltype(h.client);
    struct Results {
        Error subscribe{};
        Error unsubscribe{};
        Error poll{};
        Error publish_wait{};
        Error connect{};
        Error disconnect{};
        Error run{};
        bool publish_nowait_ok = false;
        int calls = 0;
    } r;
    C& client = h.client;
    h.transport.play(suback(1, {0x00}));
    h.transport.play(publish("h", "x"));
    REQUIRE(client
                .subscribe("h", QoS::at_most_once,
                           [&client, &r](const Publish&) {
                               ++r.calls;
                               r.subscribe = client.subscribe("z", QoS::at_most_once, [](const Publish&) {}).error();
                               r.unsubscribe = client.unsubscribe("h").error();
                               r.poll = client.poll().error();
                               PublishOptions o;
                               o.qos = QoS::at_least_once;
                               o.wait_for_ack = true;
                               r.publish_wait = client.publish("t", "x", o).error();
                               r.connect = client.connect(connect_params()).error();
                               r.disconnect = client.disconnect().error();
                               r.run = client.run_for(1s).error();
                               r.publish_nowait_ok = client.publish("t", "x").ok();
                           })
                .ok());
    h.drain();
    CHECK(r.calls == 1);
    CHECK(r.subscribe == Error::reentrant_call);
    CHECK(r.unsubscribe == Error::reentrant_call);
    CHECK(r.poll == Error::reentrant_call);
    CHECK(r.publish_wait == Error::reentrant_call);
    CHECK(r.connect == Error::reentrant_call);
    CHECK(r.disconnect == Error::reentrant_call);
    CHECK(r.run == Error::reentrant_call);
    CHECK(r.publish_nowait_ok);
    CHECK(client.connected());
}

TEST_CASE("an oversize incoming packet is reported and skipped without corrupting the stream") {
    for (std::size_t slice : {std::size_t{1000}, std::size_t{7}, std::size_t{1}}) {
        CAPTURE(slice);
        Harness<SmallConfig> h; // 128-byte receive buffer
        h.connect();
        h.transport.max_recv = slice;
        int calls = 0;
        h.transport.play(suback(1, {0x01}));
        REQUIRE(h.client.subscribe("#", QoS::at_least_once, [&calls](const Publish&) { ++calls; }).ok());
        h.transport.clear_sent();
        const std::string big(300, 'B');
        h.transport.play(concat({publish("big", big, 1, 5), publish("small", "ok", 1, 6)}));
        const std::vector<Event> events = poll_until_idle(h.client);
        REQUIRE(events.size() == 2);
        CHECK(events[0].kind == EventKind::oversize_packet);
        CHECK(events[0].error == Error::packet_too_large);
        CHECK(events[0].size == 2 + 2 + 3 + 2 + 300 + 1); // 2-byte remaining length
        CHECK(events[1].kind == EventKind::message);
        CHECK(events[1].message.topic == "small");
        CHECK(calls == 1);
        CHECK(same(h.transport.sent(), puback(6)));
        CHECK(h.client.connected());
    }
}

TEST_CASE("events outside a blocking call reach on_event and poll() alike") {
    Harness<> h;
    h.connect();
    std::vector<EventKind> seen;
    h.client.on_event([&seen](const Event& e) { seen.push_back(e.kind); });
    h.transport.play(publish("nobody/listens", "x"));
    auto e = h.client.poll();
    REQUIRE(e.ok());
    CHECK(e->kind == EventKind::message);
    CHECK(e->message.topic == "nobody/listens");
    CHECK(seen == std::vector<EventKind>{EventKind::message});
    CHECK(to_string(EventKind::subscription_refused) == "subscription refused");
}
