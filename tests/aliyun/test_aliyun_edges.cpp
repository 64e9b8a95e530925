// The Aliyun profile at its edges: each malformed JSON form the reader must
// refuse, escapes decoded into too-small storage, iterators over bad text,
// and the length limits and bad inputs of the topic, endpoint, signer,
// Alink and NTP helpers.
#include <charconv>
#include <cstdint>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alimqtt/aliyun.hpp"
#include "catch.hpp"

using namespace alimqtt;
using namespace alimqtt::aliyun;

namespace {

/// Hides a string from the compiler so constexpr functions run at run time
/// (where gcov counts them) instead of being folded.
std::string_view rt(std::string_view s) {
    static std::string keep[64];
    static int next = 0;
    std::string& slot = keep[next++ % 64];
    slot.assign(s.data(), s.size());
    return slot;
}

constexpr DeviceId dev{"a1B2c3D4e5F", "pico-w-001"};

std::string decoded(const json::String& s) {
    char out[64];
    const auto r = s.decode_into(out);
    return r ? std::string(*r) : std::string("<") + std::string(to_string(r.error())) + ">";
}

} // namespace

TEST_CASE("the JSON reader accepts every kind of whitespace and a bare scalar as the document") {
    CHECK(json::parse(rt(" \t\r\n{ \"a\" :\t[ 1 ,\r\n2 ] }\n\r\t ")).ok());
    CHECK(json::parse(rt("true"))->as_bool().value());
    CHECK_FALSE(json::parse(rt("false"))->as_bool().value());
    CHECK(json::parse(rt("null"))->is_null());
    CHECK(json::parse(rt("-0"))->as_int().value() == 0);
    CHECK(json::parse(rt("\"s\""))->is_string());
    CHECK(json::parse(rt(" 1 "))->raw() == "1");
}

TEST_CASE("the JSON reader accepts each number form of RFC 8259 and reads whole ones") {
    for (const char* n : {"0", "-0", "0.5", "-12.250", "1e5", "1E5", "1e+5", "1e-5", "-1.5E-10", "10"}) {
        INFO(n);
        const auto v = json::parse(rt(n));
        REQUIRE(v.ok());
        CHECK(v->is_number());
        CHECK(v->raw() == n);
    }
    CHECK(json::parse(rt("10"))->as_int().value() == 10);
    CHECK(json::parse(rt("9223372036854775807"))->as_int().value() == INT64_MAX);
    CHECK(json::parse(rt("1e5"))->as_int().error() == Error::json_wrong_type);
}

TEST_CASE("the JSON reader refuses each malformed form with json_syntax") {
    for (const char* bad : {
             "",            // nothing
             "   ",         // only whitespace
             "-",           // sign without digits
             "-x",          // sign then a letter
             "1.",          // fraction without digits
             "1.x",         // fraction then a letter
             "1e",          // exponent without digits
             "1e+",         // exponent sign without digits
             "1E-x",        // exponent then a letter
             "\"abc",       // unterminated string
             "\"ab\\",      // backslash at the very end
             "\"\\u12",     // \u with too few hex digits at the end
             "\"\\u12g4\"", // \u with a non-hex digit
             "\"\\uD83Dx\"",         // high surrogate, then a plain character
             "\"\\uD83D\\n\"",       // high surrogate, then another escape
             "\"\\uD83D\\u0041\"",   // high surrogate, then a non-surrogate \u
             "\"\\uD83D\\uD83D\"",   // two high surrogates
             "\"\\uDFFF\"",          // lone low surrogate
             "\"\\q\"",              // unknown escape
             "{\"a\":1,\"b\"}",      // second member without ':'
             "{\"a\":1,\"b\" 2}",    // second member, space instead of ':'
             "{\"a\":1,2}",          // second member without a name
             "{\"a\":1,\"b",         // second name unterminated
             "{\"a",                 // first name unterminated
             "[1,",                  // array cut after a comma
             "[1",                   // array cut after an element
             "{",                    // object cut after '{'
             "nul",                  // literal cut short
             "fals",                 // literal cut short
             "+1",                   // a plus sign is not a number
         }) {
        INFO(bad);
        CHECK(json::parse(rt(bad)).error() == Error::json_syntax);
    }
}

TEST_CASE("text after the document and documents nested too deeply are refused by name") {
    CHECK(json::parse(rt("{} {}")).error() == Error::json_trailing_garbage);
    CHECK(json::parse(rt("1 x")).error() == Error::json_trailing_garbage);
    std::string mixed;
    for (std::size_t i = 0; i <= json::max_depth; ++i) mixed += i % 2 ? "[" : "{\"k\":";
    CHECK(json::parse(rt(mixed)).error() == Error::json_too_deep);
}

TEST_CASE("hex digits of \\u escapes are read in either case") {
    const auto v = json::parse(rt(R"(["\u00E9", "\u00e9", "\u20AC", "\uD83D\uDE00", "\u0041"])"));
    REQUIRE(v.ok());
    std::string all;
    for (json::Value e : v->elements()) all += decoded(*e.as_string()) + "|";
    CHECK(all == "\xC3\xA9|\xC3\xA9|\xE2\x82\xAC|\xF0\x9F\x98\x80|A|");
}

TEST_CASE("every escape decodes to its character, and equals() compares decoded text") {
    const json::String s(rt(R"(\"\\\/\b\f\n\r\t)"));
    CHECK(decoded(s) == "\"\\/\b\f\n\r\t");
    CHECK(s.equals("\"\\/\b\f\n\r\t"));
    CHECK_FALSE(s.equals("\"\\/\b\f\n\r"));   // shorter
    CHECK_FALSE(s.equals("\"\\/\b\f\n\r\tx")); // longer
    CHECK_FALSE(s.is_plain());
    CHECK(json::String(rt("plain")).is_plain());
    CHECK(json::String(rt(R"(\u00e9)")).equals("\xC3\xA9"));
    CHECK_FALSE(json::String(rt(R"(\u00e9)")).equals("\xC3\xA8"));
}

TEST_CASE("decoding a multi-byte character into storage one byte short is buffer_too_small") {
    char one[1], two[2], three[3];
    CHECK(json::String(rt(R"(\u00e9)")).decode_into(one).error() == Error::buffer_too_small);
    CHECK(json::String(rt(R"(\u20ac)")).decode_into(two).error() == Error::buffer_too_small);
    CHECK(json::String(rt(R"(\ud83d\ude00)")).decode_into(three).error() == Error::buffer_too_small);
    CHECK(json::String(rt(R"(a\n)")).decode_into(one).error() == Error::buffer_too_small);
    CHECK(json::String(rt(R"(\u00e9)")).decode<1>().error() == Error::buffer_too_small);
    CHECK(json::String(rt(R"(\u00e9)")).decode<2>().value() == "\xC3\xA9");
}

TEST_CASE("a String built from unchecked text refuses bad escapes when decoded") {
    for (const char* bad : {"\\", "\\x", "\\u12", "\\u12g4", "\\ud83d", "\\ud83dab", "\\ud83d\\u0041", "\\ude00"}) {
        INFO(bad);
        const json::String s(rt(bad));
        CHECK(decoded(s) == "<malformed JSON>");
        CHECK(s.decode<16>().error() == Error::json_syntax);
        CHECK_FALSE(s.equals(""));
    }
}

TEST_CASE("typed accessors refuse values of another kind with json_wrong_type") {
    const auto doc = json::parse(rt(R"({"n":1,"s":"x","b":true,"o":{},"a":[]})"));
    REQUIRE(doc.ok());
    CHECK(doc->find("n")->as_bool().error() == Error::json_wrong_type);
    CHECK(doc->find("n")->as_string().error() == Error::json_wrong_type);
    CHECK(doc->find("b")->as_int().error() == Error::json_wrong_type);
    CHECK(doc->find("o")->kind() == json::Kind::object);
    CHECK(doc->find("a")->kind() == json::Kind::array);
    CHECK(doc->find("b")->kind() == json::Kind::boolean);
    CHECK(json::parse(rt("-5"))->as_int().value() == -5);
    CHECK(json::parse(rt("-9223372036854775809"))->as_int().error() == Error::json_wrong_type);
}

TEST_CASE("members() of a non-object and elements() of a non-array are empty ranges") {
    const json::Value null_value;
    CHECK(null_value.is_null());
    CHECK(null_value.members().begin() == std::default_sentinel);
    CHECK(null_value.elements().begin() == std::default_sentinel);
    const auto arr = json::parse(rt("[1,2]"));
    CHECK(arr->members().begin() == std::default_sentinel);
    CHECK_FALSE(arr->find("1").has_value());
    const auto obj = json::parse(rt(R"({"a":1})"));
    CHECK(obj->elements().begin() == std::default_sentinel);
    CHECK(json::parse(rt("[]"))->elements().begin() == std::default_sentinel);
    CHECK(json::parse(rt("{}"))->members().begin() == std::default_sentinel);
}

TEST_CASE("find() matches a member name written with escapes, and the first of duplicates") {
    const auto doc = json::parse(rt(R"({"a\u0062":1,"ab":2})"));
    REQUIRE(doc.ok());
    CHECK(doc->find("ab")->as_int().value() == 1);
}

TEST_CASE("iterators over unchecked text stop at the first item they cannot read") {
    auto count_members = [](std::string_view text) {
        int n = 0;
        for (json::MemberIterator it(text); !(it == std::default_sentinel); ++it) ++n;
        return n;
    };
    auto count_elements = [](std::string_view text) {
        int n = 0;
        for (json::ElementIterator it(text); !(it == std::default_sentinel); it++) ++n;
        return n;
    };
    CHECK(count_members(rt(R"({"a":1,"b":2})")) == 2);
    CHECK(count_members(rt(R"({"a":1,"b)")) == 1);  // second name unterminated
    CHECK(count_members(rt(R"({"a":1,"b":)")) == 1); // second value missing
    CHECK(count_members(rt(R"({"a":1,)")) == 1);     // nothing after the comma
    CHECK(count_members(rt(R"({1:2})")) == 0);       // a name that is not a string
    CHECK(count_elements(rt("[1,2,3]")) == 3);
    CHECK(count_elements(rt("[1,}")) == 1); // not a value after the comma
    CHECK(count_elements(rt("[")) == 0);
    json::MemberIterator m(rt(R"({"k":"v"})"));
    CHECK(m->name.raw() == "k");
    CHECK((*m).value.raw() == "\"v\"");
    m++;
    CHECK(m == std::default_sentinel);
    json::ElementIterator e(rt("[true]"));
    CHECK(e->is_bool());
}

TEST_CASE("Alink strings escape CR, tab and other control characters") {
    char buf[256];
    AlinkRequestWriter w(buf, 7);
    w.add_string(rt("s"), rt("a\r\tb\x01\x1f\"\\"));
    w.add_bool(rt("on"), false).add_bool(rt("off"), true);
    const auto out = w.finish();
    REQUIRE(out.ok());
    CHECK(*out == R"({"id":"7","version":"1.0","params":{"s":"a\r\tb\u0001\u001f\"\\","on":false,"off":true},)"
                  R"("method":"thing.event.property.post"})");
    CHECK(json::parse(*out).ok());
}

TEST_CASE("Alink ids are read as numbers only when they are 1 to 10 digits up to 4294967295") {
    auto id_of = [](const char* id) {
        const std::string text = std::string(R"({"id":)") + id + "}";
        return read_alink(rt(text))->id_number();
    };
    CHECK(id_of(R"("4294967295")").value() == 4294967295u);
    CHECK(id_of("0").value() == 0u);
    CHECK(id_of(R"("4294967296")").error() == Error::json_wrong_type);
    CHECK(id_of(R"("12345678901")").error() == Error::json_wrong_type);
    CHECK(id_of(R"("")").error() == Error::json_wrong_type);
    CHECK(id_of(R"("12a")").error() == Error::json_wrong_type);
    CHECK(id_of("-1").error() == Error::json_wrong_type);
}

TEST_CASE("a params object without a value member is returned as it is") {
    const auto m = read_alink(rt(R"({"id":"1","params":{"p":{"time":5},"q":{"value":3}}})"));
    REQUIRE(m.ok());
    CHECK(m->param("p")->raw() == R"({"time":5})");
    CHECK(m->param("q")->as_int().value() == 3);
    CHECK_FALSE(m->param("r").has_value());
    CHECK(read_alink(rt(R"({"id":"1","method":5})")).error() == Error::json_wrong_type);
    CHECK(read_alink(rt(R"({"id":"1","code":"200"})")).error() == Error::json_wrong_type);
}

TEST_CASE("NTP times that are empty, too long, signed or fractional are json_wrong_type") {
    auto with_send = [](const char* v) {
        const std::string text =
            std::string(R"({"deviceSendTime":)") + v + R"(,"serverRecvTime":"2","serverSendTime":"3"})";
        return read_ntp_response(rt(text), 10);
    };
    CHECK(with_send(R"("1")").value() == (2 + 3 + 9) / 2);
    CHECK(with_send(R"("")").error() == Error::json_wrong_type);
    CHECK(with_send(R"("12345678901234567890")").error() == Error::json_wrong_type); // 20 digits
    CHECK(with_send(R"("1x")").error() == Error::json_wrong_type);
    CHECK(with_send("-1").error() == Error::json_wrong_type);
    CHECK(with_send("1.5").error() == Error::json_wrong_type);
    CHECK(with_send("true").error() == Error::json_wrong_type);
    CHECK(read_ntp_response(rt(R"({"deviceSendTime":"1","serverSendTime":"3"})"), 10).error() ==
          Error::json_missing_field);
}

TEST_CASE("every topic builder refuses a bad device, and a bad id part, by name") {
    const DeviceId bad_pk{"a+b", "dn"};
    const DeviceId empty_dn{"pk", ""};
    CHECK(user_topic(bad_pk, "x").error() == Error::aliyun_forbidden_character);
    CHECK(ntp_request_topic(bad_pk).error() == Error::aliyun_forbidden_character);
    CHECK(ntp_response_topic(empty_dn).error() == Error::aliyun_empty_field);
    CHECK(ota_inform_topic(bad_pk).error() == Error::aliyun_forbidden_character);
    CHECK(ota_upgrade_topic(empty_dn).error() == Error::aliyun_empty_field);
    CHECK(ota_progress_topic(bad_pk).error() == Error::aliyun_forbidden_character);
    CHECK(rrpc_request_filter(empty_dn).error() == Error::aliyun_empty_field);
    CHECK(event_post_reply_topic(dev, rt("a#")).error() == Error::aliyun_forbidden_character);
    CHECK(service_topic(dev, rt("")).error() == Error::aliyun_empty_field);
    CHECK(service_reply_topic(dev, rt("a/b")).error() == Error::aliyun_forbidden_character);
    CHECK(rrpc_request_topic(dev, rt("+")).error() == Error::aliyun_forbidden_character);
    const std::string nul("a\0b", 3);
    CHECK(event_post_topic(dev, rt(nul)).error() == Error::aliyun_forbidden_character);
}

TEST_CASE("a device whose /sys/<pk>/<dn>/ prefix alone exceeds 128 characters is aliyun_topic_too_long") {
    const std::string long_name(120, 'd');
    const DeviceId d{"pk", rt(long_name)};
    CHECK(property_post_topic(d).error() == Error::aliyun_topic_too_long);
    CHECK(ntp_request_topic(d).error() == Error::aliyun_topic_too_long);
}

TEST_CASE("rrpc_message_id is empty for topics that are not RRPC requests") {
    CHECK(rrpc_message_id(rt("/sys/pk/dn/rrpc/request/123")) == "123");
    CHECK(rrpc_message_id(rt("/pk/dn/rrpc/request/123")).empty());     // not under /sys/
    CHECK(rrpc_message_id(rt("/sys/pk/dn/rrpc/response/123")).empty()); // a response
    CHECK(rrpc_message_id(rt("/sys/pk/dn/rrpc/request/1/2")).empty());  // more levels
}

TEST_CASE("endpoint host labels allow letters of both cases, digits and '-', nothing else") {
    CHECK(region_endpoint(rt("a1B2-c3"), rt("cn-shanghai"))->host == "a1B2-c3.iot-as-mqtt.cn-shanghai.aliyuncs.com");
    for (const char* bad : {"a_b", "a.b", "a b", "a/b", "\xC3\xA9"}) {
        INFO(bad);
        CHECK(region_endpoint(rt(bad), rt("cn-shanghai")).error() == Error::aliyun_forbidden_character);
        CHECK(region_endpoint(rt("pk"), rt(bad)).error() == Error::aliyun_forbidden_character);
        CHECK(instance_endpoint(rt(bad)).error() == Error::aliyun_forbidden_character);
    }
    CHECK(region_endpoint(rt("pk"), rt("")).error() == Error::aliyun_empty_field);
    CHECK(instance_endpoint(rt("")).error() == Error::aliyun_empty_field);
    CHECK(instance_endpoint(rt("iot-06z00"), 0).error() == Error::port_out_of_range);
}

TEST_CASE("an endpoint host over 128 characters is aliyun_field_too_long; exactly 128 fits") {
    const std::string suffix = ".mqtt.iothub.aliyuncs.com"; // 25 characters
    CHECK(instance_endpoint(rt(std::string(128 - suffix.size(), 'i')))->host.size() == 128);
    CHECK(instance_endpoint(rt(std::string(129 - suffix.size(), 'i'))).error() == Error::aliyun_field_too_long);
    CHECK(region_endpoint(rt(std::string(100, 'p')), rt("cn-shanghai")).error() == Error::aliyun_field_too_long);
}

TEST_CASE("a ProductKey or DeviceName over 64 characters is aliyun_field_too_long") {
    const std::string long65(65, 'x');
    CHECK(sign({rt(long65), "dn", "secret"}, {"id"}).error() == Error::aliyun_field_too_long);
    CHECK(sign({"pk", rt(long65), "secret"}, {"id"}).error() == Error::aliyun_field_too_long);
    const std::string long64(64, 'x');
    CHECK(sign({rt(long64), rt(long64), "secret"}, {"id"}).ok());
}

TEST_CASE("the longest clientId and username the signer can build fit their storage") {
    const std::string prefix(max_client_id_prefix, 'c');
    const std::string name(max_key_or_name, 'n');
    SignOptions o;
    o.client_id = rt(prefix);
    o.secure_mode = SecureMode::tcp;
    o.timestamp = Timestamp::at_ms(18446744073709551615ULL);
    const auto c = sign({rt(name), rt(name), "secret"}, o);
    REQUIRE(c.ok());
    CHECK(c->client_id.view() == prefix + "|securemode=3,signmethod=hmacsha256,timestamp=18446744073709551615|");
    CHECK(c->username.view() == name + "&" + name);
    CHECK(c->password.size() == 64);
}

TEST_CASE("a sign method or secure mode outside the enum is refused, not signed with nothing") {
    SignOptions o;
    o.sign_method = static_cast<SignMethod>(7);
    CHECK(sign({"pk", "dn", "secret"}, o).error() == Error::invalid_argument);
    SignOptions m;
    m.secure_mode = static_cast<SecureMode>(9);
    CHECK(sign({"pk", "dn", "secret"}, m).error() == Error::invalid_argument);
    CHECK(to_string(static_cast<SignMethod>(7)) == "hmacsha256");
    CHECK(to_string(SignMethod::hmacsha1) == "hmacsha1");
    CHECK(parse_sign_method(rt("HMACSHA1")).error() == Error::invalid_argument);
}

TEST_CASE("a clientId with an empty or unterminated parameter block expects TLS") {
    CHECK(client_id_expects_tls(rt("id|")));
    CHECK(client_id_expects_tls(rt("id|signmethod=hmacsha1")));
    CHECK_FALSE(client_id_expects_tls(rt("id|signmethod=hmacsha1,securemode=3")));
    CHECK(client_id_expects_tls(rt("id|securemode=2|securemode=3")));
}

TEST_CASE("64-bit numbers are written in decimal exactly as std::to_chars writes them") {
    // append_decimal and the Alink integer writer divide by 10 with shifts
    // and adds (no 64-bit division on a Cortex-M0+); std::to_chars is the oracle.
    std::vector<std::uint64_t> values = {0, 1, 9, 10, 11, 19, 20, 99, 100, 4294967295u, 4294967296u,
                                         9223372036854775807ULL, 9223372036854775808ULL, 18446744073709551615ULL};
    for (std::uint64_t p = 1; p <= 1000000000000000000ULL; p *= 10)
        for (std::uint64_t q : {p - 1, p, p + 1, 2 * p - 1, 5 * p, 10 * p - 1}) values.push_back(q);
    std::uint64_t x = 0x9E3779B97F4A7C15ULL; // xorshift64: spread over every magnitude
    for (int i = 0; i < 20000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        values.push_back(x >> (i % 64));
    }
    for (std::uint64_t v : values) {
        char want[24];
        const auto end = std::to_chars(want, want + sizeof want, v).ptr;
        FixedString<20> s;
        REQUIRE(s.append_decimal(v));
        REQUIRE(s.view() == std::string_view(want, static_cast<std::size_t>(end - want)));

        const auto as_signed = static_cast<std::int64_t>(v);
        char want_signed[24];
        const auto end_signed = std::to_chars(want_signed, want_signed + sizeof want_signed, as_signed).ptr;
        char buf[160];
        const auto text = AlinkRequestWriter(buf, 1).add_int("n", as_signed).finish();
        REQUIRE(text.ok());
        const std::string expected =
            "\"n\":" + std::string(want_signed, static_cast<std::size_t>(end_signed - want_signed)) + "}";
        REQUIRE(text->find(expected) != std::string_view::npos);
    }
}

TEST_CASE("FixedString refuses decimal digits that do not fit and changes nothing") {
    FixedString<3> s;
    REQUIRE(s.append(rt("ab")));
    CHECK_FALSE(s.append_decimal(12));
    CHECK(s.view() == "ab");
    CHECK(s.append_decimal(7));
    CHECK(s.view() == "ab7");
    CHECK(aliyun::detail::slice(rt("abc"), 5).empty());
}

TEST_CASE("\\u escapes are checked at every edge: short text, non-hex characters, surrogate ranges") {
    for (const char* bad : {
             "\"\\u",              // \u ending the whole text (shorter than 4 characters)
             "\"\\u00+0\"",       // a character below '0' among the hex digits
             "\"\\u00:0\"",       // one between '9' and 'A'
             "\"\\uD83D",          // high surrogate ending the text
             "\"\\uD83D\\",       // high surrogate, then a lone backslash ending the text
             "\"\\uD83D\\uE000\"", // high surrogate, then a \u above the low-surrogate range
             "\"\\uD83D\\uDBFF\"", // high surrogate, then another high one
         }) {
        INFO(bad);
        CHECK(json::parse(rt(bad)).error() == Error::json_syntax);
    }
    // Just outside the surrogate ranges: ordinary characters.
    const auto v = json::parse(rt(R"(["\uD7FF", "\uE000", "\uFFFF"])"));
    REQUIRE(v.ok());
    std::string all;
    for (json::Value e : v->elements()) all += decoded(*e.as_string()) + "|";
    CHECK(all == "\xED\x9F\xBF|\xEE\x80\x80|\xEF\xBF\xBF|");
}

TEST_CASE("a String built from unchecked text refuses a surrogate pair whose second half is not a low surrogate") {
    for (const char* bad : {"\\ud83d\\ue000", "\\ud83d\\ud83d", "\\ud83d\\n", "\\ud83d\\"}) {
        INFO(bad);
        CHECK(decoded(json::String(rt(bad))) == "<malformed JSON>");
    }
    CHECK(decoded(json::String(rt("\\ue000"))) == "\xEE\x80\x80");
}

TEST_CASE("decoding a multi-byte character into storage that ends anywhere inside it is buffer_too_small") {
    struct Case {
        const char* escaped;
        std::string_view utf8;
    };
    for (const Case c : {Case{R"(\u00e9)", "\xC3\xA9"}, Case{R"(\u20ac)", "\xE2\x82\xAC"},
                         Case{R"(\ud83d\ude00)", "\xF0\x9F\x98\x80"}}) {
        const json::String s(rt(c.escaped));
        char out[4] = {'-', '-', '-', '-'};
        for (std::size_t room = 0; room < c.utf8.size(); ++room) {
            INFO(c.escaped << " into " << room << " bytes");
            CHECK(s.decode_into(std::span<char>(out, room)).error() == Error::buffer_too_small);
        }
        const auto whole = s.decode_into(std::span<char>(out, c.utf8.size()));
        REQUIRE(whole.ok());
        CHECK(*whole == c.utf8);
    }
}

TEST_CASE("endpoint host labels refuse characters just outside each allowed range") {
    // Neighbours of a-z, A-Z, 0-9 and '-' in ASCII: '`' '{' '@' '[' '/' ':' ',' '.'.
    for (const char* bad : {"a`b", "a{b", "a~b", "a@b", "a[b", "a/b", "a:b", "a,b", "a.b"}) {
        INFO(bad);
        CHECK(instance_endpoint(rt(bad)).error() == Error::aliyun_forbidden_character);
    }
    CHECK(instance_endpoint(rt("azAZ09-"))->host == "azAZ09-.mqtt.iothub.aliyuncs.com");
}

TEST_CASE("an endpoint host is aliyun_field_too_long wherever it crosses 128 characters") {
    // <pk>.iot-as-mqtt.<region>.aliyuncs.com: the ProductKey alone, or the region.
    CHECK(region_endpoint(rt(std::string(129, 'p')), rt("cn-shanghai")).error() == Error::aliyun_field_too_long);
    CHECK(region_endpoint(rt("pk"), rt(std::string(114, 'r'))).error() == Error::aliyun_field_too_long);
    // 2 + 13 + 100 + 13 = 128: fits exactly.
    CHECK(region_endpoint(rt("pk"), rt(std::string(100, 'r')))->host.size() == 128);
    CHECK(region_endpoint(rt("pk"), rt(std::string(101, 'r'))).error() == Error::aliyun_field_too_long);
}

TEST_CASE("a /sys/ topic is aliyun_topic_too_long wherever it crosses 128 characters") {
    const std::string pk124(124, 'p'), pk123(123, 'p'), dn121(121, 'd'), dn94(94, 'd'), dn95(95, 'd');
    CHECK(property_post_topic({rt(pk124), "dn"}).error() == Error::aliyun_topic_too_long); // in the ProductKey
    CHECK(property_post_topic({rt(pk123), "dn"}).error() == Error::aliyun_topic_too_long); // at the '/' after it
    CHECK(property_post_topic({"pk", rt(dn121)}).error() == Error::aliyun_topic_too_long); // in the DeviceName
    CHECK(property_post_topic({"pk", rt(dn95)}).error() == Error::aliyun_topic_too_long);  // in the tail
    // "/sys/pk/" + 94 + "/thing/event/property/post" = 128 characters: fits exactly.
    const auto fits = property_post_topic({"pk", rt(dn94)});
    REQUIRE(fits.ok());
    CHECK(fits->size() == 128);
    CHECK(fits->view() == "/sys/pk/" + dn94 + "/thing/event/property/post");
}
