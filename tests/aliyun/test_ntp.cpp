// NTP over MQTT: the request written and the time computed from a response.
#include <string>

#include "alimqtt/aliyun/ntp.hpp"
#include "catch.hpp"

using namespace alimqtt;
using namespace alimqtt::aliyun;

TEST_CASE("The NTP request carries the device send time as a string of digits") {
    char buf[64];
    CHECK(write_ntp_request(buf, 1571724098000).value() == R"({"deviceSendTime":"1571724098000"})");
    char tiny[8];
    CHECK(write_ntp_request(tiny, 1).error() == Error::buffer_too_small);
}

TEST_CASE("The time now is (serverRecv + serverSend + deviceRecv - deviceSend) / 2") {
    // Device clock started at 0: sent at 1000, received at 1100 (100 ms round trip).
    const auto now = read_ntp_response(
        R"({"deviceSendTime":"1000","serverRecvTime":"1700000000050","serverSendTime":"1700000000051"})", 1100);
    REQUIRE(now.ok());
    CHECK(*now == (1700000000050ULL + 1700000000051ULL + 1100 - 1000) / 2);
    // Numbers instead of strings are read too.
    CHECK(read_ntp_response(R"({"deviceSendTime":1,"serverRecvTime":10,"serverSendTime":12})", 3).value() ==
          (10 + 12 + 3 - 1) / 2);
}

TEST_CASE("A malformed or incomplete NTP response is an error") {
    CHECK(read_ntp_response(R"({"deviceSendTime":"1","serverRecvTime":"2"})", 3).error() ==
          Error::json_missing_field);
    CHECK(read_ntp_response(R"({"deviceSendTime":"x","serverRecvTime":"2","serverSendTime":"2"})", 3).error() ==
          Error::json_wrong_type);
    CHECK(read_ntp_response(R"({"deviceSendTime":true,"serverRecvTime":"2","serverSendTime":"2"})", 3).error() ==
          Error::json_wrong_type);
    CHECK(read_ntp_response(R"({"deviceSendTime":"5","serverRecvTime":"2","serverSendTime":"2"})", 3).error() ==
          Error::invalid_argument);
    CHECK(read_ntp_response(R"({"deviceSendTime":"5")", 9).error() == Error::json_syntax);
    CHECK(read_ntp_response("[]", 9).error() == Error::json_wrong_type);
}
