// Dynamic registration over a real TCP socket against a scripted broker that
// plays the platform: it checks the registration CONNECT field by field and
// publishes on /ext/register or /ext/regnwl right after CONNACK, without any
// SUBSCRIBE from the device. Success for both flows, then every failure.
#include "rig.hpp"

#include <alimqtt/aliyun/register_device.hpp>

#include <cstdio>

using namespace rel;
using alimqtt::Error;
namespace aliyun = alimqtt::aliyun;

namespace {

constexpr aliyun::ProductCredentials product{"a1B2c3D4e5F", "pico-w-001", "k9XsBq2LmT7vRw4Z"};
// printf '%s' 'deviceNamepico-w-001productKeya1B2c3D4e5Frandom8472916305' |
//   openssl dgst -sha256 -hmac 'k9XsBq2LmT7vRw4Z'
constexpr std::string_view expected_password = "a8990eee140833d077c6b7a21b0fcc7d49a2ca36556f0d47ed4e3e680f83ccee";

aliyun::DynregOptions options(aliyun::DynregFlow flow) {
    aliyun::DynregOptions o;
    o.flow = flow;
    o.random = "8472916305";
    return o;
}

/// Broker side: the CONNECT must be exactly the documented registration CONNECT.
void check_register_connect(const Frame& f, std::string_view auth_type) {
    const alimqtt::Connect c = f.connect();
    const std::string want_id = "pico-w-001.a1B2c3D4e5F|random=8472916305,authType=" + std::string(auth_type) +
                                ",securemode=2,signmethod=hmacsha256|";
    if (c.client_id != want_id) throw BrokerFailure("client id " + std::string(c.client_id));
    if (!c.username || *c.username != "pico-w-001&a1B2c3D4e5F") throw BrokerFailure("wrong username");
    if (!c.password) throw BrokerFailure("no password");
    const std::string pw(reinterpret_cast<const char*>(c.password->data()), c.password->size());
    if (pw != expected_password) throw BrokerFailure("password " + pw);
    if (!c.clean_session) throw BrokerFailure("clean session not set");
    if (c.will) throw BrokerFailure("a will was sent");
}

/// Runs register_device() against `script` and returns its result.
struct DynregRun {
    alimqtt::Result<aliyun::DynregResult> result = Error::timeout;
    aliyun::DynregDiagnostics diag;
};

DynregRun run(Rig& rig, aliyun::DynregFlow flow, std::chrono::milliseconds timeout = 5s) {
    DynregRun r;
    REQUIRE(rig.open());
    r.result = aliyun::register_device(rig.client, product, options(flow), timeout, &r.diag);
    return r;
}

} // namespace

TEST_CASE("register over TCP: the exact CONNECT is accepted and the /ext/register secret comes back") {
    Rig rig([](FakeBroker& b) {
        Link l = b.accept();
        check_register_connect(l.expect(CONNECT), "register");
        // As the platform does: CONNACK, then at once the secret, no SUBSCRIBE in between.
        l.send(connack(false, 0) +
               publish("/ext/register",
                       R"({"productKey":"a1B2c3D4e5F","deviceName":"pico-w-001","deviceSecret":"Zq3e5RkT0pLm8VwXyB1nC4dF6gH7jK9s"})"));
        l.expect_close(5s, {DISCONNECT});
    });
    const DynregRun r = run(rig, aliyun::DynregFlow::preregistered);
    REQUIRE(r.result.ok());
    CHECK(r.result->device_secret.view() == "Zq3e5RkT0pLm8VwXyB1nC4dF6gH7jK9s");
    CHECK(rig.broker.finish() == "");
    const auto& frames = rig.broker.frames(0);
    REQUIRE(frames.size() == 2);
    CHECK(frames[1].type() == DISCONNECT);
}

TEST_CASE("regnwl over TCP: clientId and deviceToken from /ext/regnwl (QoS 1, acknowledged)") {
    Rig rig([](FakeBroker& b) {
        Link l = b.accept();
        check_register_connect(l.expect(CONNECT), "regnwl");
        l.send(connack(false, 0));
        l.send(publish("/ext/regnwl", R"({"clientId":"cid-42","productKey":"a1B2c3D4e5F","deviceName":"pico-w-001",)"
                                      R"("deviceToken":"tk-7f1e9c2ab34d4e5f8a6b7c8d9e0f1a2b"})",
                       1, 9));
        const Frame ack = l.expect(PUBACK);
        if (ack.packet_id() != 9) throw BrokerFailure("PUBACK for the wrong id");
        l.expect_close(5s, {DISCONNECT});
    });
    const DynregRun r = run(rig, aliyun::DynregFlow::whitelist_free);
    REQUIRE(r.result.ok());
    CHECK(r.result->client_id.view() == "cid-42");
    CHECK(r.result->device_token.view() == "tk-7f1e9c2ab34d4e5f8a6b7c8d9e0f1a2b");
    CHECK(rig.broker.finish() == "");
}

TEST_CASE("malformed JSON on /ext/register is dynreg_malformed_reply (json_syntax) and the device disconnects") {
    Rig rig([](FakeBroker& b) {
        Link l = b.accept();
        l.expect(CONNECT);
        l.send(connack(false, 0) + publish("/ext/register", R"({"deviceSecret":"abc)"));
        l.expect_close(5s, {DISCONNECT});
    });
    const DynregRun r = run(rig, aliyun::DynregFlow::preregistered);
    CHECK(r.result.error() == Error::dynreg_malformed_reply);
    CHECK(r.diag.detail == Error::json_syntax);
    CHECK(rig.broker.finish() == "");
}

TEST_CASE("a reply without deviceToken on /ext/regnwl is dynreg_malformed_reply (json_missing_field)") {
    Rig rig([](FakeBroker& b) {
        Link l = b.accept();
        l.expect(CONNECT);
        l.send(connack(false, 0) + publish("/ext/regnwl", R"({"clientId":"cid-42"})"));
        l.expect_close(5s, {DISCONNECT});
    });
    const DynregRun r = run(rig, aliyun::DynregFlow::whitelist_free);
    CHECK(r.result.error() == Error::dynreg_malformed_reply);
    CHECK(r.diag.detail == Error::json_missing_field);
    CHECK(rig.broker.finish() == "");
}

TEST_CASE("a broker that accepts but never replies gives dynreg_timeout, then a DISCONNECT") {
    Rig rig([](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        l.expect_close(10s, {DISCONNECT, PINGREQ});
    });
    const DynregRun r = run(rig, aliyun::DynregFlow::preregistered, 300ms);
    CHECK(r.result.error() == Error::dynreg_timeout);
    CHECK(rig.broker.finish() == "");
    const auto& frames = rig.broker.frames(0);
    CHECK(frames.back().type() == DISCONNECT);
}

TEST_CASE("a refused CONNACK (4, bad product secret) is dynreg_refused naming the code") {
    Rig rig([](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect(false, 4);
        l.close();
    });
    const DynregRun r = run(rig, aliyun::DynregFlow::preregistered);
    CHECK(r.result.error() == Error::dynreg_refused);
    CHECK(r.diag.detail == Error::refused_bad_credentials);
    CHECK(rig.broker.finish() == "");
}
