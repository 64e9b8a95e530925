// Dynamic registration ("one product, one secret"): the signed registration
// CONNECT, the platform's /ext/register and /ext/regnwl replies, the connwl
// credentials, register_device() over a scripted broker (FakeClock, no
// socket), Client::run_until_event, and the Tracer wrapper that keeps secrets out
// of traces.
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "alimqtt/aliyun/register_device.hpp"
#include "alimqtt/client.hpp"
#include "alimqtt/codec/decode.hpp"
#include "alimqtt/fmt.hpp"
#include "catch.hpp"
#include "fake_clock.hpp"
#include "mqtt_bytes.hpp"
#include "scripted_transport.hpp"

using namespace alimqtt;
using namespace alimqtt::aliyun;
using namespace alimqtt::test;
using namespace std::chrono_literals;

namespace {

constexpr ProductCredentials product{"a1B2c3D4e5F", "pico-w-001", "k9XsBq2LmT7vRw4Z"};
constexpr std::string_view random_text = "8472916305";
// printf '%s' 'deviceNamepico-w-001productKeya1B2c3D4e5Frandom8472916305' |
//   openssl dgst -sha256 -hmac 'k9XsBq2LmT7vRw4Z'
constexpr std::string_view vector_password = "a8990eee140833d077c6b7a21b0fcc7d49a2ca36556f0d47ed4e3e680f83ccee";
constexpr std::string_view secret = "Zq3e5RkT0pLm8VwXyB1nC4dF6gH7jK9s";
constexpr std::string_view token = "tk-7f1e9c2ab34d4e5f8a6b7c8d9e0f1a2b";

std::string text_of(Bytes b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

/// Every packet the client sent, decoded by the codec (views into `sent`).
std::vector<Packet> sent_packets(std::span<const std::byte> sent) {
    const Frames f = split_frames(sent);
    REQUIRE(f.complete);
    std::vector<Packet> out;
    for (std::size_t i = 0; i < f.size(); ++i) {
        auto p = decode_packet(f[i]);
        REQUIRE(p.ok());
        out.push_back(*p);
    }
    return out;
}

/// A Tracer that writes every packet as aliyun_device --verbose would (payload
/// preview of 200 bytes) plus its raw bytes, into one text.
struct RecordingTracer {
    std::string* log = nullptr;
    void on_packet(Direction d, const Packet& p, Bytes raw) const {
        *log += fmt::format("{} {:p200} raw={}\n", d == Direction::out ? "->" : "<-", p, text_of(raw));
    }
};

template <class Tracer = NoTracer>
struct Rig {
    using TestClient = Client<WaitingTransport, FakeClock, DefaultConfig, Tracer>;
    FakeClock clock;
    WaitingTransport transport{clock};
    TestClient client;
    explicit Rig(Tracer t = {}) : client(transport, clock, t) {}
};

DynregOptions options(DynregFlow flow = DynregFlow::preregistered) {
    DynregOptions o;
    o.flow = flow;
    o.random = random_text;
    return o;
}

} // namespace

// ------------------------------------------------------------------ signing

TEST_CASE("the register CONNECT signs deviceName, productKey and random with the ProductSecret as openssl does") {
    const auto c = sign_dynreg(product, options());
    REQUIRE(c.ok());
    CHECK(c->client_id.view() == "pico-w-001.a1B2c3D4e5F|random=8472916305,authType=register,securemode=2,"
                                 "signmethod=hmacsha256|");
    CHECK(c->username.view() == "pico-w-001&a1B2c3D4e5F");
    CHECK(c->password.view() == vector_password);
    const Connect k = c->to_connect();
    CHECK(k.client_id == c->client_id.view());
    CHECK(k.clean_session);
    CHECK(k.keepalive_s == 60);
    REQUIRE(k.username);
    CHECK(*k.username == "pico-w-001&a1B2c3D4e5F");
    REQUIRE(k.password);
    CHECK(text_of(*k.password) == vector_password);
}

TEST_CASE("regnwl declares authType=regnwl, securemode=-2 and instanceId without changing the signature") {
    DynregOptions o = options(DynregFlow::whitelist_free);
    o.instance_id = "iot-06z00abcdefg";
    o.secure_mode = DynregSecureMode::tls_new_instance;
    o.hex_case = HexCase::upper;
    const auto c = sign_dynreg(product, o);
    REQUIRE(c.ok());
    CHECK(c->client_id.view() == "pico-w-001.a1B2c3D4e5F|random=8472916305,authType=regnwl,securemode=-2,"
                                 "signmethod=hmacsha256,instanceId=iot-06z00abcdefg|");
    // Only deviceName, productKey and random are signed: same HMAC, upper-case digits.
    std::string upper(vector_password);
    for (char& ch : upper)
        if (ch >= 'a' && ch <= 'f') ch = static_cast<char>(ch - 'a' + 'A');
    CHECK(c->password.view() == upper);
    CHECK(auth_type(DynregFlow::whitelist_free) == "regnwl");
    CHECK(auth_type(DynregFlow::preregistered) == "register");
}

TEST_CASE("registration inputs that would break the clientId or its signature are refused") {
    auto with = [](ProductCredentials p, std::string_view random = random_text, std::string_view instance = {}) {
        DynregOptions o = options();
        o.random = random;
        o.instance_id = instance;
        return sign_dynreg(p, o).error();
    };
    CHECK(with({"", "dn", "ps"}) == Error::aliyun_empty_field);
    CHECK(with({"pk", "", "ps"}) == Error::aliyun_empty_field);
    CHECK(with({"pk", "dn", ""}) == Error::aliyun_empty_field);
    CHECK(with({"pk", "dn", "ps"}, "") == Error::aliyun_empty_field);
    CHECK(with({"p|k", "dn", "ps"}) == Error::aliyun_forbidden_character);
    CHECK(with({"pk", "d&n", "ps"}) == Error::aliyun_forbidden_character);
    CHECK(with({"pk", "dn", "ps"}, "12,3") == Error::aliyun_forbidden_character);
    CHECK(with({"pk", "dn", "ps"}, "1", "a=b") == Error::aliyun_forbidden_character);
    const std::string long65(65, 'x');
    CHECK(with({long65, "dn", "ps"}) == Error::aliyun_field_too_long);
    CHECK(with({"pk", long65, "ps"}) == Error::aliyun_field_too_long);
    CHECK(with({"pk", "dn", "ps"}, long65) == Error::aliyun_field_too_long);
    CHECK(with({"pk", "dn", "ps"}, "1", long65) == Error::aliyun_field_too_long);
    const std::string dn53(53, 'd'); // 53 + '.' + 11 = 65 > 64
    CHECK(with({"a1B2c3D4e5F", dn53, "ps"}) == Error::aliyun_client_id_too_long);
    CHECK(sign_dynreg({"a1B2c3D4e5F", std::string(52, 'd'), "ps"}, options()).ok());
}

TEST_CASE("the longest accepted inputs fit the clientId storage") {
    DynregOptions o = options(DynregFlow::whitelist_free);
    const std::string r(64, 'r'), id(64, 'i');
    o.random = r;
    o.instance_id = id;
    o.secure_mode = DynregSecureMode::tls_new_instance;
    const auto c = sign_dynreg({"a1B2c3D4e5F", std::string(52, 'd'), "ps"}, o);
    REQUIRE(c.ok());
    CHECK(c->client_id.view().ends_with(",instanceId=" + id + "|"));
    CHECK(c->client_id.view().starts_with(std::string(52, 'd') + ".a1B2c3D4e5F|random=" + r + ",authType=regnwl"));
}

// ------------------------------------------------------------------ replies

TEST_CASE("an /ext/register reply yields the deviceSecret, escapes decoded, other members ignored") {
    const auto r = read_dynreg_reply(DynregFlow::preregistered,
                                     R"({"productKey":"a1B2c3D4e5F","deviceName":"pico-w-001","deviceSecret":"ab\u0063d"})");
    REQUIRE(r.ok());
    CHECK(r->flow == DynregFlow::preregistered);
    CHECK(r->device_secret.view() == "abcd");
    CHECK(r->client_id.empty());
    CHECK(r->device_token.empty());
}

TEST_CASE("an /ext/regnwl reply yields clientId and deviceToken") {
    const auto r = read_dynreg_reply(DynregFlow::whitelist_free,
                                     R"({"clientId":"cid-42","productKey":"pk","deviceName":"dn","deviceToken":"tok"})");
    REQUIRE(r.ok());
    CHECK(r->flow == DynregFlow::whitelist_free);
    CHECK(r->client_id.view() == "cid-42");
    CHECK(r->device_token.view() == "tok");
    CHECK(r->device_secret.empty());
}

TEST_CASE("malformed or incomplete replies are refused with the reason") {
    using F = DynregFlow;
    CHECK(read_dynreg_reply(F::preregistered, "").error() == Error::json_syntax);
    CHECK(read_dynreg_reply(F::preregistered, R"({"deviceSecret":"x")").error() == Error::json_syntax);
    CHECK(read_dynreg_reply(F::preregistered, R"({"deviceSecret":"x"} x)").error() == Error::json_trailing_garbage);
    CHECK(read_dynreg_reply(F::preregistered, R"(["deviceSecret"])").error() == Error::json_wrong_type);
    CHECK(read_dynreg_reply(F::preregistered, R"({"productKey":"pk"})").error() == Error::json_missing_field);
    CHECK(read_dynreg_reply(F::preregistered, R"({"deviceSecret":42})").error() == Error::json_wrong_type);
    CHECK(read_dynreg_reply(F::preregistered, R"({"deviceSecret":""})").error() == Error::aliyun_empty_field);
    const std::string long_secret = R"({"deviceSecret":")" + std::string(65, 's') + R"("})";
    CHECK(read_dynreg_reply(F::preregistered, long_secret).error() == Error::aliyun_field_too_long);
    CHECK(read_dynreg_reply(F::preregistered, R"({"deviceSecret":"\ud800"})").error() == Error::json_syntax);
    // A register reply is not a regnwl reply and vice versa.
    CHECK(read_dynreg_reply(F::whitelist_free, R"({"deviceSecret":"s"})").error() == Error::json_missing_field);
    CHECK(read_dynreg_reply(F::whitelist_free, R"({"clientId":"c"})").error() == Error::json_missing_field);
    CHECK(read_dynreg_reply(F::whitelist_free, R"({"deviceToken":"t"})").error() == Error::json_missing_field);
    CHECK(read_dynreg_reply(F::whitelist_free, R"({"clientId":"c|x","deviceToken":"t"})").error() ==
          Error::aliyun_forbidden_character);
    CHECK(read_dynreg_reply(F::whitelist_free, R"({"clientId":"c","deviceToken":null})").error() ==
          Error::json_wrong_type);
}

TEST_CASE("wipe() clears every secret of a result") {
    auto r = read_dynreg_reply(DynregFlow::whitelist_free, R"({"clientId":"c","deviceToken":"t"})");
    REQUIRE(r.ok());
    r->wipe();
    CHECK(r->client_id.empty());
    CHECK(r->device_token.empty());
    CHECK(r->device_secret.empty());
}

TEST_CASE("connwl parameters: clientId|securemode=-2,authType=connwl|, username dn&pk, password = deviceToken") {
    const auto r = read_dynreg_reply(DynregFlow::whitelist_free, R"({"clientId":"cid-42","deviceToken":"tok-1"})");
    REQUIRE(r.ok());
    Endpoint ep;
    REQUIRE(ep.host.append("a1B2c3D4e5F.iot-as-mqtt.cn-shanghai.aliyuncs.com"));
    ep.port = 8883;
    const auto p = connwl_params({"a1B2c3D4e5F", "pico-w-001"}, *r, ep, 120);
    REQUIRE(p.ok());
    CHECK(p->client_id.view() == "cid-42|securemode=-2,authType=connwl|");
    CHECK(p->username.view() == "pico-w-001&a1B2c3D4e5F");
    CHECK(p->password.view() == "tok-1");
    CHECK(p->host.view() == ep.host.view());
    CHECK(p->port == 8883);
    CHECK(p->tls);
    CHECK(p->keepalive_s == 120);

    CHECK(connwl_params({"pk", "dn"}, *r, ep, 10).error() == Error::aliyun_keepalive_out_of_range);
    CHECK(connwl_params({"pk", ""}, *r, ep).error() == Error::aliyun_empty_field);
    CHECK(connwl_params({"", "dn"}, *r, ep).error() == Error::aliyun_empty_field);
    CHECK(connwl_params({"p&k", "dn"}, *r, ep).error() == Error::aliyun_forbidden_character);
    CHECK(connwl_params({"pk", "d|n"}, *r, ep).error() == Error::aliyun_forbidden_character);
    CHECK(connwl_params({"pk", std::string(65, 'd')}, *r, ep).error() == Error::aliyun_field_too_long);
    CHECK(connwl_params({std::string(65, 'p'), "dn"}, *r, ep).error() == Error::aliyun_field_too_long);
    DynregResult bad = *r;
    (void)bad.client_id.push_back(',');
    CHECK(connwl_params({"pk", "dn"}, bad, ep).error() == Error::aliyun_forbidden_character);
    DynregResult preregistered;
    (void)preregistered.device_secret.append("s");
    CHECK(connwl_params({"pk", "dn"}, preregistered, ep).error() == Error::aliyun_empty_field);
    DynregResult no_token = *r;
    no_token.device_token = {};
    CHECK(connwl_params({"pk", "dn"}, no_token, ep).error() == Error::aliyun_empty_field);
}

// ------------------------------------------------------------------ the flow

namespace {
std::string stored_secret;
void store(std::string_view s) { stored_secret = s; }
} // namespace

TEST_CASE("the README's register_device example stores the DeviceSecret the platform sent") {
    Rig<> rig;
    auto& client = rig.client;
    rig.transport.play(concat({connack(false, 0), publish("/ext/register", R"({"deviceSecret":"s3cr3t"})")}));
    const std::string_view random_digits = "8472916305";
    const std::string_view product_secret = "k9XsBq2LmT7vRw4Z";
    aliyun::DynregOptions o;
    o.flow = aliyun::DynregFlow::preregistered;
    o.random = random_digits;
    aliyun::DynregDiagnostics diag;
    auto r = aliyun::register_device(client, {"a1B2c3D4e5F", "pico-w-001", product_secret}, o, 10s, &diag);
    if (r) store(r->device_secret.view());
    else if (r.error() == Error::dynreg_refused) { /* diag.detail: the CONNACK's refused_* */ }
    CHECK(stored_secret == "s3cr3t");
}

TEST_CASE("register: CONNACK and the /ext/register PUBLISH in one read give the secret; no SUBSCRIBE is sent") {
    Rig<> r;
    r.transport.play(concat({connack(false, 0),
                             publish("/ext/register", R"({"productKey":"a1B2c3D4e5F","deviceName":"pico-w-001",)"
                                                      R"("deviceSecret":"Zq3e5RkT0pLm8VwXyB1nC4dF6gH7jK9s"})")}));
    DynregDiagnostics diag;
    const auto res = register_device(r.client, product, options(), 5s, &diag);
    REQUIRE(res.ok());
    CHECK(res->flow == DynregFlow::preregistered);
    CHECK(res->device_secret.view() == secret);
    CHECK(diag.detail == Error{});
    CHECK(diag.ignored_messages == 0);
    const auto sent = sent_packets(r.transport.sent());
    REQUIRE(sent.size() == 2); // CONNECT, then DISCONNECT: nothing else
    const auto& c = std::get<Connect>(sent[0]);
    CHECK(c.client_id == "pico-w-001.a1B2c3D4e5F|random=8472916305,authType=register,securemode=2,signmethod=hmacsha256|");
    CHECK(c.username.value_or("") == "pico-w-001&a1B2c3D4e5F");
    REQUIRE(c.password);
    CHECK(text_of(*c.password) == vector_password);
    CHECK(std::holds_alternative<Disconnect>(sent[1]));
    CHECK_FALSE(r.client.connected());
}

TEST_CASE("regnwl: a later QoS 1 /ext/regnwl PUBLISH is acknowledged; messages on other topics are skipped") {
    Rig<> r;
    r.transport.play(connack(false, 0));
    r.transport.play(publish("/ext/register", R"({"deviceSecret":"not-ours"})"), r.clock.peek() + 100ms);
    r.transport.play(publish("/ext/regnwl", R"({"clientId":"cid-42","deviceToken":"tk-7f1e9c2ab34d4e5f8a6b7c8d9e0f1a2b"})",
                             1, 7),
                     r.clock.peek() + 200ms);
    DynregDiagnostics diag;
    const auto res = register_device(r.client, product, options(DynregFlow::whitelist_free), 5s, &diag);
    REQUIRE(res.ok());
    CHECK(res->client_id.view() == "cid-42");
    CHECK(res->device_token.view() == token);
    CHECK(diag.ignored_messages == 1);
    const auto sent = sent_packets(r.transport.sent());
    REQUIRE(sent.size() == 3);
    CHECK(std::get<Connect>(sent[0]).client_id.find("authType=regnwl") != std::string_view::npos);
    CHECK(std::get<Puback>(sent[1]).packet_id == 7);
    CHECK(std::holds_alternative<Disconnect>(sent[2]));
}

TEST_CASE("no reply before the deadline is dynreg_timeout, at the deadline") {
    Rig<> r;
    r.transport.play(connack(false, 0));
    const auto began = r.clock.peek();
    DynregDiagnostics diag;
    const auto res = register_device(r.client, product, options(), 3s, &diag);
    CHECK(res.error() == Error::dynreg_timeout);
    CHECK(diag.detail == Error{});
    CHECK(r.clock.peek() - began >= 3s);
    CHECK(r.clock.peek() - began < 3s + 50ms);
    const auto sent = sent_packets(r.transport.sent());
    REQUIRE(sent.size() == 2);
    CHECK(std::holds_alternative<Disconnect>(sent[1]));
    CHECK(to_string(Error::dynreg_timeout) == "dynamic registration: no reply from the platform before the deadline");
}

TEST_CASE("a DISCONNECT that cannot leave waits for what is left of the deadline, then the link is closed") {
    Rig<> r;
    r.transport.play(connack(false, 0));
    r.transport.play(publish("/ext/register", R"({"deviceSecret":"Zq3e5RkT0pLm8VwXyB1nC4dF6gH7jK9s"})"),
                     r.clock.peek() + 1s);
    // From the reply on, nothing the client writes leaves (a full send buffer).
    r.client.on_event([&](const Event& e) {
        if (e.kind == EventKind::message) r.transport.block_send = true;
    });
    const auto began = r.clock.peek();
    const auto res = register_device(r.client, product, options(), 5s);
    REQUIRE(res.ok()); // the secret arrived: a DISCONNECT that did not leave does not undo that
    CHECK(res->device_secret.view() == secret);
    // 5 s deadline, reply at 1 s: the DISCONNECT had the 4 s left, not a fixed 1 s.
    CHECK(r.clock.peek() - began >= 5s);
    CHECK(r.clock.peek() - began < 5s + 50ms);
    CHECK_FALSE(r.client.connected());
    CHECK(r.transport.close_calls >= 1);
    CHECK(sent_packets(r.transport.sent()).size() == 1); // the CONNECT only
}

TEST_CASE("after a missed deadline the DISCONNECT still gets dynreg_disconnect_floor, and no more") {
    Rig<> r;
    r.transport.play(connack(false, 0));
    r.client.on_event([&](const Event& e) {
        if (e.kind == EventKind::connected) r.transport.block_send = true;
    });
    const auto began = r.clock.peek();
    const auto res = register_device(r.client, product, options(), 3s);
    CHECK(res.error() == Error::dynreg_timeout);
    CHECK(dynreg_disconnect_floor == 250ms);
    CHECK(r.clock.peek() - began >= 3s + dynreg_disconnect_floor);
    CHECK(r.clock.peek() - began < 3s + dynreg_disconnect_floor + 50ms);
    CHECK_FALSE(r.client.connected());
}

TEST_CASE("the wait for CONNACK counts against the same deadline as the reply") {
    Rig<> r;
    r.transport.play(connack(false, 0), r.clock.peek() + 2s);
    const auto began = r.clock.peek();
    const auto res = register_device(r.client, product, options(), 5s);
    CHECK(res.error() == Error::dynreg_timeout);
    CHECK(r.clock.peek() - began >= 5s); // not 2 s + a fresh 5 s for the reply
    CHECK(r.clock.peek() - began < 5s + 50ms);
    const auto sent = sent_packets(r.transport.sent());
    REQUIRE(sent.size() == 2);
    CHECK(std::holds_alternative<Disconnect>(sent[1])); // it left at once: the deadline was not stretched
}

TEST_CASE("a refused CONNACK is dynreg_refused and the detail names the CONNACK code") {
    for (unsigned code : {1u, 2u, 3u, 4u, 5u}) {
        Rig<> r;
        r.transport.play(connack(false, code));
        DynregDiagnostics diag;
        const auto res = register_device(r.client, product, options(), 5s, &diag);
        CHECK(res.error() == Error::dynreg_refused);
        CHECK(diag.detail == connack_error(static_cast<ConnackCode>(code)));
        CHECK(sent_packets(r.transport.sent()).size() == 1); // the CONNECT only
    }
}

TEST_CASE("malformed JSON and missing fields in the reply are dynreg_malformed_reply with the reason") {
    struct Case {
        DynregFlow flow;
        std::string_view topic, payload;
        Error detail;
    };
    for (const Case& k : {Case{DynregFlow::preregistered, "/ext/register", R"({"deviceSecret":)", Error::json_syntax},
                          Case{DynregFlow::preregistered, "/ext/register", R"({"deviceName":"pico-w-001"})",
                               Error::json_missing_field},
                          Case{DynregFlow::whitelist_free, "/ext/regnwl", R"({"clientId":"c"})",
                               Error::json_missing_field},
                          Case{DynregFlow::whitelist_free, "/ext/regnwl", "not json", Error::json_syntax},
                          Case{DynregFlow::preregistered, "/ext/register", "{\"deviceSecret\":\"s\xC0\xAF\"}",
                               Error::json_invalid_utf8}}) {
        Rig<> r;
        r.transport.play(concat({connack(false, 0), publish(k.topic, k.payload)}));
        DynregDiagnostics diag;
        const auto res = register_device(r.client, product, options(k.flow), 5s, &diag);
        CHECK(res.error() == Error::dynreg_malformed_reply);
        CHECK(diag.detail == k.detail);
        CHECK_FALSE(r.client.connected());
    }
}

TEST_CASE("the platform closing the connection before replying is reported as connection_closed") {
    Rig<> r;
    r.transport.play(connack(false, 0));
    r.transport.close_when_drained = true;
    const auto res = register_device(r.client, product, options(), 5s);
    CHECK(res.error() == Error::connection_closed);
}

TEST_CASE("no CONNACK is connack_timeout, and bad inputs fail before anything is sent") {
    Rig<> r;
    CHECK(register_device(r.client, product, options(), 2s).error() == Error::connack_timeout);
    Rig<> r2;
    CHECK(register_device(r2.client, {"pk", "dn", ""}, options(), 2s).error() == Error::aliyun_empty_field);
    CHECK(r2.transport.sent().empty());
}

// ------------------------------------------------------------------ Client::run_until_event

TEST_CASE("run_until_event returns when the predicate accepts an event, and refuses when not connected") {
    Rig<> r;
    CHECK(r.client.run_until_event(1s, [](const Event&) { return true; }).error() == Error::not_connected);
    r.transport.play(connack(false, 0));
    Connect c;
    c.client_id = "x";
    REQUIRE(r.client.connect(c).ok());
    r.transport.play(publish("/any/topic", "hello"), r.clock.peek() + 500ms);
    std::string seen;
    const Status s = r.client.run_until_event(2s, [&](const Event& e) {
        if (e.kind != EventKind::message) return false;
        seen = std::string(e.message.topic);
        return true;
    });
    CHECK(s.ok());
    CHECK(seen == "/any/topic");
    CHECK(r.client.run_until_event(1s, [](const Event&) { return false; }).error() == Error::timeout);
    // From inside a handler it is a reentrant call.
    Status inner = Error::timeout;
    r.client.on_event([&](const Event&) { inner = r.client.run_until_event(1s, [](const Event&) { return true; }); });
    r.transport.play(publish("/any/topic", "again"));
    (void)r.client.poll();
    CHECK(inner.error() == Error::reentrant_call);
}

TEST_CASE("run_until_event reports a dropped connection the predicate does not accept") {
    Rig<> r;
    r.transport.play(connack(false, 0));
    Connect c;
    c.client_id = "x";
    REQUIRE(r.client.connect(c).ok());
    r.transport.close_when_drained = true;
    CHECK(r.client.run_until_event(5s, [](const Event&) { return false; }).error() == Error::connection_closed);
}

// ------------------------------------------------------------------ keeping secrets out of traces

TEST_CASE("RedactDynreg keeps the deviceSecret and deviceToken out of a payload-printing Tracer") {
    const std::string register_reply = R"({"deviceSecret":")" + std::string(secret) + R"("})";
    const std::string regnwl_reply = R"({"clientId":"cid-42","deviceToken":")" + std::string(token) + R"("})";
    {
        // Without the wrapper the trace does show the secret: the check below can fail.
        std::string log;
        Rig<RecordingTracer> r(RecordingTracer{&log});
        r.transport.play(concat({connack(false, 0), publish("/ext/register", register_reply)}));
        REQUIRE(register_device(r.client, product, options(), 5s).ok());
        CHECK(log.find(secret) != std::string::npos);
    }
    {
        std::string log;
        Rig<RedactDynreg<RecordingTracer>> r(RedactDynreg<RecordingTracer>{RecordingTracer{&log}});
        r.transport.play(concat({connack(false, 0), publish("/ext/register", register_reply)}));
        const auto res = register_device(r.client, product, options(), 5s);
        REQUIRE(res.ok());
        CHECK(res->device_secret.view() == secret);
        CHECK(log.find(R"(topic="/ext/register", 0 bytes)") != std::string::npos); // it was traced, emptied
        CHECK(log.find(secret) == std::string::npos);
        CHECK(log.find("CONNECT(") != std::string::npos);
        CHECK(log.find(vector_password) == std::string::npos); // CONNECT raw bytes are withheld too
    }
    {
        std::string log;
        Rig<RedactDynreg<RecordingTracer>> r(RedactDynreg<RecordingTracer>{RecordingTracer{&log}});
        r.transport.play(concat({connack(false, 0), publish("/ext/regnwl", regnwl_reply)}));
        REQUIRE(register_device(r.client, product, options(DynregFlow::whitelist_free), 5s).ok());
        CHECK(log.find(token) == std::string::npos);
        CHECK(log.find("DISCONNECT") != std::string::npos);
        // Other packets pass unchanged, raw bytes included.
        r.transport.reset_input();
        r.transport.play(concat({connack(false, 0), publish("/other", "visible-payload")}));
        Connect c;
        c.client_id = "x";
        REQUIRE(r.client.connect(c).ok());
        (void)r.client.poll();
        CHECK(log.find(R"(payload="visible-payload")") != std::string::npos);
        CHECK(log.find("raw=\x30") != std::string::npos);
    }
}
