// Fuzzes the heap-free JSON reader and what is built on it (console JSON,
// Alink reader, NTP reader, and ThingModel's inbound handling: property set,
// service call, post replies, NTP response, RRPC): any input must give a value
// or an error, never UB, and every reply ThingModel sends must be valid JSON.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "alimqtt/aliyun/alink.hpp"
#include "alimqtt/aliyun/console_json.hpp"
#include "alimqtt/aliyun/json.hpp"
#include "alimqtt/aliyun/ntp.hpp"
#include "alimqtt/aliyun/thing.hpp"
#include "alimqtt/codec/utf8.hpp"

namespace {
namespace json = alimqtt::aliyun::json;
namespace aliyun = alimqtt::aliyun;

/// Visits every value of a checked document; aborts if an invariant breaks.
void walk(const json::Value& v, int depth) {
    if (depth > static_cast<int>(json::max_depth)) std::abort(); // parse() bounds nesting
    char buf[64];
    switch (v.kind()) {
    case json::Kind::object:
        for (const json::Member& m : v.members()) {
            (void)m.name.decode_into(buf);
            if (!alimqtt::validate_utf8(m.name.raw())) std::abort(); // parse() checked the UTF-8 (RFC 8259 8.1)
            if (!m.name.equals(m.name.raw()) && m.name.is_plain()) std::abort();
            walk(m.value, depth + 1);
        }
        break;
    case json::Kind::array:
        for (json::Value e : v.elements()) walk(e, depth + 1);
        break;
    case json::Kind::string: {
        const auto s = v.as_string();
        if (!s) std::abort();
        // Raw text holds no U+0000 (a control character) and parse() checked its UTF-8.
        if (!alimqtt::validate_utf8(s->raw())) std::abort();
        const auto d = s->decode_into(buf);
        // A checked string decodes unless the buffer is too small.
        if (!d && d.error() != alimqtt::Error::buffer_too_small) std::abort();
        break;
    }
    case json::Kind::number: (void)v.as_int(); break;
    case json::Kind::boolean:
        if (!v.as_bool()) std::abort();
        break;
    case json::Kind::null: break;
    }
}

/// A clock standing still at 1000 ms (the NTP request's deviceSendTime).
struct StillClock {
    using rep = std::int64_t;
    using period = std::milli;
    using duration = std::chrono::duration<rep, period>;
    using time_point = std::chrono::time_point<StillClock, duration>;
    [[maybe_unused]] static constexpr bool is_steady = true;
    time_point now() const noexcept { return time_point(duration(1000)); }
};
static_assert(StillClock::is_steady);

/// Stands in for alimqtt::Client: grants every subscription, keeps the
/// handler so the fuzzer can deliver messages, and checks every payload sent.
struct StubClient {
    using time_point = StillClock::time_point;
    using Handler = alimqtt::InplaceFunction<void(const alimqtt::Publish&), 2 * sizeof(void*)>;
    Handler handler;
    int sent = 0;

    alimqtt::Status subscribe(std::span<const alimqtt::TopicSubscription>, const Handler& h,
                              std::span<alimqtt::SubscribeOutcome> out, std::chrono::milliseconds) noexcept {
        handler = h;
        for (alimqtt::SubscribeOutcome& o : out) o = alimqtt::SubscribeOutcome{alimqtt::QoS::at_least_once, {}};
        return {};
    }
    alimqtt::Result<alimqtt::PacketId> publish(std::string_view topic, std::string_view payload,
                                               const alimqtt::PublishOptions& = {}) noexcept {
        // Requests, set/service replies and the RRPC echo below are all JSON.
        if (topic.empty() || !json::parse(payload)) std::abort();
        ++sent;
        return alimqtt::PacketId{1};
    }
    template <class Done>
    alimqtt::Status run_until(time_point, Done&&) noexcept {
        return alimqtt::Error::timeout;
    }
};

/// Delivers `payload` on every topic ThingModel listens to.
void fuzz_thing_model(std::string_view payload) {
    StillClock clock;
    StubClient client;
    aliyun::ThingModel<StubClient, 2, 256> thing{client, clock, {"a1pk", "dev1"}};
    thing.on_property_set([](const aliyun::AlinkMessage& m) {
        int n = 0;
        for (const json::Member& p : m.params_members()) {
            (void)p.value.as_int();
            ++n;
        }
        if (auto v = m.param("PowerSwitch_1")) (void)v->as_bool();
        return n % 2 == 0 ? 200 : 9201;
    });
    thing.on_service([](std::string_view id, const aliyun::AlinkMessage& m, aliyun::AlinkReplyWriter& out) {
        for (const json::Member& p : m.params_members()) {
            char name[32];
            const auto decoded = p.name.decode_into(name);
            out.add_raw(decoded ? *decoded : std::string_view("?"), p.value.raw()); // echo: may overflow
        }
        out.add_string("service", id);
        return id.size() % 2 == 0 ? 200 : 400;
    });
    thing.on_rrpc([](std::string_view request, std::string_view, std::span<char> out) -> std::string_view {
        const std::string_view answer = json::parse(request) ? request.substr(0, out.size()) : "{}";
        if (!json::parse(answer)) return "{}";
        for (std::size_t i = 0; i < answer.size(); ++i) out[i] = answer[i];
        return {out.data(), answer.size()};
    });
    if (!thing.start() || !thing.subscribe_ntp()) std::abort();
    if (!thing.start_post_properties("{\"a\":1}") || !thing.start_post_event("Alarm", "{}") || !thing.start_ntp())
        std::abort();
    const auto bytes = alimqtt::Bytes(reinterpret_cast<const std::byte*>(payload.data()), payload.size());
    for (std::string_view topic : {"/sys/a1pk/dev1/thing/service/property/set", "/sys/a1pk/dev1/thing/service/Reboot",
                                   "/sys/a1pk/dev1/thing/service/Reboot_reply",
                                   "/sys/a1pk/dev1/thing/event/property/post_reply",
                                   "/sys/a1pk/dev1/thing/event/Alarm/post_reply", "/ext/ntp/a1pk/dev1/response",
                                   "/sys/a1pk/dev1/rrpc/request/123"}) {
        alimqtt::Publish m;
        m.topic = topic;
        m.payload = bytes;
        client.handler(m);
    }
    // Every post resolved at most once; the NTP request matched or still pending.
    if (thing.pending_posts() > 2) std::abort();
    if (thing.ntp_pending() == thing.last_ntp().ok()) std::abort();
    thing.check_deadlines();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (const auto doc = json::parse(text)) walk(*doc, 0);
    (void)alimqtt::aliyun::parse_console_json(text);
    if (const auto msg = alimqtt::aliyun::read_alink(text)) {
        for (const auto& p : msg->params_members()) (void)p.value.as_int();
        (void)msg->id_number();
    }
    (void)alimqtt::aliyun::read_ntp_response(text, 2000);
    fuzz_thing_model(text);
    return 0;
}
