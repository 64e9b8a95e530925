// ThingModel against a scripted broker that plays the platform: post_reply
// matching (success, error code, timeout, unknown ids, malformed JSON),
// property set -> set_reply, RRPC round trip, refused subscription.
#include <chrono>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "alimqtt/aliyun/thing.hpp"
#include "alimqtt/client.hpp"
#include "catch.hpp"
#include "fake_clock.hpp"
#include "mqtt_bytes.hpp"
#include "poll_events.hpp"
#include "scripted_transport.hpp"

using namespace alimqtt;
using namespace alimqtt::aliyun;
using namespace alimqtt::test;
using namespace std::chrono_literals;

namespace {

constexpr DeviceId dev{"a1pk", "dev1"};
constexpr std::string_view post_topic = "/sys/a1pk/dev1/thing/event/property/post";
constexpr std::string_view reply_topic = "/sys/a1pk/dev1/thing/event/property/post_reply";
constexpr std::string_view set_topic = "/sys/a1pk/dev1/thing/service/property/set";
constexpr std::string_view set_reply_topic = "/sys/a1pk/dev1/thing/service/property/set_reply";
constexpr std::string_view reply_filter = "/sys/a1pk/dev1/thing/event/+/post_reply";
constexpr std::string_view service_filter_text = "/sys/a1pk/dev1/thing/service/+";
constexpr std::string_view alarm_reply_topic_for_readme = "/sys/a1pk/dev1/thing/event/Alarm/post_reply";

using TestClient = Client<WaitingTransport, FakeClock>;

/// A PUBLISH the client sent, parsed by hand from the frame (3.3).
struct SentPublish {
    unsigned qos = 9;
    std::string topic;
    std::string payload;
};

SentPublish parse_publish(std::span<const std::byte> f) {
    SentPublish p;
    const unsigned first = std::to_integer<unsigned>(f[0]);
    REQUIRE((first >> 4) == 3);
    p.qos = (first >> 1) & 3;
    std::size_t i = 1;
    while (std::to_integer<unsigned>(f[i]) & 0x80) ++i;
    ++i;
    const std::size_t tlen = (std::to_integer<std::size_t>(f[i]) << 8) | std::to_integer<std::size_t>(f[i + 1]);
    i += 2;
    for (std::size_t k = 0; k < tlen; ++k) p.topic.push_back(static_cast<char>(f[i + k]));
    i += tlen;
    if (p.qos > 0) i += 2;
    for (; i < f.size(); ++i) p.payload.push_back(static_cast<char>(f[i]));
    return p;
}

/// Every PUBLISH in the recorded output.
std::vector<SentPublish> sent_publishes(const WaitingTransport& t) {
    const Frames f = split_frames(t.sent());
    REQUIRE(f.complete);
    std::vector<SentPublish> out;
    for (std::size_t i = 0; i < f.size(); ++i)
        if (f.type(i) == 3) out.push_back(parse_publish(f[i]));
    return out;
}

struct Rig {
    FakeClock clock;
    WaitingTransport transport{clock};
    TestClient client{transport, clock};
    ThingModel<TestClient> thing{client, clock, dev};

    void connect() {
        transport.play(connack(false, 0));
        Connect c;
        c.client_id = "dev1";
        c.keepalive_s = 60;
        REQUIRE(client.connect(c).ok());
        transport.clear_sent();
    }
    /// Connects and starts the thing model with a SUBACK granting everything.
    void start(std::initializer_list<unsigned> codes = {0x01, 0x01, 0x01}) {
        connect();
        transport.play(suback(1, codes));
        REQUIRE(thing.start().ok());
        transport.clear_sent();
    }
    void drain() { (void)poll_until_idle(client); }
    /// Delivers `payload` on `topic`, pumps until idle, and returns the one
    /// PUBLISH the device sent in answer (the test stops unless exactly one).
    SentPublish only_reply_to(std::string_view topic, std::string_view payload, unsigned qos = 0, unsigned id = 0) {
        transport.play(publish(topic, payload, qos, id));
        drain();
        const auto pubs = sent_publishes(transport);
        REQUIRE(pubs.size() == 1);
        return pubs[0];
    }
};

} // namespace

TEST_CASE("start subscribes event/+/post_reply, property set and service/+ with one SUBSCRIBE") {
    Rig r;
    r.connect();
    r.transport.play(suback(1, {0x01, 0x01, 0x01}));
    REQUIRE(r.thing.start().ok());
    const Frames f = split_frames(r.transport.sent());
    REQUIRE(f.size() == 1);
    CHECK(f.type(0) == 8);
    Wire want;
    want.put(0x82);
    want.put_len(2 + 2 + reply_filter.size() + 1 + 2 + set_topic.size() + 1 + 2 + service_filter_text.size() + 1);
    want.put16(1);
    want.put_str(reply_filter);
    want.put(1);
    want.put_str(set_topic);
    want.put(1);
    want.put_str(service_filter_text);
    want.put(1);
    CHECK(same(f[0], want));
    CHECK(r.thing.refused_filter().empty());
}

TEST_CASE("a refused filter is reported as subscription_refused naming the topic") {
    Rig r;
    r.connect();
    r.transport.play(suback(1, {0x01, 0x80, 0x01}));
    auto s = r.thing.start();
    REQUIRE_FALSE(s.ok());
    CHECK(s.error() == Error::subscription_refused);
    CHECK(r.thing.refused_filter() == set_topic);
    CHECK(r.client.connected());
}

TEST_CASE("post_properties publishes an Alink post at QoS 1 and a code 200 reply with its id is success") {
    Rig r;
    r.start();
    r.transport.play(puback(2));
    r.transport.play(publish(reply_topic,
                             R"({"code":200,"data":{},"id":"1","message":"success","method":"thing.event.property.post","version":"1.0"})"));
    const PostResult res = r.thing.post_properties([](AlinkRequestWriter& w) { w.add_int("PowerSwitch_1", 1); }, 5s);
    CHECK(res.ok());
    CHECK(res.id == 1);
    CHECK(res.code == 200);
    CHECK(res.message.view() == "success");
    CHECK(r.thing.pending_posts() == 0);
    const auto pubs = sent_publishes(r.transport);
    REQUIRE(pubs.size() == 1);
    CHECK(pubs[0].qos == 1);
    CHECK(pubs[0].topic == post_topic);
    CHECK(pubs[0].payload ==
          R"({"id":"1","version":"1.0","params":{"PowerSwitch_1":1},"method":"thing.event.property.post"})");
}

TEST_CASE("raw params JSON is posted as is and Alink ids increment per post") {
    Rig r;
    r.start();
    r.transport.play(puback(2));
    r.transport.play(publish(reply_topic, R"({"code":200,"data":{},"id":"1","message":"success","version":"1.0"})"));
    CHECK(r.thing.post_properties(std::string_view(R"({"Temp":{"value":23.5,"time":1700000000000}})"), 5s).ok());
    r.transport.play(puback(3));
    r.transport.play(publish(reply_topic, R"({"code":200,"data":{},"id":"2","message":"success","version":"1.0"})"));
    const PostResult second = r.thing.post_properties(std::string_view(R"({"Temp":24})"), 5s);
    CHECK(second.ok());
    CHECK(second.id == 2);
    const auto pubs = sent_publishes(r.transport);
    REQUIRE(pubs.size() == 2);
    CHECK(pubs[0].payload ==
          R"({"id":"1","version":"1.0","params":{"Temp":{"value":23.5,"time":1700000000000}},"method":"thing.event.property.post"})");
    CHECK(pubs[1].payload == R"({"id":"2","version":"1.0","params":{"Temp":24},"method":"thing.event.property.post"})");
}

TEST_CASE("params that are not one JSON object are refused before anything is sent") {
    Rig r;
    r.start();
    CHECK(r.thing.post_properties(std::string_view(R"({"a":)"), 1s).error == Error::json_syntax);
    CHECK(r.thing.post_properties(std::string_view("[1,2]"), 1s).error == Error::json_wrong_type);
    CHECK(r.transport.sent().empty());
}

TEST_CASE("a reply with code 460 is aliyun_reply_error carrying the platform's code and message") {
    Rig r;
    r.start();
    r.transport.play(puback(2));
    r.transport.play(publish(reply_topic,
                             R"({"code":460,"data":{},"id":"1","message":"request parameter error","version":"1.0"})"));
    const PostResult res = r.thing.post_properties(R"({"PowerSwitch_1":7})", 5s); // a literal works too
    CHECK_FALSE(res.ok());
    CHECK(res.error == Error::aliyun_reply_error);
    CHECK(res.code == 460);
    CHECK(res.message.view() == "request parameter error");
    CHECK(to_string(res.error) == "the platform replied with an Alink code other than 200");
}

TEST_CASE("no post_reply before the deadline is a timeout at the deadline") {
    Rig r;
    r.start();
    r.transport.play(puback(2));
    const auto began = r.clock.peek();
    const PostResult res = r.thing.post_properties(std::string_view(R"({"PowerSwitch_1":1})"), 3s);
    CHECK(res.error == Error::timeout);
    CHECK(res.id == 1);
    const auto waited = r.clock.peek() - began;
    CHECK(waited >= 3s);
    CHECK(waited < 3s + 50ms);
    CHECK(r.thing.pending_posts() == 0);
    // A reply arriving after the deadline is an unknown id, not a crash.
    r.transport.play(publish(reply_topic, R"({"code":200,"data":{},"id":"1","message":"success","version":"1.0"})"));
    r.drain();
    CHECK(r.thing.stats().unknown_reply_ids == 1);
}

TEST_CASE("a reply with an unknown id is ignored and counted, then the right one is accepted") {
    Rig r;
    r.start();
    r.transport.play(puback(2));
    r.transport.play(publish(reply_topic, R"({"code":200,"data":{},"id":"999","message":"success","version":"1.0"})"));
    r.transport.play(publish(reply_topic, R"({"code":200,"data":{},"id":"x1","message":"success","version":"1.0"})"));
    r.transport.play(publish(reply_topic, R"({"code":200,"data":{},"id":"1","message":"success","version":"1.0"})"));
    const PostResult res = r.thing.post_properties(std::string_view(R"({"PowerSwitch_1":1})"), 5s);
    CHECK(res.ok());
    CHECK(r.thing.stats().unknown_reply_ids == 2);
}

TEST_CASE("malformed JSON replies are ignored and counted, then the right one is accepted") {
    Rig r;
    r.start();
    r.transport.play(puback(2));
    r.transport.play(publish(reply_topic, R"({"code":200,"id":"1","message":)"));
    r.transport.play(publish(reply_topic, R"([1,2,3])"));
    r.transport.play(publish(reply_topic, R"({"code":"two hundred","id":"1"})"));
    r.transport.play(publish(reply_topic, ""));
    // The right id and code, but a message in Latin-1, not UTF-8 (json_invalid_utf8).
    r.transport.play(publish(reply_topic, "{\"code\":200,\"id\":\"1\",\"message\":\"r\xE9ussi\"}"));
    r.transport.play(publish(reply_topic, R"({"code":200,"data":{},"id":"1","message":"success","version":"1.0"})"));
    const PostResult res = r.thing.post_properties(std::string_view(R"({"PowerSwitch_1":1})"), 5s);
    CHECK(res.ok());
    CHECK(res.message.view() == "success"); // the reply that was accepted is the valid one
    CHECK(r.thing.stats().malformed_replies == 5);
}

TEST_CASE("start_post_properties reports results through on_post_result, timeouts via check_deadlines") {
    Rig r;
    r.start();
    std::vector<PostResult> results;
    r.thing.on_post_result([&results](const PostResult& p) { results.push_back(p); });
    auto a = r.thing.start_post_properties(std::string_view(R"({"A":1})"), 2s);
    auto b = r.thing.start_post_properties(std::string_view(R"({"B":1})"), 2s);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(r.thing.pending_posts() == 2);
    r.transport.play(puback(2));
    r.transport.play(puback(3));
    r.transport.play(publish(reply_topic, R"({"code":200,"data":{},"id":"2","message":"success","version":"1.0"})"));
    r.drain();
    REQUIRE(results.size() == 1);
    CHECK(results[0].id == *b);
    CHECK(results[0].ok());
    r.clock.advance(2s);
    r.thing.check_deadlines();
    REQUIRE(results.size() == 2);
    CHECK(results[1].id == *a);
    CHECK(results[1].error == Error::timeout);
}

TEST_CASE("more posts than MaxPending is in_flight_full, not a lost reply") {
    FakeClock clock;
    WaitingTransport transport{clock};
    TestClient client{transport, clock};
    ThingModel<TestClient, 1> thing{client, clock, dev};
    transport.play(connack(false, 0));
    Connect c;
    c.client_id = "dev1";
    REQUIRE(client.connect(c).ok());
    REQUIRE(thing.start_post_properties(std::string_view("{}"), 1s).ok());
    CHECK(thing.start_post_properties(std::string_view("{}"), 1s).error() == Error::in_flight_full);
}

TEST_CASE("the seed property set gets a set_reply with the same id and the handler's code") {
    Rig r;
    struct Got {
        std::int64_t power = -1;
        std::string method;
    } got;
    r.thing.on_property_set([&got](const AlinkMessage& m) {
        got.method = std::string(m.method.raw());
        if (auto v = m.param("PowerSwitch_1"))
            if (auto i = v->as_int()) got.power = *i;
        return 200;
    });
    r.start();
    const SentPublish reply = r.only_reply_to(
        set_topic, R"({"method":"thing.service.property.set","id":"1024580116","params":{"PowerSwitch_1":0},"version":"1.0.0"})");
    CHECK(got.method == "thing.service.property.set");
    CHECK(got.power == 0);
    CHECK(reply.qos == 0);
    CHECK(reply.topic == set_reply_topic);
    CHECK(reply.payload == R"({"code":200,"data":{},"id":"1024580116","message":"success","version":"1.0"})");
}

TEST_CASE("a property set handler's error code is sent back in the set_reply") {
    Rig r;
    r.thing.on_property_set([](const AlinkMessage&) { return 9201; });
    r.start();
    const SentPublish reply =
        r.only_reply_to(set_topic, R"({"method":"thing.service.property.set","id":"77","params":{"X":1}})", 1, 5);
    CHECK(reply.topic == set_reply_topic);
    CHECK(reply.payload == R"({"code":9201,"data":{},"id":"77","message":"failed","version":"1.0"})");
}

TEST_CASE("a malformed property set is counted and gets no reply") {
    Rig r;
    int calls = 0;
    r.thing.on_property_set([&calls](const AlinkMessage&) { return ++calls, 200; });
    r.start();
    r.transport.play(publish(set_topic, R"({"method":"thing.service.property.set","params":{"X":1}})"));
    r.transport.play(publish(set_topic, R"({"id":"1","params":)"));
    r.drain();
    CHECK(calls == 0);
    CHECK(r.thing.stats().malformed_requests == 2);
    CHECK(sent_publishes(r.transport).empty());
    CHECK(r.client.connected());
}

namespace {
struct RrpcSeen {
    std::string request;
    std::string id;
    FakeClock* clock = nullptr;
    std::chrono::milliseconds cost{0};
};
} // namespace

TEST_CASE("an RRPC request is answered on rrpc/response/<msgId> at QoS 0 with the handler's response") {
    Rig r;
    RrpcSeen seen;
    r.thing.on_rrpc([&seen](std::string_view req, std::string_view id, std::span<char> out) -> std::string_view {
        seen.request = std::string(req);
        seen.id = std::string(id);
        const std::string_view answer = R"({"pong":1})";
        for (std::size_t i = 0; i < answer.size(); ++i) out[i] = answer[i];
        return {out.data(), answer.size()};
    });
    r.connect();
    r.transport.play(suback(1, {0x01, 0x01, 0x01, 0x00}));
    REQUIRE(r.thing.start().ok());
    const Frames sub = split_frames(r.transport.sent());
    REQUIRE(sub.size() == 1);
    CHECK(std::string_view(reinterpret_cast<const char*>(sub[0].data()), sub[0].size())
              .find("/sys/a1pk/dev1/rrpc/request/+") != std::string_view::npos);
    r.transport.clear_sent();
    r.transport.play(publish("/sys/a1pk/dev1/rrpc/request/1263412839248", R"({"ping":1})"));
    r.drain();
    CHECK(seen.request == R"({"ping":1})");
    CHECK(seen.id == "1263412839248");
    const auto pubs = sent_publishes(r.transport);
    REQUIRE(pubs.size() == 1);
    CHECK(pubs[0].qos == 0);
    CHECK(pubs[0].topic == "/sys/a1pk/dev1/rrpc/response/1263412839248");
    CHECK(pubs[0].payload == R"({"pong":1})");
    CHECK(r.thing.stats().rrpc_late == 0);
}

TEST_CASE("an RRPC handler slower than 8 s raises the late warning, one within 8 s does not") {
    Rig r;
    RrpcSeen seen;
    seen.clock = &r.clock;
    r.thing.on_rrpc([&seen](std::string_view, std::string_view, std::span<char>) -> std::string_view {
        seen.clock->advance(seen.cost);
        return "ok";
    });
    std::vector<std::string> late;
    r.thing.on_rrpc_late([&late](std::string_view id, std::chrono::milliseconds took) {
        late.push_back(std::string(id) + ":" + std::to_string(took.count()));
    });
    r.connect();
    r.transport.play(suback(1, {0x01, 0x01, 0x01, 0x00}));
    REQUIRE(r.thing.start().ok());
    seen.cost = 8000ms;
    r.transport.play(publish("/sys/a1pk/dev1/rrpc/request/1", "a"));
    r.drain();
    CHECK(r.thing.stats().rrpc_late == 0);
    seen.cost = 8001ms;
    r.transport.play(publish("/sys/a1pk/dev1/rrpc/request/2", "b"));
    r.drain();
    CHECK(r.thing.stats().rrpc_late == 1);
    CHECK(late == std::vector<std::string>{"2:8001"});
}

// The README's "Thing model" example, compiled and run here (readme_check.py
// checks that every line of the README block occurs in this file).
namespace readme {
bool relay = false;
void set_relay(bool on) { relay = on; }

template <class MyClient, class MyClock>
bool thing_example(MyClient& client, MyClock& clock) {
    aliyun::ThingModel<MyClient> thing{client, clock, {"a1pk", "dev1"}};
    thing.on_property_set([](const aliyun::AlinkMessage& m) {
        if (auto v = m.param("PowerSwitch_1"))
            if (auto on = v->as_int()) set_relay(*on != 0);
        return 200;                     // becomes the set_reply's code
    });
    thing.on_service([](std::string_view service, const aliyun::AlinkMessage& call, aliyun::AlinkReplyWriter& out) {
        if (service != "Blink") return aliyun::alink_code_no_service;
        if (auto n = call.param("times")) out.add_raw("blinked", n->raw());
        return 200;                     // the code and out's members become the Blink_reply
    });
    if (auto s = thing.start(); !s)     // subscription_refused: thing.refused_filter() says which
        return false;
    auto r = thing.post_properties([](aliyun::AlinkRequestWriter& w) { w.add_int("PowerSwitch_1", 1); }, 5s);
    if (r.error == Error::aliyun_reply_error) { /* r.code, r.message.view(): the platform's verdict */ }
    auto e = thing.post_event("Alarm", R"({"level":2})", 5s);   // thing.event.Alarm.post, reply matched by id
    auto t = thing.ntp_time(5s);        // t.utc_ms: Unix ms when the Clock read t.device_recv_ms
    return r.ok() && e.ok() && t.ok() && t.utc_ms == 1700000000000;
}
} // namespace readme

TEST_CASE("the README thing-model example posts, answers a service call and reads the platform's time") {
    FakeClock clock;
    WaitingTransport transport{clock};
    TestClient client{transport, clock};
    transport.play(connack(false, 0));
    Connect c;
    c.client_id = "dev1";
    REQUIRE(client.connect(c).ok());
    transport.clear_sent();
    transport.play(suback(1, {0x01, 0x01, 0x01}));
    transport.play(publish("/sys/a1pk/dev1/thing/service/Blink", R"({"id":"900","params":{"times":3}})"));
    transport.play(publish(set_topic, R"({"id":"901","params":{"PowerSwitch_1":1}})"));
    transport.play(puback(2));
    transport.play(publish(reply_topic, R"({"code":200,"data":{},"id":"1","message":"success","version":"1.0"})"));
    transport.play(puback(3));
    transport.play(publish(alarm_reply_topic_for_readme, R"({"code":200,"data":{},"id":"2","message":"success"})"));
    transport.play(suback(4, {0x00}));
    transport.play(publish("/ext/ntp/a1pk/dev1/response",
                           R"({"deviceSendTime":"1000000","serverRecvTime":"1700000000000","serverSendTime":"1700000000000"})"));
    CHECK(readme::thing_example(client, clock));
    CHECK(readme::relay);
    const auto pubs = sent_publishes(transport);
    REQUIRE(pubs.size() == 5);
    CHECK(pubs[0].topic == post_topic); // the calls arrive while post_properties waits
    CHECK(pubs[1].topic == "/sys/a1pk/dev1/thing/service/Blink_reply");
    CHECK(pubs[1].payload == R"({"id":"900","version":"1.0","data":{"blinked":3},"code":200,"message":"success"})");
    CHECK(pubs[2].topic == set_reply_topic);
    CHECK(pubs[3].topic == "/sys/a1pk/dev1/thing/event/Alarm/post");
    CHECK(pubs[4].topic == "/ext/ntp/a1pk/dev1/request");
}

// ------------------------------------------------------------------ events

namespace {
constexpr std::string_view alarm_post_topic = "/sys/a1pk/dev1/thing/event/Alarm/post";
constexpr std::string_view alarm_reply_topic = "/sys/a1pk/dev1/thing/event/Alarm/post_reply";
} // namespace

TEST_CASE("post_event publishes thing.event.<id>.post at QoS 1 and its post_reply with the id is success") {
    Rig r;
    r.start();
    r.transport.play(puback(2));
    r.transport.play(publish(alarm_reply_topic,
                             R"({"code":200,"data":{},"id":"1","message":"success","method":"thing.event.Alarm.post"})"));
    const PostResult res = r.thing.post_event("Alarm", R"({"value":{"level":2},"time":1700000000000})", 5s);
    CHECK(res.ok());
    CHECK(res.id == 1);
    const auto pubs = sent_publishes(r.transport);
    REQUIRE(pubs.size() == 1);
    CHECK(pubs[0].qos == 1);
    CHECK(pubs[0].topic == alarm_post_topic);
    CHECK(pubs[0].payload ==
          R"({"id":"1","version":"1.0","params":{"value":{"level":2},"time":1700000000000},"method":"thing.event.Alarm.post"})");
}

TEST_CASE("post_event with a builder writes the members and the event method") {
    Rig r;
    r.start();
    r.transport.play(puback(2));
    r.transport.play(publish(alarm_reply_topic, R"({"code":200,"data":{},"id":"1","message":"success"})"));
    CHECK(r.thing.post_event("Alarm", [](AlinkRequestWriter& w) { w.add_int("level", 3).add_string("why", "hot"); },
                             5s)
              .ok());
    const auto pubs = sent_publishes(r.transport);
    REQUIRE(pubs.size() == 1);
    CHECK(pubs[0].payload ==
          R"({"id":"1","version":"1.0","params":{"level":3,"why":"hot"},"method":"thing.event.Alarm.post"})");
}

TEST_CASE("an event reply with code 6106 is aliyun_reply_error with the platform's code and message") {
    Rig r;
    r.start();
    r.transport.play(puback(2));
    r.transport.play(publish(alarm_reply_topic, R"({"code":6106,"data":{},"id":"1","message":"map size must less than 200"})"));
    const PostResult res = r.thing.post_event("Alarm", "{}", 5s);
    CHECK(res.error == Error::aliyun_reply_error);
    CHECK(res.code == 6106);
    CHECK(res.message.view() == "map size must less than 200");
}

TEST_CASE("no event reply before the deadline is a timeout; the late reply is an unknown id") {
    Rig r;
    r.start();
    r.transport.play(puback(2));
    const auto t0 = r.clock.peek();
    const PostResult res = r.thing.post_event("Alarm", "{}", 2s);
    CHECK(res.error == Error::timeout);
    CHECK(r.clock.peek() - t0 == 2s);
    r.transport.play(publish(alarm_reply_topic, R"({"code":200,"id":"1"})"));
    r.drain();
    CHECK(r.thing.stats().unknown_reply_ids == 1);
}

TEST_CASE("event replies with unknown ids or malformed JSON are skipped until the right one") {
    Rig r;
    r.start();
    r.transport.play(puback(2));
    r.transport.play(publish(alarm_reply_topic, R"({"code":200,"id":"7"})"));
    r.transport.play(publish(alarm_reply_topic, R"({"code":200,"id":"1",)"));
    r.transport.play(publish(alarm_reply_topic, R"({"code":200,"id":{"n":1}})"));
    r.transport.play(publish(alarm_reply_topic, R"({"code":200,"id":"1"})"));
    CHECK(r.thing.post_event("Alarm", "{}", 5s).ok());
    CHECK(r.thing.stats().unknown_reply_ids == 1);
    CHECK(r.thing.stats().malformed_replies == 2);
}

TEST_CASE("a bad event identifier or params are refused before anything is sent") {
    Rig r;
    r.start();
    CHECK(r.thing.post_event("", "{}", 1s).error == Error::aliyun_empty_field);
    CHECK(r.thing.post_event("a/b", "{}", 1s).error == Error::aliyun_forbidden_character);
    CHECK(r.thing.post_event("a+", "{}", 1s).error == Error::aliyun_forbidden_character);
    CHECK(r.thing.post_event(std::string(120, 'E'), "{}", 1s).error == Error::aliyun_topic_too_long);
    CHECK(r.thing.post_event("Alarm", "[]", 1s).error == Error::json_wrong_type);
    CHECK(r.thing.post_event("Alarm", [](AlinkRequestWriter& w) { w.add_raw("x", "{oops"); }, 1s).error ==
          Error::json_syntax);
    CHECK(r.transport.sent().empty());
    CHECK(r.thing.pending_posts() == 0);
}

TEST_CASE("a post that does not fit the buffer is buffer_too_small, for text and builder params") {
    FakeClock clock;
    WaitingTransport transport{clock};
    TestClient client{transport, clock};
    ThingModel<TestClient, 2, 64> thing{client, clock, dev};
    transport.play(connack(false, 0));
    REQUIRE(client.connect(Connect{}).ok());
    transport.clear_sent();
    const std::string big = R"({"Label":")" + std::string(60, 'x') + R"("})";
    CHECK(thing.post_properties(big, 1s).error == Error::buffer_too_small);
    CHECK(thing.post_event("Alarm", [](AlinkRequestWriter& w) { w.add_string("Label", std::string(60, 'x')); }, 1s)
              .error == Error::buffer_too_small);
    CHECK(transport.sent().empty());
}

TEST_CASE("a post while disconnected is the client's error and takes no slot") {
    Rig r;
    CHECK(r.thing.post_event("Alarm", "{}", 1s).error == Error::not_connected);
    CHECK(r.thing.pending_posts() == 0);
}

TEST_CASE("the link dropping while post_properties waits ends the wait with the reason and forgets the post") {
    Rig r;
    r.start();
    r.transport.play(puback(2));
    r.transport.close_when_drained = true;
    const PostResult res = r.thing.post_properties("{}", 5s);
    CHECK(res.error == Error::connection_closed);
    CHECK(res.id == 1);
    CHECK(r.thing.pending_posts() == 0);
}

TEST_CASE("a blocking post from a handler is reentrant_call and the post is forgotten") {
    Rig r;
    PostResult inner;
    r.thing.on_property_set([&r, &inner](const AlinkMessage&) {
        inner = r.thing.post_properties("{}", 1s);
        return 200;
    });
    r.start();
    r.transport.play(publish(set_topic, R"({"id":"5","params":{}})"));
    r.drain();
    CHECK(inner.error == Error::reentrant_call);
    CHECK(r.thing.pending_posts() == 0);
}

TEST_CASE("a property post reply and an event reply interleaved each resolve their own post") {
    Rig r;
    r.start();
    std::vector<PostResult> results;
    r.thing.on_post_result([&results](const PostResult& p) { results.push_back(p); });
    REQUIRE(r.thing.start_post_properties("{}", 5s).ok());
    REQUIRE(r.thing.start_post_event("Alarm", "{}", 5s).ok());
    r.transport.play(puback(2));
    r.transport.play(puback(3));
    r.transport.play(publish(alarm_reply_topic, R"({"code":200,"id":"2"})"));
    r.transport.play(publish(reply_topic, R"({"code":460,"id":"1","message":"bad"})"));
    r.drain();
    REQUIRE(results.size() == 2);
    CHECK(results[0].id == 2);
    CHECK(results[0].ok());
    CHECK(results[1].id == 1);
    CHECK(results[1].code == 460);
}

// ------------------------------------------------------------------ services

namespace {
constexpr std::string_view reboot_topic = "/sys/a1pk/dev1/thing/service/Reboot";
constexpr std::string_view reboot_reply_topic = "/sys/a1pk/dev1/thing/service/Reboot_reply";

struct ServiceSeen {
    int calls = 0;
    std::string service;
    std::string method;
    std::int64_t delay = -1;
};
} // namespace

TEST_CASE("a service call reaches the handler and its code and output become the _reply with the same id") {
    Rig r;
    ServiceSeen seen;
    r.thing.on_service([&seen](std::string_view id, const AlinkMessage& m, AlinkReplyWriter& out) {
        ++seen.calls;
        seen.service = std::string(id);
        seen.method = std::string(m.method.raw());
        if (auto d = m.param("delay"))
            if (auto v = d->as_int()) seen.delay = *v;
        out.add_int("accepted", 1).add_string("note", "in \"5\" s");
        return 200;
    });
    r.start();
    const SentPublish reply = r.only_reply_to(
        reboot_topic, R"({"id":"4242","version":"1.0","params":{"delay":5},"method":"thing.service.Reboot"})", 1, 9);
    CHECK(seen.calls == 1);
    CHECK(seen.service == "Reboot");
    CHECK(seen.method == "thing.service.Reboot");
    CHECK(seen.delay == 5);
    CHECK(reply.qos == 0);
    CHECK(reply.topic == reboot_reply_topic);
    CHECK(reply.payload ==
          R"({"id":"4242","version":"1.0","data":{"accepted":1,"note":"in \"5\" s"},"code":200,"message":"success"})");
}

TEST_CASE("a service handler's error code and message go back in the _reply") {
    Rig r;
    r.thing.on_service([](std::string_view, const AlinkMessage&, AlinkReplyWriter& out) {
        out.message("busy");
        return 429;
    });
    r.start();
    CHECK(r.only_reply_to(reboot_topic, R"({"id":"8","params":{}})").payload ==
          R"({"id":"8","version":"1.0","data":{},"code":429,"message":"busy"})");
}

TEST_CASE("a non-200 code without a message says failed") {
    Rig r;
    r.thing.on_service([](std::string_view, const AlinkMessage&, AlinkReplyWriter&) { return 500; });
    r.start();
    CHECK(r.only_reply_to(reboot_topic, R"({"id":"9","params":{}})").payload ==
          R"({"id":"9","version":"1.0","data":{},"code":500,"message":"failed"})");
}

TEST_CASE("a service call with no handler installed is answered 404 and counted") {
    Rig r;
    r.start();
    const SentPublish reply = r.only_reply_to(reboot_topic, R"({"id":"10","params":{},"method":"thing.service.Reboot"})");
    CHECK(r.thing.stats().unknown_services == 1);
    CHECK(reply.topic == reboot_reply_topic);
    CHECK(reply.payload == R"({"id":"10","version":"1.0","data":{},"code":404,"message":"no handler for this service"})");
}

TEST_CASE("a service handler whose output is bad JSON or too big gets a 500 reply without data") {
    FakeClock clock;
    WaitingTransport transport{clock};
    TestClient client{transport, clock};
    ThingModel<TestClient, 2, 128> thing{client, clock, dev};
    bool big = false;
    thing.on_service([&big](std::string_view, const AlinkMessage&, AlinkReplyWriter& out) {
        if (big) out.add_string("blob", std::string(200, 'x'));
        else out.add_raw("bad", "{nope");
        return 200;
    });
    transport.play(connack(false, 0));
    REQUIRE(client.connect(Connect{}).ok());
    transport.play(suback(1, {1, 1, 1}));
    REQUIRE(thing.start().ok());
    transport.clear_sent();
    transport.play(publish(reboot_topic, R"({"id":"11","params":{}})"));
    for (auto e = client.poll(); e.ok() && *e; e = client.poll()) {}
    big = true;
    transport.play(publish(reboot_topic, R"({"id":"12","params":{}})"));
    for (auto e = client.poll(); e.ok() && *e; e = client.poll()) {}
    const auto pubs = sent_publishes(transport);
    REQUIRE(pubs.size() == 2);
    CHECK(pubs[0].payload == R"({"id":"11","version":"1.0","data":{},"code":500,"message":"device reply error"})");
    CHECK(pubs[1].payload == R"({"id":"12","version":"1.0","data":{},"code":500,"message":"device reply error"})");
}

TEST_CASE("the device's own _reply echoed by the broker is not taken for a service call") {
    Rig r;
    int calls = 0;
    r.thing.on_service([&calls](std::string_view, const AlinkMessage&, AlinkReplyWriter&) { return ++calls, 200; });
    r.start();
    r.transport.play(publish(reboot_reply_topic, R"({"id":"4242","version":"1.0","data":{},"code":200})"));
    r.drain();
    CHECK(calls == 0);
    CHECK(sent_publishes(r.transport).empty());
}

TEST_CASE("a malformed service call with an id gets a 460 reply; without an id it is only counted") {
    Rig r;
    int calls = 0;
    r.thing.on_service([&calls](std::string_view, const AlinkMessage&, AlinkReplyWriter&) { return ++calls, 200; });
    r.start();
    r.transport.play(publish(reboot_topic, R"({"id":"13","params":[1,2]})"));
    r.transport.play(publish(reboot_topic, R"({"id":14,"method":7})"));
    r.transport.play(publish(reboot_topic, R"({"id":true,"params":{}})"));
    r.transport.play(publish(reboot_topic, R"({"params":{}})"));
    r.transport.play(publish(reboot_topic, R"({"id":"15","params":{)"));
    r.transport.play(publish(reboot_topic, R"("just a string")"));
    r.drain();
    CHECK(calls == 0);
    CHECK(r.thing.stats().malformed_requests == 6);
    const auto pubs = sent_publishes(r.transport);
    REQUIRE(pubs.size() == 2);
    CHECK(pubs[0].topic == reboot_reply_topic);
    CHECK(pubs[0].payload == R"({"code":460,"data":{},"id":"13","message":"request parameter error","version":"1.0"})");
    CHECK(pubs[1].payload == R"({"code":460,"data":{},"id":"14","message":"request parameter error","version":"1.0"})");
    CHECK(r.client.connected());
}

TEST_CASE("a malformed property set with an id gets a 460 set_reply") {
    Rig r;
    int calls = 0;
    r.thing.on_property_set([&calls](const AlinkMessage&) { return ++calls, 200; });
    r.start();
    const SentPublish reply = r.only_reply_to(set_topic, R"({"id":"16","params":"PowerSwitch_1=1"})");
    CHECK(calls == 0);
    CHECK(reply.topic == set_reply_topic);
    CHECK(reply.payload == R"({"code":460,"data":{},"id":"16","message":"request parameter error","version":"1.0"})");
}

TEST_CASE("a property set without a handler is acknowledged with 200") {
    Rig r;
    r.start();
    CHECK(r.only_reply_to(set_topic, R"({"id":"17","params":{"X":1}})").payload ==
          R"({"code":200,"data":{},"id":"17","message":"success","version":"1.0"})");
}

TEST_CASE("a service id whose _reply topic would pass 128 characters, or an empty one, counts a send failure") {
    Rig r;
    r.thing.on_service([](std::string_view, const AlinkMessage&, AlinkReplyWriter&) { return 200; });
    r.start();
    const std::string long_id(97, 'S'); // 29 + 97 = 126 chars down, 132 up
    r.transport.play(publish("/sys/a1pk/dev1/thing/service/" + long_id, R"({"id":"18","params":{}})"));
    r.transport.play(publish("/sys/a1pk/dev1/thing/service/", R"({"id":"19","params":{}})"));
    r.drain();
    CHECK(r.thing.stats().send_failures == 2);
    CHECK(sent_publishes(r.transport).empty());
}

namespace {
/// What a handler read from params full of JSON edge cases.
struct EdgeSeen {
    std::string nested;
    std::int64_t array_sum = 0;
    std::size_t array_len = 0;
    std::string text;
    std::string exponent_raw;
    Error exponent_as_int{};
    std::int64_t wrapped = -1;
    std::string wrapped_time;
    std::int64_t negative = 0;
};
} // namespace

TEST_CASE("params with nested objects, arrays, escapes, surrogate pairs, exponents and value/time reach the handler intact") {
    Rig r;
    EdgeSeen seen;
    r.thing.on_service([&seen](std::string_view, const AlinkMessage& m, AlinkReplyWriter& out) {
        if (auto cfg = m.param("Config"))
            if (auto mode = cfg->find("inner"))
                if (auto deep = mode->find("mode"))
                    if (auto s = deep->as_string())
                        if (auto d = s->decode<32>()) seen.nested = std::string(d->view());
        if (auto arr = m.param("List"))
            for (json::Value e : arr->elements()) {
                ++seen.array_len;
                if (auto i = e.as_int()) seen.array_sum += *i;
            }
        if (auto t = m.param("Text"))
            if (auto s = t->as_string())
                if (auto d = s->decode<64>()) seen.text = std::string(d->view());
        if (auto e = m.param("Big")) {
            seen.exponent_raw = std::string(e->raw());
            seen.exponent_as_int = e->as_int().error();
        }
        if (auto w = m.param("Temp")) {
            if (auto i = w->as_int()) seen.wrapped = *i;
        }
        if (auto t = m.params.find("Temp"))
            if (auto time = t->find("time")) seen.wrapped_time = std::string(time->raw());
        if (auto n = m.param("Neg"))
            if (auto i = n->as_int()) seen.negative = *i;
        out.add_raw("echo", R"({"k":[1,{"x":-2.5e-3}]})");
        return 200;
    });
    r.start();
    r.transport.play(publish(reboot_topic, R"({"id":"20","params":{)"
                                           R"("Config":{"inner":{"mode":"eco"}},)"
                                           R"("List":[1,2,[3],{"a":4},-5],)"
                                           R"("Text":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \n\t",)"
                                           R"("Big":1.5E+3,)"
                                           R"("Temp":{"value":23,"time":1700000000000},)"
                                           R"("Neg":-9223372036854775808}})"));
    r.drain();
    CHECK(seen.nested == "eco");
    CHECK(seen.array_len == 5);
    CHECK(seen.array_sum == 1 + 2 - 5);
    CHECK(seen.text == "caf\xC3\xA9 \xF0\x9F\x98\x80 \"q\" \\ / \n\t");
    CHECK(seen.exponent_raw == "1.5E+3");
    CHECK(seen.exponent_as_int == Error::json_wrong_type);
    CHECK(seen.wrapped == 23);
    CHECK(seen.wrapped_time == "1700000000000");
    CHECK(seen.negative == std::numeric_limits<std::int64_t>::min());
    const auto pubs = sent_publishes(r.transport);
    REQUIRE(pubs.size() == 1);
    CHECK(pubs[0].payload ==
          R"({"id":"20","version":"1.0","data":{"echo":{"k":[1,{"x":-2.5e-3}]}},"code":200,"message":"success"})");
}

TEST_CASE("params with a lone surrogate, a bad escape, a leading zero or too deep nesting are a 460 reply, never a crash") {
    Rig r;
    int calls = 0;
    r.thing.on_service([&calls](std::string_view, const AlinkMessage&, AlinkReplyWriter&) { return ++calls, 200; });
    r.thing.on_property_set([&calls](const AlinkMessage&) { return ++calls, 200; });
    r.start();
    const std::string deep = std::string(40, '[') + std::string(40, ']');
    for (const std::string& params : {std::string(R"({"t":"\ud83d"})"), std::string(R"({"t":"\x41"})"),
                                      std::string(R"({"n":012})"), std::string(R"({"n":1.})"),
                                      std::string(R"({"n":1e})"), std::string("{\"t\":\"a\x01\"}"), R"({"d":)" + deep + "}"}) {
        // Each is invalid JSON as a whole: no id can be trusted, so no reply.
        r.transport.play(publish(reboot_topic, R"({"id":"21","params":)" + params + "}"));
        r.transport.play(publish(set_topic, R"({"id":"22","params":)" + params + "}"));
    }
    r.drain();
    CHECK(calls == 0);
    CHECK(r.thing.stats().malformed_requests == 14);
    CHECK(sent_publishes(r.transport).empty());
    CHECK(r.client.connected());
}

// ------------------------------------------------------------------ NTP

namespace {
constexpr std::string_view ntp_request = "/ext/ntp/a1pk/dev1/request";
constexpr std::string_view ntp_response = "/ext/ntp/a1pk/dev1/response";
} // namespace

TEST_CASE("ntp_time subscribes the response topic, sends the Clock's ms and computes the time exactly") {
    Rig r;
    r.connect();
    const auto t0 = r.clock.peek(); // FakeClock starts at 1000 s: deviceSendTime 1000000
    r.transport.play(suback(1, {0x00}));
    r.transport.play(
        publish(ntp_response,
                R"({"deviceSendTime":"1000000","serverRecvTime":"1700000000050","serverSendTime":"1700000000051"})"),
        t0 + 120ms);
    const NtpResult res = r.thing.ntp_time(5s);
    REQUIRE(res.ok());
    // (1700000000050 + 1700000000051 + 1000120 - 1000000) / 2 = 3400000000221 / 2, rounded down
    CHECK(res.utc_ms == 1700000000110ULL);
    CHECK(res.device_send_ms == 1000000);
    CHECK(res.device_recv_ms == 1000120);
    CHECK(r.clock.peek() == t0 + 120ms);
    const Frames f = split_frames(r.transport.sent());
    REQUIRE(f.size() == 2);
    Wire sub;
    sub.put(0x82);
    sub.put_len(2 + 2 + ntp_response.size() + 1);
    sub.put16(1);
    sub.put_str(ntp_response);
    sub.put(0);
    CHECK(same(f[0], sub));
    const SentPublish req = parse_publish(f[1]);
    CHECK(req.qos == 0);
    CHECK(req.topic == ntp_request);
    CHECK(req.payload == R"({"deviceSendTime":"1000000"})");
    CHECK(r.thing.last_ntp().utc_ms == res.utc_ms);
    CHECK_FALSE(r.thing.ntp_pending());
}

TEST_CASE("a second ntp_time reuses the subscription and numbers work as well as strings") {
    Rig r;
    r.connect();
    r.transport.play(suback(1, {0x00}));
    const auto t0 = r.clock.peek();
    r.transport.play(publish(ntp_response, R"({"deviceSendTime":1000000,"serverRecvTime":10,"serverSendTime":20})"),
                     t0 + 2ms);
    REQUIRE(r.thing.ntp_time(1s).ok());
    r.transport.clear_sent();
    r.clock.set(t0 + 5s);
    r.transport.play(publish(ntp_response, R"({"deviceSendTime":"1005000","serverRecvTime":"1700000000000","serverSendTime":"1700000000002"})"),
                     t0 + 5s + 41ms);
    const NtpResult res = r.thing.ntp_time(1s);
    REQUIRE(res.ok());
    CHECK(res.utc_ms == (1700000000000ULL + 1700000000002ULL + 41) / 2);
    const auto pubs = sent_publishes(r.transport);
    REQUIRE(pubs.size() == 1); // no second SUBSCRIBE
    CHECK(split_frames(r.transport.sent()).size() == 1);
}

TEST_CASE("no NTP response before the deadline is a timeout at the deadline; a late one is unmatched") {
    Rig r;
    r.connect();
    r.transport.play(suback(1, {0x00}));
    const auto t0 = r.clock.peek();
    const NtpResult res = r.thing.ntp_time(3s);
    CHECK(res.error == Error::timeout);
    CHECK(res.device_send_ms == 1000000);
    CHECK(r.clock.peek() == t0 + 3s);
    CHECK_FALSE(r.thing.ntp_pending());
    r.transport.play(publish(ntp_response, R"({"deviceSendTime":"1000000","serverRecvTime":"5","serverSendTime":"6"})"));
    r.drain();
    CHECK(r.thing.stats().ntp_unmatched == 1);
    CHECK(r.thing.last_ntp().error == Error::timeout);
}

TEST_CASE("NTP responses with a stale deviceSendTime or malformed JSON are skipped until the matching one") {
    Rig r;
    r.connect();
    r.transport.play(suback(1, {0x00}));
    const auto t0 = r.clock.peek();
    r.transport.play(publish(ntp_response, R"({"deviceSendTime":"999000","serverRecvTime":"1","serverSendTime":"2"})"));
    r.transport.play(publish(ntp_response, R"({"deviceSendTime":"1000000","serverRecvTime":"1")"));
    r.transport.play(publish(ntp_response, R"({"deviceSendTime":"1000000","serverRecvTime":"1"})"));
    r.transport.play(publish(ntp_response, R"({"deviceSendTime":"1e6","serverRecvTime":"1","serverSendTime":"2"})"));
    r.transport.play(publish(ntp_response, R"([1000000])"));
    r.transport.play(publish(ntp_response, R"({"deviceSendTime":"1000000","serverRecvTime":"100","serverSendTime":"110"})"),
                     t0 + 10ms);
    const NtpResult res = r.thing.ntp_time(5s);
    REQUIRE(res.ok());
    CHECK(res.utc_ms == (100 + 110 + 10) / 2);
    CHECK(r.thing.stats().ntp_unmatched == 1);
    CHECK(r.thing.stats().malformed_replies == 4);
}

TEST_CASE("a refused NTP subscription is reported naming the response topic and nothing is published") {
    Rig r;
    r.connect();
    r.transport.play(suback(1, {0x80}));
    const NtpResult res = r.thing.ntp_time(5s);
    CHECK(res.error == Error::subscription_refused);
    CHECK(r.thing.refused_filter() == ntp_response);
    CHECK(sent_publishes(r.transport).empty());
}

TEST_CASE("start_ntp reports through on_ntp, refuses a second request while one is pending, times out via check_deadlines") {
    Rig r;
    r.connect();
    r.transport.play(suback(1, {0x00}));
    REQUIRE(r.thing.subscribe_ntp(5s).ok());
    std::vector<NtpResult> seen;
    r.thing.on_ntp([&seen](const NtpResult& n) { seen.push_back(n); });
    const auto t0 = r.clock.peek();
    REQUIRE(r.thing.start_ntp(2s).ok());
    CHECK(r.thing.ntp_pending());
    CHECK(r.thing.start_ntp(2s).error() == Error::in_flight_full);
    r.transport.play(publish(ntp_response, R"({"deviceSendTime":"1000000","serverRecvTime":"40","serverSendTime":"60"})"));
    r.drain();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].ok());
    CHECK(seen[0].utc_ms == 50);
    r.clock.set(t0 + 10s);
    REQUIRE(r.thing.start_ntp(2s).ok());
    r.clock.advance(1999ms);
    r.thing.check_deadlines();
    CHECK(seen.size() == 1);
    r.clock.advance(1ms);
    r.thing.check_deadlines();
    REQUIRE(seen.size() == 2);
    CHECK(seen[1].error == Error::timeout);
    CHECK(seen[1].device_send_ms == 1010000);
}

TEST_CASE("an NTP response received on a clock earlier than its send time is invalid_argument") {
    Rig r;
    r.connect();
    r.transport.play(suback(1, {0x00}));
    REQUIRE(r.thing.subscribe_ntp(5s).ok());
    const auto t0 = r.clock.peek();
    REQUIRE(r.thing.start_ntp(2s).ok());
    r.clock.set(t0 - 1s);
    r.transport.play(publish(ntp_response, R"({"deviceSendTime":"1000000","serverRecvTime":"40","serverSendTime":"60"})"));
    r.drain();
    CHECK(r.thing.last_ntp().error == Error::invalid_argument);
    CHECK_FALSE(r.thing.ntp_pending());
}

TEST_CASE("ntp_time while disconnected, or when the link drops while waiting, returns the reason") {
    Rig r;
    CHECK(r.thing.ntp_time(1s).error == Error::not_connected);
    r.connect();
    r.transport.play(suback(1, {0x00}));
    r.transport.close_when_drained = true;
    const NtpResult res = r.thing.ntp_time(5s);
    CHECK(res.error == Error::connection_closed);
    CHECK(res.device_send_ms == 1000000);
    CHECK_FALSE(r.thing.ntp_pending());
    CHECK(r.thing.ntp_time(1s).error == Error::not_connected); // subscribed before: the publish fails
}

TEST_CASE("a bad device id or a too small buffer fails every call before anything is sent") {
    FakeClock clock;
    WaitingTransport transport{clock};
    TestClient client{transport, clock};
    ThingModel<TestClient> bad{client, clock, DeviceId{"", "dev1"}};
    ThingModel<TestClient, 1, 16> tiny{client, clock, dev};
    transport.play(connack(false, 0));
    REQUIRE(client.connect(Connect{}).ok());
    transport.clear_sent();
    CHECK(bad.start().error() == Error::aliyun_empty_field);
    CHECK(bad.subscribe_ntp().error() == Error::aliyun_empty_field);
    CHECK(bad.start_ntp().error() == Error::aliyun_empty_field);
    CHECK(bad.post_properties("{}").error == Error::aliyun_empty_field);
    CHECK(tiny.start_ntp().error() == Error::buffer_too_small);
    CHECK(transport.sent().empty());
}

TEST_CASE("an RRPC request on an empty message id, or after the handler was removed, sends nothing") {
    Rig r;
    r.thing.on_rrpc([](std::string_view, std::string_view, std::span<char>) -> std::string_view { return "ok"; });
    r.connect();
    r.transport.play(suback(1, {0x01, 0x01, 0x01, 0x00}));
    REQUIRE(r.thing.start().ok());
    r.transport.clear_sent();
    r.transport.play(publish("/sys/a1pk/dev1/rrpc/request/", "x"));
    r.drain();
    CHECK(r.thing.stats().send_failures == 1);
    r.thing.on_rrpc({});
    r.transport.play(publish("/sys/a1pk/dev1/rrpc/request/5", "x"));
    r.drain();
    CHECK(sent_publishes(r.transport).empty());
}

TEST_CASE("a reply message longer than 64 characters is cut at 64, escapes and all") {
    Rig r;
    r.start();
    r.transport.play(puback(2));
    const std::string text = "\\u00e9" + std::string(80, 'm');
    r.transport.play(publish(reply_topic, R"({"code":500,"id":"1","message":")" + text + R"("})"));
    const PostResult res = r.thing.post_properties("{}", 5s);
    CHECK(res.code == 500);
    CHECK(res.message.view() == std::string_view(text).substr(0, 64));
}

TEST_CASE("another post's reply arriving during a blocking post resolves that one through on_post_result") {
    Rig r;
    r.start();
    std::vector<PostResult> results;
    r.thing.on_post_result([&results](const PostResult& p) { results.push_back(p); });
    REQUIRE(r.thing.start_post_properties(R"({"A":1})", 5s).ok()); // id 1, still pending
    r.transport.play(puback(2));
    r.transport.play(puback(3));
    r.transport.play(publish(reply_topic, R"({"code":200,"id":"1"})"));
    r.transport.play(publish(alarm_reply_topic_for_readme, R"({"code":200,"id":"2"})"));
    const PostResult res = r.thing.post_event("Alarm", "{}", 5s);
    CHECK(res.ok());
    CHECK(res.id == 2);
    REQUIRE(results.size() == 2);
    CHECK(results[0].id == 1);
    CHECK(results[1].id == 2);
}

TEST_CASE("an RRPC handler that overruns 8 s is counted even with no on_rrpc_late observer") {
    Rig r;
    RrpcSeen seen;
    seen.clock = &r.clock;
    seen.cost = 9s;
    r.thing.on_rrpc([&seen](std::string_view, std::string_view, std::span<char>) -> std::string_view {
        seen.clock->advance(seen.cost);
        return "late";
    });
    r.connect();
    r.transport.play(suback(1, {0x01, 0x01, 0x01, 0x00}));
    REQUIRE(r.thing.start().ok());
    r.transport.play(publish("/sys/a1pk/dev1/rrpc/request/3", "x"));
    r.drain();
    CHECK(r.thing.stats().rrpc_late == 1);
    CHECK(sent_publishes(r.transport).size() == 1); // answered anyway: the platform may still take it
}

namespace {
/// A client whose outbound queue (256 bytes) is smaller than a reply the
/// ThingModel can build (512 bytes), so the reply's publish fails.
struct SmallTx : DefaultConfig {
    static constexpr std::size_t tx_buffer_size = 256;
};
using SmallTxClient = Client<WaitingTransport, FakeClock, SmallTx>;
} // namespace

TEST_CASE("a service reply the client cannot queue is counted as a send failure, not lost silently") {
    FakeClock clock;
    WaitingTransport transport{clock};
    SmallTxClient client{transport, clock};
    ThingModel<SmallTxClient> thing{client, clock, dev};
    thing.on_service([](std::string_view, const AlinkMessage&, AlinkReplyWriter& out) {
        out.add_string("blob", std::string(300, 'x'));
        return 200;
    });
    transport.play(connack(false, 0));
    REQUIRE(client.connect(Connect{}).ok());
    transport.play(suback(1, {1, 1, 1}));
    REQUIRE(thing.start().ok());
    transport.clear_sent();
    transport.play(publish(reboot_topic, R"({"id":"30","params":{}})"));
    for (auto e = client.poll(); e.ok() && *e; e = client.poll()) {}
    CHECK(thing.stats().send_failures == 1);
    CHECK(sent_publishes(transport).empty());
    CHECK(client.connected());
}
