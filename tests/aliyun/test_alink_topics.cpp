// Alink envelopes (writer and reader) and the topic builders with Aliyun's
// 128-character limit.
#include <string>

#include "alimqtt/aliyun.hpp"
#include "catch.hpp"

using namespace alimqtt;
using namespace alimqtt::aliyun;

namespace {
constexpr DeviceId dev{"a1B2c3D4e5F", "pico-w-001"};
constexpr std::string_view seed_set =
    R"({"method":"thing.service.property.set","id":"1024580116","params":{"PowerSwitch_1":0},"version":"1.0.0"})";
} // namespace

TEST_CASE("The seed tutorial's property set is read exactly") {
    const auto m = read_alink(seed_set);
    REQUIRE(m.ok());
    CHECK(m->method.equals("thing.service.property.set"));
    CHECK(m->method.equals(property_set_method));
    CHECK(m->id.raw() == "1024580116");
    CHECK(m->id_number().value() == 1024580116u);
    CHECK(m->version.equals("1.0.0"));
    CHECK_FALSE(m->code.has_value());
    int count = 0;
    for (const json::Member& p : m->params_members()) {
        ++count;
        CHECK(p.name.equals("PowerSwitch_1"));
        CHECK(p.value.raw() == "0");
        CHECK(p.value.as_int().value() == 0);
    }
    CHECK(count == 1);
    CHECK(m->param("PowerSwitch_1")->as_int().value() == 0);
    CHECK_FALSE(m->param("Other").has_value());
}

TEST_CASE("A reply's code, message and data are read") {
    const auto m = read_alink(R"({"code":460,"data":{"x":[1,{"y":"z"}]},"id":"123","message":"request parameter error","version":"1.0"})");
    REQUIRE(m.ok());
    CHECK(m->code.value() == 460);
    CHECK(m->message.equals("request parameter error"));
    CHECK(m->data.is_object());
    CHECK(m->id_number().value() == 123u);
    CHECK(m->params.is_null());
}

TEST_CASE("Params of every kind, including {value,time} wrappers, are iterated with typed accessors") {
    const auto m = read_alink(R"({"id":7,"method":"thing.service.property.set","params":{)"
                              R"("on":true,"name":"k\u00fcche","temp":{"value":21,"time":1700000000000},)"
                              R"("list":[1,2],"ratio":1.5e2}})");
    REQUIRE(m.ok());
    CHECK(m->id.raw() == "7");
    CHECK(m->param("on")->as_bool().value());
    char buf[16];
    CHECK(m->param("name")->as_string()->decode_into(buf).value() == "k\xC3\xBC" "che");
    CHECK(m->param("temp")->as_int().value() == 21);
    CHECK(m->param("list")->is_array());
    CHECK(m->param("ratio")->as_int().error() == Error::json_wrong_type);
    std::string names;
    for (const auto& p : m->params_members()) names += std::string(p.name.raw()) + " ";
    CHECK(names == "on name temp list ratio ");
}

TEST_CASE("Malformed or mistyped Alink messages are errors, never crashes") {
    CHECK(read_alink("").error() == Error::json_syntax);
    CHECK(read_alink(R"({"id":"1","params":{"a":[1,2}})").error() == Error::json_syntax);
    CHECK(read_alink(R"({"id":"1","params":{"a":"\q"}})").error() == Error::json_syntax);
    CHECK(read_alink(R"({"id":"1"} trailing)").error() == Error::json_trailing_garbage);
    CHECK(read_alink(R"({"method":"x"})").error() == Error::json_missing_field);
    CHECK(read_alink(R"({"id":true})").error() == Error::json_wrong_type);
    CHECK(read_alink(R"({"id":"1","method":5})").error() == Error::json_wrong_type);
    CHECK(read_alink(R"({"id":"1","params":[1]})").error() == Error::json_wrong_type);
    CHECK(read_alink(R"({"id":"1","code":"200"})").error() == Error::json_wrong_type);
    CHECK(read_alink("[1]").error() == Error::json_wrong_type);
    CHECK(read_alink(R"({"id":"99999999999"})")->id_number().error() == Error::json_wrong_type);
    // Every prefix of a valid message is refused.
    const std::string good(seed_set);
    for (std::size_t n = 0; n < good.size(); ++n) {
        INFO(n);
        CHECK_FALSE(read_alink(good.substr(0, n)).ok());
    }
}

TEST_CASE("A property post is written with int, bool, string and raw JSON values") {
    char buf[256];
    AlinkRequestWriter w(buf, 123);
    w.add_int("PowerSwitch_1", 1).add_bool("on", false).add_string("label", "a\"b\\c\n\x01")
        .add_raw("temp", R"({"value":23.5,"time":1700000000000})").add_int("min", INT64_MIN);
    const auto text = w.finish();
    REQUIRE(text.ok());
    CHECK(*text == R"({"id":"123","version":"1.0","params":{"PowerSwitch_1":1,"on":false,"label":"a\"b\\c\n\u0001",)"
                   R"("temp":{"value":23.5,"time":1700000000000},"min":-9223372036854775808},)"
                   R"("method":"thing.event.property.post"})");
    // The output reads back through the reader.
    const auto back = read_alink(*text);
    REQUIRE(back.ok());
    CHECK(back->param("label")->as_string()->equals("a\"b\\c\n\x01"));
    CHECK(back->param("temp")->raw() == "23.5");
}

TEST_CASE("The protocol's example property post is produced byte for byte") {
    char buf[128];
    const auto text = AlinkRequestWriter(buf, 123).add_int("PowerSwitch_1", 1).finish();
    CHECK(text.value() == R"({"id":"123","version":"1.0","params":{"PowerSwitch_1":1},"method":"thing.event.property.post"})");
}

TEST_CASE("An event post without reply names its method and adds sys.ack 0") {
    char buf[128];
    const auto text = AlinkRequestWriter(buf, 4294967295u, "thing.event.Alarm.post").add_int("level", 2)
                          .without_reply().finish();
    CHECK(text.value() ==
          R"({"id":"4294967295","version":"1.0","params":{"level":2},"method":"thing.event.Alarm.post","sys":{"ack":0}})");
}

TEST_CASE("Writer errors: a buffer too small and an invalid raw value") {
    char small[20];
    CHECK(AlinkRequestWriter(small, 1).add_int("x", 1).finish().error() == Error::buffer_too_small);
    char buf[128];
    CHECK(AlinkRequestWriter(buf, 1).add_raw("x", "{oops").finish().error() == Error::json_syntax);
}

TEST_CASE("The reply is written with the default and any code and message") {
    char buf[128];
    CHECK(write_alink_reply(buf, "1024580116").value() ==
          R"({"code":200,"data":{},"id":"1024580116","message":"success","version":"1.0"})");
    CHECK(write_alink_reply(buf, "7", 460, "bad \"param\"", R"({"a":1})").value() ==
          R"({"code":460,"data":{"a":1},"id":"7","message":"bad \"param\"","version":"1.0"})");
    CHECK(write_alink_reply(buf, "7", 200, "ok", "{").error() == Error::json_syntax);
    char tiny[10];
    CHECK(write_alink_reply(tiny, "7").error() == Error::buffer_too_small);
}

TEST_CASE("Every topic of the protocol table is built exactly") {
    CHECK(user_topic(dev, "get").value() == "/a1B2c3D4e5F/pico-w-001/user/get");
    CHECK(user_topic(dev, "a/b").value() == "/a1B2c3D4e5F/pico-w-001/user/a/b");
    CHECK(property_post_topic(dev).value() == "/sys/a1B2c3D4e5F/pico-w-001/thing/event/property/post");
    CHECK(property_post_reply_topic(dev).value() == "/sys/a1B2c3D4e5F/pico-w-001/thing/event/property/post_reply");
    CHECK(event_post_topic(dev, "Alarm").value() == "/sys/a1B2c3D4e5F/pico-w-001/thing/event/Alarm/post");
    CHECK(event_post_reply_topic(dev, "Alarm").value() == "/sys/a1B2c3D4e5F/pico-w-001/thing/event/Alarm/post_reply");
    CHECK(property_set_topic(dev).value() == "/sys/a1B2c3D4e5F/pico-w-001/thing/service/property/set");
    CHECK(property_set_reply_topic(dev).value() == "/sys/a1B2c3D4e5F/pico-w-001/thing/service/property/set_reply");
    CHECK(service_topic(dev, "Reboot").value() == "/sys/a1B2c3D4e5F/pico-w-001/thing/service/Reboot");
    CHECK(service_reply_topic(dev, "Reboot").value() == "/sys/a1B2c3D4e5F/pico-w-001/thing/service/Reboot_reply");
    CHECK(rrpc_request_topic(dev, "42").value() == "/sys/a1B2c3D4e5F/pico-w-001/rrpc/request/42");
    CHECK(rrpc_request_filter(dev).value() == "/sys/a1B2c3D4e5F/pico-w-001/rrpc/request/+");
    CHECK(rrpc_response_topic(dev, "42").value() == "/sys/a1B2c3D4e5F/pico-w-001/rrpc/response/42");
    CHECK(ntp_request_topic(dev).value() == "/ext/ntp/a1B2c3D4e5F/pico-w-001/request");
    CHECK(ntp_response_topic(dev).value() == "/ext/ntp/a1B2c3D4e5F/pico-w-001/response");
    CHECK(ota_inform_topic(dev).value() == "/ota/device/inform/a1B2c3D4e5F/pico-w-001");
    CHECK(ota_upgrade_topic(dev).value() == "/ota/device/upgrade/a1B2c3D4e5F/pico-w-001");
    CHECK(ota_progress_topic(dev).value() == "/ota/device/progress/a1B2c3D4e5F/pico-w-001");
    CHECK(rrpc_message_id("/sys/a1B2c3D4e5F/pico-w-001/rrpc/request/42") == "42");
    CHECK(rrpc_message_id("/sys/a/b/thing/x").empty());
}

TEST_CASE("Topics are refused above 128 characters and accepted at exactly 128") {
    const std::string prefix = "/a1B2c3D4e5F/pico-w-001/user/"; // 29 characters
    CHECK(user_topic(dev, std::string(128 - prefix.size(), 'x'))->size() == 128);
    CHECK(user_topic(dev, std::string(129 - prefix.size(), 'x')).error() == Error::aliyun_topic_too_long);
    CHECK(service_reply_topic(dev, std::string(100, 's')).error() == Error::aliyun_topic_too_long);
}

TEST_CASE("Topic parts that are empty or would add levels or wildcards are refused") {
    CHECK(property_post_topic({"", "dn"}).error() == Error::aliyun_empty_field);
    CHECK(property_post_topic({"pk", "d/n"}).error() == Error::aliyun_forbidden_character);
    CHECK(user_topic(dev, "#").error() == Error::aliyun_forbidden_character);
    CHECK(user_topic(dev, "").error() == Error::aliyun_empty_field);
    CHECK(event_post_topic(dev, "a+b").error() == Error::aliyun_forbidden_character);
    CHECK(rrpc_response_topic(dev, "1/2").error() == Error::aliyun_forbidden_character);
}

TEST_CASE("The device is recovered from a console username <dn>&<pk>") {
    const auto d = device_id_from_username("pico-w-001&a1B2c3D4e5F");
    REQUIRE(d.ok());
    CHECK(d->product_key == "a1B2c3D4e5F");
    CHECK(d->device_name == "pico-w-001");
    CHECK(property_set_topic(*d).value() == "/sys/a1B2c3D4e5F/pico-w-001/thing/service/property/set");
    for (const char* bad : {"", "noamp", "&pk", "dn&", "a&b&c"}) {
        INFO(bad);
        CHECK(device_id_from_username(bad).error() == Error::invalid_argument);
    }
}
