// The signer against the vectors of aliyun-protocol.md (V1..V3), its refusals,
// and its Clock-driven timestamp.
#include <chrono>
#include <string>

#include "alimqtt/aliyun/signer.hpp"
#include "catch.hpp"

using namespace alimqtt;
using namespace alimqtt::aliyun;

namespace {
constexpr DeviceCredentials device{"a1B2c3D4e5F", "pico-w-001", "0123456789abcdef0123456789abcdef"};

/// The options of vector V2 (Node-style clientId, securemode 3, the vectors' timestamp);
/// `method` goes into sign_method, which sign<Method> ignores.
constexpr SignOptions v2_options(SignMethod method) {
    return {.client_id = "a1B2c3D4e5F&pico-w-001",
            .sign_method = method,
            .secure_mode = SecureMode::tcp,
            .timestamp = Timestamp::at_ms(1700000000000)};
}

/// A Unix-epoch clock stopped at a chosen instant.
struct FakeUnixClock {
    using duration = std::chrono::milliseconds;
    using time_point = std::chrono::time_point<FakeUnixClock, duration>;
    std::int64_t ms = 0;
    time_point now() const { return time_point(duration(ms)); }
};
} // namespace

// V1 is computed entirely at compile time.
static_assert(sign(device, {.timestamp = Timestamp::at_ms(1700000000000)})->password ==
              "faa66d81fb04681b73a10217ee84049af76eb475a32069047e26f9f27152d89c");

TEST_CASE("V1: hmacsha256, securemode 2, console-style clientId matches the published password") {
    const auto c = sign(device, {.timestamp = Timestamp::at_ms(1700000000000)});
    REQUIRE(c.ok());
    CHECK(c->client_id == "a1B2c3D4e5F.pico-w-001|securemode=2,signmethod=hmacsha256,timestamp=1700000000000|");
    CHECK(c->username == "pico-w-001&a1B2c3D4e5F");
    CHECK(c->password == "faa66d81fb04681b73a10217ee84049af76eb475a32069047e26f9f27152d89c");
}

TEST_CASE("V2: hmacsha1, securemode 3, Node-style clientId matches the published password") {
    const auto c = sign(device, v2_options(SignMethod::hmacsha1));
    REQUIRE(c.ok());
    CHECK(c->client_id == "a1B2c3D4e5F&pico-w-001|securemode=3,signmethod=hmacsha1,timestamp=1700000000000|");
    CHECK(c->username == "pico-w-001&a1B2c3D4e5F");
    CHECK(c->password == "6e2bb4e006b65b3bad56b7a10bdf486f2beaa91f");
}

TEST_CASE("V3: hmacmd5 with a MAC-address clientId matches the published password") {
    const auto c = sign(device, {.client_id = "e66164c31b2f",
                                 .sign_method = SignMethod::hmacmd5,
                                 .timestamp = Timestamp::at_ms(1700000000000)});
    REQUIRE(c.ok());
    CHECK(c->client_id == "e66164c31b2f|securemode=2,signmethod=hmacmd5,timestamp=1700000000000|");
    CHECK(c->password == "bc2bd99e5cd721444d31520595f5bc21");
}

TEST_CASE("Upper-case hex gives the same password in capitals, as the C SDKs send it") {
    const auto c = sign(device, {.timestamp = Timestamp::at_ms(1700000000000), .hex_case = HexCase::upper});
    REQUIRE(c.ok());
    CHECK(c->password == "FAA66D81FB04681B73A10217EE84049AF76EB475A32069047E26F9F27152D89C");
}

TEST_CASE("Without a timestamp neither the clientId nor the signed content carries one") {
    const auto c = sign(device, {.timestamp = Timestamp::none()});
    REQUIRE(c.ok());
    CHECK(c->client_id == "a1B2c3D4e5F.pico-w-001|securemode=2,signmethod=hmacsha256|");
    const auto expected = to_hex(hmac_sha256(device.device_secret,
                                             "clientIda1B2c3D4e5F.pico-w-001deviceNamepico-w-001productKeya1B2c3D4e5F"));
    CHECK(c->password == expected.view());
}

TEST_CASE("The default timestamp is the official SDKs' constant 2524608000000") {
    const auto c = sign(device);
    REQUIRE(c.ok());
    CHECK(c->client_id == "a1B2c3D4e5F.pico-w-001|securemode=2,signmethod=hmacsha256,timestamp=2524608000000|");
}

TEST_CASE("A Unix-epoch Clock supplies the timestamp, signed with exactly the digits sent") {
    FakeUnixClock clock{1700000000000};
    const auto c = sign(device, {}, clock);
    REQUIRE(c.ok());
    CHECK(c->client_id == "a1B2c3D4e5F.pico-w-001|securemode=2,signmethod=hmacsha256,timestamp=1700000000000|");
    CHECK(c->password == "faa66d81fb04681b73a10217ee84049af76eb475a32069047e26f9f27152d89c");
}

TEST_CASE("std::chrono::system_clock is accepted as the signer's clock") {
    const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    const auto c = sign(device, {}, std::chrono::system_clock{});
    REQUIRE(c.ok());
    const std::string id(c->client_id.view());
    const auto pos = id.find("timestamp=");
    REQUIRE(pos != std::string::npos);
    const long long ts = std::stoll(id.substr(pos + 10));
    CHECK(ts >= before);
    CHECK(ts < before + 60'000);
}

TEST_CASE("A clock before 1970 (never set) is refused") {
    FakeUnixClock clock{-5};
    CHECK(sign(device, {}, clock).error() == Error::invalid_argument);
}

TEST_CASE("Empty ProductKey, DeviceName or DeviceSecret is refused by name") {
    CHECK(sign({"", "dn", "s"}).error() == Error::aliyun_empty_field);
    CHECK(sign({"pk", "", "s"}).error() == Error::aliyun_empty_field);
    CHECK(sign({"pk", "dn", ""}).error() == Error::aliyun_empty_field);
}

TEST_CASE("Separators that would break clientId or username are refused") {
    CHECK(sign({"p&k", "dn", "s"}).error() == Error::aliyun_forbidden_character);
    CHECK(sign({"pk", "d|n", "s"}).error() == Error::aliyun_forbidden_character);
    CHECK(sign({"pk", "d,n", "s"}).error() == Error::aliyun_forbidden_character);
    CHECK(sign({"pk", "d&n", "s"}).error() == Error::aliyun_forbidden_character);
    CHECK(sign(device, {.client_id = "id|x"}).error() == Error::aliyun_forbidden_character);
    CHECK(sign(device, {.client_id = "id,x"}).error() == Error::aliyun_forbidden_character);
    // '&' is legal in the clientId prefix (the Node SDK's `<pk>&<dn>`).
    CHECK(sign(device, {.client_id = "a&b"}).ok());
}

TEST_CASE("A clientId prefix over 64 characters is refused; exactly 64 is accepted") {
    CHECK(sign(device, {.client_id = std::string(64, 'c')}).ok());
    CHECK(sign(device, {.client_id = std::string(65, 'c')}).error() == Error::aliyun_client_id_too_long);
    // The default prefix <pk>.<dn> is held to the same limit.
    const std::string long_name(60, 'n');
    CHECK(sign({"a1B2c3D4e5F", long_name, "s"}).error() == Error::aliyun_client_id_too_long);
}

TEST_CASE("Sign methods parse from and print as their clientId spelling") {
    CHECK(parse_sign_method("hmacsha256").value() == SignMethod::hmacsha256);
    CHECK(parse_sign_method("hmacsha1").value() == SignMethod::hmacsha1);
    CHECK(parse_sign_method("hmacmd5").value() == SignMethod::hmacmd5);
    CHECK(parse_sign_method("HmacSHA256").error() == Error::invalid_argument);
    CHECK(to_string(SignMethod::hmacmd5) == "hmacmd5");
}

TEST_CASE("Endpoints are built from a region or an instance id, with port and TLS flag") {
    const auto r = region_endpoint("a1B2c3D4e5F", "cn-shanghai");
    REQUIRE(r.ok());
    CHECK(r->host == "a1B2c3D4e5F.iot-as-mqtt.cn-shanghai.aliyuncs.com");
    CHECK(r->port == 1883);
    CHECK(r->tls);
    const auto i = instance_endpoint("iot-06z00abcdefg", 8883, SecureMode::tls);
    REQUIRE(i.ok());
    CHECK(i->host == "iot-06z00abcdefg.mqtt.iothub.aliyuncs.com");
    CHECK(i->port == 8883);
    const auto t = region_endpoint("a1B2c3D4e5F", "ap-southeast-1", 1883, SecureMode::tcp);
    REQUIRE(t.ok());
    CHECK_FALSE(t->tls);
    CHECK(region_endpoint("a1B2c3D4e5F", "").error() == Error::aliyun_empty_field);
    CHECK(region_endpoint("a1B2c3D4e5F", "cn-shanghai.evil.com/").error() == Error::aliyun_forbidden_character);
    CHECK(instance_endpoint("iot-1", 0).error() == Error::port_out_of_range);
    CHECK(instance_endpoint(std::string(120, 'i')).error() == Error::aliyun_field_too_long);
}

// The compile-time form is the same signature with only one hash linked.
static_assert(sign<SignMethod::hmacsha256>(device, {.timestamp = Timestamp::at_ms(1700000000000)})->password ==
              "faa66d81fb04681b73a10217ee84049af76eb475a32069047e26f9f27152d89c");

TEST_CASE("sign<Method> gives the published V1..V3 credentials and ignores options.sign_method") {
    // V2 and V3 asked for with a conflicting run-time method: the template argument wins.
    const auto v2 = sign<SignMethod::hmacsha1>(device, v2_options(SignMethod::hmacmd5));
    REQUIRE(v2.ok());
    CHECK(v2->client_id == "a1B2c3D4e5F&pico-w-001|securemode=3,signmethod=hmacsha1,timestamp=1700000000000|");
    CHECK(v2->password == "6e2bb4e006b65b3bad56b7a10bdf486f2beaa91f");
    const auto v3 = sign<SignMethod::hmacmd5>(device, {.client_id = "e66164c31b2f",
                                                        .timestamp = Timestamp::at_ms(1700000000000)});
    REQUIRE(v3.ok());
    CHECK(v3->client_id == "e66164c31b2f|securemode=2,signmethod=hmacmd5,timestamp=1700000000000|");
    CHECK(v3->password == "bc2bd99e5cd721444d31520595f5bc21");
}

TEST_CASE("sign<Method> and the run-time sign agree on every method, case and timestamp form, refusals included") {
    const SignMethod methods[] = {SignMethod::hmacsha256, SignMethod::hmacsha1, SignMethod::hmacmd5};
    const Timestamp stamps[] = {Timestamp::none(), Timestamp::sdk_constant(), Timestamp::at_ms(1)};
    const DeviceCredentials devices[] = {device, {"a1B2c3D4e5F", "bad|name", "s"}, {"", "dn", "s"}};
    for (const DeviceCredentials& d : devices) {
        for (SignMethod m : methods) {
            for (const Timestamp& t : stamps) {
                for (HexCase hc : {HexCase::lower, HexCase::upper}) {
                    const SignOptions o{.sign_method = m, .secure_mode = SecureMode::tcp, .timestamp = t, .hex_case = hc};
                    const auto runtime = sign(d, o);
                    const auto fixed = m == SignMethod::hmacsha256 ? sign<SignMethod::hmacsha256>(d, o)
                                       : m == SignMethod::hmacsha1 ? sign<SignMethod::hmacsha1>(d, o)
                                                                   : sign<SignMethod::hmacmd5>(d, o);
                    REQUIRE(runtime.ok() == fixed.ok());
                    if (!runtime) {
                        CHECK(runtime.error() == fixed.error());
                        continue;
                    }
                    CHECK(runtime->client_id == fixed->client_id.view());
                    CHECK(runtime->username == fixed->username.view());
                    CHECK(runtime->password == fixed->password.view());
                }
            }
        }
    }
}
