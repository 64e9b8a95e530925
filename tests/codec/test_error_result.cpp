#include "catch.hpp"

#include <alimqtt/error.hpp>

using alimqtt::Error;
using alimqtt::Result;

TEST_CASE("Result holds either a value or a named error") {
    Result<int> good = 42;
    REQUIRE(good.ok());
    CHECK(*good == 42);
    Result<int> bad = Error::truncated;
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error() == Error::truncated);
    CHECK(alimqtt::to_string(bad.error()) == "field runs past the end of the packet");
}

TEST_CASE("Status defaults to success and carries an error when given one") {
    alimqtt::Status s;
    CHECK(s.ok());
    alimqtt::Status f = Error::timeout;
    CHECK_FALSE(f.ok());
    CHECK(f.error() == Error::timeout);
}
