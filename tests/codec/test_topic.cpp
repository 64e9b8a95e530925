// Topic names, topic filters and matching (MQTT 3.1.1 section 4.7), and the
// UTF-8 rules of 1.5.3 they rest on.
#include "catch.hpp"

#include <alimqtt/topic.hpp>

#include <string>

using namespace alimqtt;

TEST_CASE("Topic names: non-empty, no wildcards, valid UTF-8") {
    CHECK(validate_topic_name("a").ok());
    CHECK(validate_topic_name("/").ok());
    CHECK(validate_topic_name("a//b/").ok());
    CHECK(validate_topic_name("$SYS/broker/load").ok());
    CHECK(validate_topic_name("/sys/a1B2c3/dev/thing/event/property/post").ok());
    CHECK(validate_topic_name(" ").ok());
    CHECK(validate_topic_name("é/中").ok());
    CHECK(validate_topic_name("").error() == Error::invalid_topic_name);
    CHECK(validate_topic_name("+").error() == Error::invalid_topic_name);
    CHECK(validate_topic_name("a/#").error() == Error::invalid_topic_name);
    CHECK(validate_topic_name("a+b").error() == Error::invalid_topic_name);
    CHECK(validate_topic_name(std::string_view("a\0", 2)).error() == Error::utf8_null_character);
    CHECK(validate_topic_name("\xC3").error() == Error::malformed_utf8);
    CHECK(validate_topic_name(std::string(65535, 'x')).ok());
    CHECK(validate_topic_name(std::string(65536, 'x')).error() == Error::string_too_long);
}

TEST_CASE("Topic filters: '#' only as the whole last level, '+' only as a whole level") {
    for (const char* ok : {"#", "+", "a/#", "a/+", "+/+", "/+", "+/", "a/+/b", "/#", "$SYS/#", "+/#", "a//#", "sport/tennis/#"})
        CHECK(validate_topic_filter(ok).ok());
    for (const char* bad : {"", "a#", "#/a", "a/#/b", "a/b#", "##", "a+", "+a", "a/+b", "a/b+/c", "++", "sport/tennis#"}) {
        INFO(bad);
        CHECK(validate_topic_filter(bad).error() == Error::invalid_topic_filter);
    }
    CHECK(validate_topic_filter("a/\xED\xA0\x80").error() == Error::malformed_utf8);
    CHECK(validate_topic_filter(std::string(65536, 'x')).error() == Error::string_too_long);
}

TEST_CASE("Filter matching follows the 4.7 examples and the '$' rule of 4.7.2") {
    struct Row { const char* filter; const char* topic; bool match; };
    const Row rows[] = {
        {"sport/tennis/player1/#", "sport/tennis/player1", true},
        {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
        {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
        {"sport/tennis/player1/#", "sport/tennis/player2", false},
        {"sport/#", "sport", true},
        {"#", "sport/tennis", true},
        {"#", "/", true},
        {"sport/tennis/+", "sport/tennis/player1", true},
        {"sport/tennis/+", "sport/tennis/player1/ranking", false},
        {"sport/tennis/+", "sport/tennis", false},
        {"sport/+", "sport", false},
        {"sport/+", "sport/", true},
        {"+/+", "/finance", true},
        {"/+", "/finance", true},
        {"+", "/finance", false},
        {"+", "finance", true},
        {"a/b", "a/b", true},
        {"a/b", "a/b/", false},
        {"a/b", "a", false},
        {"a/+/c", "a//c", true},
        {"a/+/c", "a/b/d", false},
        {"+/+/+", "a/b", false},
        {"a/#", "a/", true},
        {"A", "a", false},
        // 4.7.2: wildcards at the first level do not match topics starting with '$'
        {"#", "$SYS/broker", false},
        {"+/monitor/Clients", "$SYS/monitor/Clients", false},
        {"+", "$SYS", false},
        {"$SYS/#", "$SYS/monitor/Clients", true},
        {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
        {"$SYS", "$SYS", true},
        {"a/+", "a/$x", true},
        {"a/#", "a/$x/y", true},
        {"/sys/pk/dn/thing/service/property/set", "/sys/pk/dn/thing/service/property/set", true},
        {"/sys/pk/+/thing/#", "/sys/pk/dn/thing/event/property/post_reply", true},
    };
    for (const Row& r : rows) {
        INFO(r.filter << " vs " << r.topic);
        CHECK(topic_matches(r.filter, r.topic) == r.match);
    }
}

TEST_CASE("UTF-8 validation accepts every well-formed boundary and rejects the rest") {
    CHECK(validate_utf8("").ok());
    CHECK(validate_utf8("\x7F").ok());
    CHECK(validate_utf8("\xC2\x80").ok());               // U+0080
    CHECK(validate_utf8("\xDF\xBF").ok());               // U+07FF
    CHECK(validate_utf8("\xE0\xA0\x80").ok());           // U+0800
    CHECK(validate_utf8("\xED\x9F\xBF").ok());           // U+D7FF
    CHECK(validate_utf8("\xEE\x80\x80").ok());           // U+E000
    CHECK(validate_utf8("\xEF\xBF\xBF").ok());           // U+FFFF
    CHECK(validate_utf8("\xF0\x90\x80\x80").ok());       // U+10000
    CHECK(validate_utf8("\xF4\x8F\xBF\xBF").ok());       // U+10FFFF
    CHECK(validate_utf8("\xC0\x80").error() == Error::malformed_utf8);
    CHECK(validate_utf8("\xE0\x9F\xBF").error() == Error::malformed_utf8);
    CHECK(validate_utf8("\xED\xA0\x80").error() == Error::malformed_utf8);
    CHECK(validate_utf8("\xF0\x8F\xBF\xBF").error() == Error::malformed_utf8);
    CHECK(validate_utf8("\xF4\x90\x80\x80").error() == Error::malformed_utf8);
    CHECK(validate_utf8("\xE2\x82").error() == Error::malformed_utf8);
    CHECK(validate_utf8("\xF0\x9F\x98").error() == Error::malformed_utf8);
    CHECK(validate_utf8("\xBF").error() == Error::malformed_utf8);
    CHECK(validate_utf8(std::string_view("ok\0", 3)).error() == Error::utf8_null_character);
    static_assert(validate_utf8("\xE4\xB8\xAD").ok(), "usable at compile time");
    static_assert(topic_matches("a/+", "a/b") && !topic_matches("#", "$SYS"), "usable at compile time");
}
