// Fuzzes the heap-free JSON reader and what is built on it (console JSON,
// Alink reader): any input must give a value or an error, never UB.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "alimqtt/aliyun/alink.hpp"
#include "alimqtt/aliyun/console_json.hpp"
#include "alimqtt/aliyun/json.hpp"

namespace {
namespace json = alimqtt::aliyun::json;

/// Visits every value of a checked document; aborts if an invariant breaks.
void walk(const json::Value& v, int depth) {
    if (depth > static_cast<int>(json::max_depth)) std::abort(); // parse() bounds nesting
    char buf[64];
    switch (v.kind()) {
    case json::Kind::object:
        for (const json::Member& m : v.members()) {
            (void)m.name.decode_into(buf);
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
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (const auto doc = json::parse(text)) walk(*doc, 0);
    (void)alimqtt::aliyun::parse_console_json(text);
    if (const auto msg = alimqtt::aliyun::read_alink(text)) {
        for (const auto& p : msg->params_members()) (void)p.value.as_int();
        (void)msg->id_number();
    }
    return 0;
}
