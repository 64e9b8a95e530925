// The console's "MQTT connection parameters" JSON as users paste it, the JSON
// reader underneath it, and the Aliyun connect rules built on top.
#include <string>

#include "alimqtt/aliyun.hpp"
#include "catch.hpp"

using namespace alimqtt;
using namespace alimqtt::aliyun;

namespace {
// The seed tutorial's blob, with the console's layout and its *** where the
// secrets were.
constexpr std::string_view seed_blob =
    R"({"clientId":"***.pico_w|securemode=2,signmethod=hmacsha256,timestamp=***|","username":"pico_w&***","mqttHostUrl":"***.iot-as-mqtt.cn-shanghai.aliyuncs.com","passwd":"***","port":1883})";
} // namespace

// The console path works at compile time too.
static_assert(parse_console_json(seed_blob)->port == 1883);

TEST_CASE("The seed tutorial's console blob, *** and all, is read field by field") {
    const auto p = parse_console_json(seed_blob);
    REQUIRE(p.ok());
    CHECK(p->client_id == "***.pico_w|securemode=2,signmethod=hmacsha256,timestamp=***|");
    CHECK(p->username == "pico_w&***");
    CHECK(p->host == "***.iot-as-mqtt.cn-shanghai.aliyuncs.com");
    CHECK(p->password == "***");
    CHECK(p->port == 1883);
}

TEST_CASE("Fields in another order, pretty-printed, with unknown members, are read the same") {
    const auto p = parse_console_json(R"(
        {
            "port" : 8883 ,
            "passwd": "faa66d81fb04681b73a10217ee84049af76eb475a32069047e26f9f27152d89c",
            "extra": {"nested": [1, 2.5e-3, {"x": null}], "flag": true},
            "mqttHostUrl": "iot-06z00abcdefg.mqtt.iothub.aliyuncs.com",
            "username": "pico-w-001&a1B2c3D4e5F",
            "clientId": "a1B2c3D4e5F.pico-w-001|securemode=2,signmethod=hmacsha256,timestamp=1700000000000|"
        }
    )");
    REQUIRE(p.ok());
    CHECK(p->port == 8883);
    CHECK(p->host == "iot-06z00abcdefg.mqtt.iothub.aliyuncs.com");
    CHECK(p->username == "pico-w-001&a1B2c3D4e5F");
}

TEST_CASE("JSON escapes, \\uXXXX and surrogate pairs are decoded") {
    const auto p = parse_console_json(
        R"({"clientId":"a\u002Eb|securemode=3\u002c signmethod=hmacmd5|","username":"d\u00e9v\u4e2d&p\/k",)"
        R"("mqttHostUrl":"h\"q\\\t","passwd":"\ud83d\ude00\n","port":1})");
    REQUIRE(p.ok());
    CHECK(p->client_id == "a.b|securemode=3, signmethod=hmacmd5|");
    CHECK(p->username == "d\xC3\xA9v\xE4\xB8\xAD&p/k");
    CHECK(p->host == "h\"q\\\t");
    CHECK(p->password == "\xF0\x9F\x98\x80\n");
    CHECK(p->port == 1);
}

TEST_CASE("A missing field is reported as json_missing_field") {
    CHECK(parse_console_json(R"({"clientId":"c","username":"u","mqttHostUrl":"h","passwd":"p"})").error() ==
          Error::json_missing_field);
    CHECK(parse_console_json(R"({"clientId":"c","username":"u","passwd":"p","port":1883})").error() ==
          Error::json_missing_field);
    CHECK(parse_console_json("{}").error() == Error::json_missing_field);
}

TEST_CASE("A field of the wrong type is reported as json_wrong_type") {
    CHECK(parse_console_json(R"({"clientId":"c","username":"u","mqttHostUrl":"h","passwd":"p","port":"1883"})")
              .error() == Error::json_wrong_type);
    CHECK(parse_console_json(R"({"clientId":1,"username":"u","mqttHostUrl":"h","passwd":"p","port":1883})")
              .error() == Error::json_wrong_type);
    CHECK(parse_console_json(R"({"clientId":"c","username":"u","mqttHostUrl":"h","passwd":"p","port":1883.5})")
              .error() == Error::json_wrong_type);
    CHECK(parse_console_json(R"(["clientId"])").error() == Error::json_wrong_type);
}

TEST_CASE("A port outside 1..65535 is reported as port_out_of_range") {
    for (const char* port : {"0", "-1", "65536", "99999999999999999999999"}) {
        const std::string text =
            std::string(R"({"clientId":"c","username":"u","mqttHostUrl":"h","passwd":"p","port":)") + port + "}";
        INFO(port);
        CHECK(parse_console_json(text).error() == Error::port_out_of_range);
    }
    CHECK(parse_console_json(R"({"clientId":"c","username":"u","mqttHostUrl":"h","passwd":"p","port":65535})")
              ->port == 65535);
}

TEST_CASE("Text after the closing brace is reported as json_trailing_garbage") {
    CHECK(parse_console_json(std::string(seed_blob) + "}").error() == Error::json_trailing_garbage);
    CHECK(parse_console_json(std::string(seed_blob) + " x").error() == Error::json_trailing_garbage);
    CHECK(parse_console_json(std::string(seed_blob) + " \n\t").ok());
}

TEST_CASE("Malformed JSON is reported as json_syntax, never a crash") {
    const std::string good(seed_blob);
    // Every prefix of a valid document is malformed.
    for (std::size_t n = 0; n < good.size(); ++n) {
        INFO(n);
        CHECK(parse_console_json(good.substr(0, n)).error() == Error::json_syntax);
    }
    for (const char* bad : {R"({"clientId":"c\x"})", R"({"clientId":"c\u12G4"})", R"({"a":"\ud83d"})",
                            R"({"a":"\ude00"})", "{\"a\":\"tab\there\"}", R"({"a":01})", R"({"a":1.})",
                            R"({"a":1e})", R"({"a":-})", R"({"a":tru})", R"({"a" 1})", R"({"a":1,})",
                            R"({a:1})", R"([1,])", R"({"a":[1 2]})", R"({"a":1]})", R"({"a":[1}})", "'x'"}) {
        INFO(bad);
        CHECK(parse_console_json(bad).error() == Error::json_syntax);
    }
}

namespace {
/// `{"a":"<bytes>"}`: the bytes raw inside a JSON string.
std::string in_string(std::string_view bytes) { return R"({"a":")" + std::string(bytes) + R"("})"; }
} // namespace

TEST_CASE("Well-formed UTF-8 inside strings is accepted and decodes to the same bytes") {
    // U+00E9, U+4E2D, U+1F600, U+FFFF and U+10FFFF, the last code point.
    for (std::string_view ok : {"\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF",
                                "caf\xC3\xA9 \xE4\xB8\xAD\\n"}) {
        INFO(ok);
        const std::string text_of_doc = in_string(ok); // the values are views into it
        const auto doc = json::parse(text_of_doc);
        REQUIRE(doc.ok());
        const auto text = doc->find("a")->as_string();
        REQUIRE(text.ok());
        CHECK(text->raw() == ok);
    }
    const std::string zhong = in_string("\xE4\xB8\xAD");
    const auto doc = json::parse(zhong);
    CHECK(doc->find("a")->as_string()->decode<8>()->view() == "\xE4\xB8\xAD");
}

TEST_CASE("Ill-formed UTF-8 inside a string is json_invalid_utf8: overlongs, surrogates, cut sequences") {
    // RFC 8259 8.1: JSON text is UTF-8. Python's strict decoder refuses every
    // one of these too: python3 -c "b'\xed\xa0\x80'.decode('utf-8')" raises.
    for (std::string_view bad : {
             "\xC0\xAF",                 // '/' as an overlong 2-byte form
             "\xC1\xBF",                 // overlong 2-byte form
             "\xC0\x80",                 // U+0000 smuggled in as an overlong
             "\xE0\x80\xAF",             // overlong 3-byte form
             "\xF0\x80\x80\xAF",         // overlong 4-byte form
             "\xED\xA0\x80",             // U+D800, a surrogate encoded in UTF-8
             "\xED\xBF\xBF",             // U+DFFF
             "\xED\xA0\xBD\xED\xB8\x80", // a surrogate pair encoded as two 3-byte forms (CESU-8)
             "\xC3",                     // cut: 2-byte lead, then the closing quote
             "\xE4\xB8",                 // cut 3-byte sequence
             "\xF0\x9F\x98",             // cut 4-byte sequence
             "\xC3\\n",                  // cut by an escape
             "\x80", "\xBF",             // stray continuation bytes
             "\xFE", "\xFF",             // bytes that never occur in UTF-8
             "\xF4\x90\x80\x80",         // U+110000, above the last code point
             "\xF5\x80\x80\x80",         // lead byte above F4
             "ok \xE9 latin-1",          // Latin-1, not UTF-8
         }) {
        INFO(bad);
        CHECK(json::parse(in_string(bad)).error() == Error::json_invalid_utf8);
    }
    // Member names are strings too, and the console path reports it by name.
    CHECK(json::parse("{\"\xC0\xAF\":1}").error() == Error::json_invalid_utf8);
    CHECK(parse_console_json("{\"clientId\":\"c\xED\xA0\x80\",\"username\":\"u\",\"mqttHostUrl\":\"h\","
                             "\"passwd\":\"p\",\"port\":1883}")
              .error() == Error::json_invalid_utf8);
    // Outside strings any byte above 0x7F is still plain bad syntax, and a
    // string cut by the end of the text is unterminated.
    CHECK(json::parse("{\"a\":\xC3\xA9}").error() == Error::json_syntax);
    CHECK(json::parse("{\"a\":\"\xE4").error() == Error::json_syntax);
    CHECK(to_string(Error::json_invalid_utf8) == "JSON string is not valid UTF-8");
}

TEST_CASE("Nesting deeper than the limit is refused without recursion") {
    std::string deep = R"({"a":)" + std::string(json::max_depth, '[') + std::string(json::max_depth, ']') + "}";
    CHECK(parse_console_json(deep).error() == Error::json_too_deep);
    std::string deeper(100000, '[');
    CHECK(json::parse(deeper).error() == Error::json_too_deep);
    std::string ok = std::string(json::max_depth, '[') + std::string(json::max_depth, ']');
    CHECK(json::parse(ok).ok());
}

TEST_CASE("A value too long for its fixed storage is refused by name") {
    const std::string text = R"({"clientId":")" + std::string(200, 'c') +
                             R"(","username":"u","mqttHostUrl":"h","passwd":"p","port":1883})";
    CHECK(parse_console_json(text).error() == Error::aliyun_field_too_long);
}

TEST_CASE("The JSON reader walks members and elements and reads typed values") {
    const auto doc = json::parse(R"({"n":-9223372036854775808,"big":9223372036854775808,"f":2.5E+3,)"
                                 R"("t":true,"z":false,"nil":null,"s":"x\"y","arr":[1,"two",[3],{}]})");
    REQUIRE(doc.ok());
    CHECK(doc->find("n")->as_int().value() == INT64_MIN);
    CHECK(doc->find("big")->as_int().error() == Error::json_wrong_type);
    CHECK(doc->find("f")->is_number());
    CHECK(doc->find("f")->as_int().error() == Error::json_wrong_type);
    CHECK(doc->find("t")->as_bool().value());
    CHECK_FALSE(doc->find("z")->as_bool().value());
    CHECK(doc->find("nil")->is_null());
    CHECK(doc->find("s")->as_string()->equals("x\"y"));
    CHECK(doc->find("s")->as_int().error() == Error::json_wrong_type);
    CHECK_FALSE(doc->find("missing").has_value());
    std::string names;
    for (const json::Member& m : doc->members()) names += std::string(m.name.raw()) + ",";
    CHECK(names == "n,big,f,t,z,nil,s,arr,");
    std::string elements;
    for (json::Value e : doc->find("arr")->elements()) elements += std::string(e.raw()) + "|";
    CHECK(elements == "1|\"two\"|[3]|{}|");
    char small[2];
    CHECK(doc->find("s")->as_string()->decode_into(small).error() == Error::buffer_too_small);
}

TEST_CASE("Keepalive outside 30..1200 s is refused with a message that says Aliyun rejects it") {
    CHECK(check_keepalive(0).error() == Error::aliyun_keepalive_out_of_range);
    CHECK(check_keepalive(29).error() == Error::aliyun_keepalive_out_of_range);
    CHECK(check_keepalive(1201).error() == Error::aliyun_keepalive_out_of_range);
    CHECK(check_keepalive(30).ok());
    CHECK(check_keepalive(1200).ok());
    CHECK(to_string(Error::aliyun_keepalive_out_of_range).find("Aliyun") != std::string_view::npos);
}

TEST_CASE("QoS 2, retained publishes, over-long topics and wills are refused for Aliyun") {
    CHECK(check_publish(QoS::exactly_once, "/a/b").error() == Error::aliyun_qos2_not_supported);
    CHECK(check_publish(QoS::at_least_once, "/a/b").ok());
    CHECK(check_publish(QoS::at_most_once, "/a/b", true).error() == Error::aliyun_retain_not_supported);
    CHECK(check_publish(QoS::at_most_once, std::string(128, 't')).ok());
    CHECK(check_publish(QoS::at_most_once, std::string(129, 't')).error() == Error::aliyun_topic_too_long);
    CHECK(check_will(true).error() == Error::aliyun_will_not_supported);
    CHECK(check_will(false).ok());
    Connect c;
    c.keepalive_s = 0;
    CHECK(check_connect(c).error() == Error::aliyun_keepalive_out_of_range);
    c.keepalive_s = 60;
    CHECK(check_connect(c).ok());
    c.will = Will{};
    CHECK(check_connect(c).error() == Error::aliyun_will_not_supported);
}

TEST_CASE("Connect parameters come from the signer and endpoint, or from the pasted console JSON") {
    const auto creds = sign({"a1B2c3D4e5F", "pico-w-001", "0123456789abcdef0123456789abcdef"},
                            {.timestamp = Timestamp::at_ms(1700000000000)});
    const auto ep = region_endpoint("a1B2c3D4e5F", "cn-shanghai", 8883);
    REQUIRE(creds.ok());
    REQUIRE(ep.ok());
    const auto p = connect_params(*creds, *ep, 300);
    REQUIRE(p.ok());
    CHECK(p->host == "a1B2c3D4e5F.iot-as-mqtt.cn-shanghai.aliyuncs.com");
    CHECK(p->port == 8883);
    CHECK(p->tls);
    CHECK(p->keepalive_s == 300);
    const Connect c = p->to_connect();
    CHECK(c.client_id == creds->client_id.view());
    CHECK(c.username.value() == "pico-w-001&a1B2c3D4e5F");
    REQUIRE(c.password.has_value());
    CHECK(std::string_view(reinterpret_cast<const char*>(c.password->data()), c.password->size()) ==
          "faa66d81fb04681b73a10217ee84049af76eb475a32069047e26f9f27152d89c");
    CHECK(check_connect(c).ok());
    CHECK(connect_params(*creds, *ep, 0).error() == Error::aliyun_keepalive_out_of_range);

    const auto console = parse_console_json(seed_blob);
    REQUIRE(console.ok());
    const auto q = connect_params(*console);
    REQUIRE(q.ok());
    CHECK(q->tls);
    CHECK(q->keepalive_s == 60);
    CHECK(q->host == "***.iot-as-mqtt.cn-shanghai.aliyuncs.com");
    CHECK(connect_params(*console, 1500).error() == Error::aliyun_keepalive_out_of_range);
}

TEST_CASE("securemode=3 in a pasted clientId means plain TCP; anything else expects TLS") {
    CHECK_FALSE(client_id_expects_tls("x|securemode=3,signmethod=hmacsha1|"));
    CHECK_FALSE(client_id_expects_tls("x|signmethod=hmacsha1,securemode=3|"));
    CHECK(client_id_expects_tls("x|securemode=2,signmethod=hmacsha1|"));
    CHECK(client_id_expects_tls("securemode=3"));
    CHECK(client_id_expects_tls("x|securemode=33|"));
}

TEST_CASE("Each of the four text fields, when missing or one character too long, is refused by name") {
    struct Field {
        const char* name;
        std::size_t capacity;
    };
    for (const Field f : {Field{"clientId", max_client_id}, Field{"username", max_username},
                          Field{"mqttHostUrl", max_host_length}, Field{"passwd", max_console_password}}) {
        INFO(f.name);
        // A document with every field, this one holding `value` (or left out).
        const auto doc = [&f](const std::string* value) {
            std::string text = "{";
            for (const char* name : {"clientId", "username", "mqttHostUrl", "passwd"}) {
                if (std::string_view(name) == f.name && value == nullptr) continue;
                text += std::string("\"") + name + "\":\"" +
                        (std::string_view(name) == f.name ? *value : std::string("x")) + "\",";
            }
            return text + "\"port\":1883}";
        };
        CHECK(parse_console_json(doc(nullptr)).error() == Error::json_missing_field);
        const std::string too_long(f.capacity + 1, 'v');
        CHECK(parse_console_json(doc(&too_long)).error() == Error::aliyun_field_too_long);
        const std::string longest(f.capacity, 'v');
        CHECK(parse_console_json(doc(&longest)).ok());
    }
}
