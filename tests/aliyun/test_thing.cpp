// ThingModel against a scripted broker that plays the platform: post_reply
// matching (success, error code, timeout, unknown ids, malformed JSON),
// property set -> set_reply, RRPC round trip, refused subscription.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "alimqtt/aliyun/thing.hpp"
#include "alimqtt/client.hpp"
#include "catch.hpp"
#include "fake_clock.hpp"
#include "mqtt_bytes.hpp"
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
    void start(std::initializer_list<unsigned> codes = {0x01, 0x01}) {
        connect();
        transport.play(suback(1, codes));
        REQUIRE(thing.start().ok());
        transport.clear_sent();
    }
    void drain() {
        for (;;) {
            auto e = client.poll();
            REQUIRE(e.ok());
            if (!*e) return;
        }
    }
};

} // namespace

TEST_CASE("start subscribes post_reply and property set with one SUBSCRIBE") {
    Rig r;
    r.connect();
    r.transport.play(suback(1, {0x01, 0x01}));
    REQUIRE(r.thing.start().ok());
    const Frames f = split_frames(r.transport.sent());
    REQUIRE(f.size() == 1);
    CHECK(f.type(0) == 8);
    Wire want;
    want.put(0x82);
    want.put_len(2 + 2 + reply_topic.size() + 1 + 2 + set_topic.size() + 1);
    want.put16(1);
    want.put_str(reply_topic);
    want.put(1);
    want.put_str(set_topic);
    want.put(1);
    CHECK(same(f[0], want));
    CHECK(r.thing.refused_filter().empty());
}

TEST_CASE("a refused filter is reported as subscription_refused naming the topic") {
    Rig r;
    r.connect();
    r.transport.play(suback(1, {0x01, 0x80}));
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
    r.transport.play(publish(reply_topic, R"({"code":200,"data":{},"id":"1","message":"success","version":"1.0"})"));
    const PostResult res = r.thing.post_properties(std::string_view(R"({"PowerSwitch_1":1})"), 5s);
    CHECK(res.ok());
    CHECK(r.thing.stats().malformed_replies == 4);
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
    r.transport.play(publish(set_topic,
                             R"({"method":"thing.service.property.set","id":"1024580116","params":{"PowerSwitch_1":0},"version":"1.0.0"})"));
    r.drain();
    CHECK(got.method == "thing.service.property.set");
    CHECK(got.power == 0);
    const auto pubs = sent_publishes(r.transport);
    REQUIRE(pubs.size() == 1);
    CHECK(pubs[0].qos == 0);
    CHECK(pubs[0].topic == set_reply_topic);
    CHECK(pubs[0].payload == R"({"code":200,"data":{},"id":"1024580116","message":"success","version":"1.0"})");
}

TEST_CASE("a property set handler's error code is sent back in the set_reply") {
    Rig r;
    r.thing.on_property_set([](const AlinkMessage&) { return 9201; });
    r.start();
    r.transport.play(publish(set_topic, R"({"method":"thing.service.property.set","id":"77","params":{"X":1}})", 1, 5));
    r.drain();
    const auto pubs = sent_publishes(r.transport);
    REQUIRE(pubs.size() == 1);
    CHECK(pubs[0].topic == set_reply_topic);
    CHECK(pubs[0].payload == R"({"code":9201,"data":{},"id":"77","message":"failed","version":"1.0"})");
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
    r.transport.play(suback(1, {0x01, 0x01, 0x00}));
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
    r.transport.play(suback(1, {0x01, 0x01, 0x00}));
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
PostResult thing_example(MyClient& client, MyClock& clock) {
    aliyun::ThingModel<MyClient> thing{client, clock, {"a1pk", "dev1"}};
    thing.on_property_set([](const aliyun::AlinkMessage& m) {
        if (auto v = m.param("PowerSwitch_1"))
            if (auto on = v->as_int()) set_relay(*on != 0);
        return 200;                     // becomes the set_reply's code
    });
    if (auto s = thing.start(); !s)     // subscription_refused: thing.refused_filter() says which
        return PostResult{0, s.error(), 0, {}};
    auto r = thing.post_properties([](aliyun::AlinkRequestWriter& w) { w.add_int("PowerSwitch_1", 1); }, 5s);
    if (r.error == Error::aliyun_reply_error) { /* r.code, r.message.view(): the platform's verdict */ }
    return r;
}
} // namespace readme

TEST_CASE("the README thing-model example posts and reads the platform's reply") {
    FakeClock clock;
    WaitingTransport transport{clock};
    TestClient client{transport, clock};
    transport.play(connack(false, 0));
    Connect c;
    c.client_id = "dev1";
    REQUIRE(client.connect(c).ok());
    transport.play(suback(1, {0x01, 0x01}));
    transport.play(puback(2));
    transport.play(publish(reply_topic, R"({"code":200,"data":{},"id":"1","message":"success","version":"1.0"})"));
    CHECK(readme::thing_example(client, clock).ok());
}
