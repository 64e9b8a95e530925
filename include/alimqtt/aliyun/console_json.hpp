// alimqtt/aliyun/console_json.hpp — reads the "MQTT connection parameters"
// JSON the Aliyun console copies, so a user can paste it as it is.
#pragma once

#include <cstdint>
#include <string_view>

#include "alimqtt/aliyun/endpoint.hpp"
#include "alimqtt/aliyun/fixed_string.hpp"
#include "alimqtt/aliyun/json.hpp"
#include "alimqtt/aliyun/signer.hpp"
#include "alimqtt/error.hpp"

namespace alimqtt::aliyun {

/// Capacity for the console's passwd (a 64-digit HMAC-SHA256, or a device
/// token after dynamic registration).
inline constexpr std::size_t max_console_password = 128;

/// The five fields of the console's copy, decoded into fixed storage.
struct ConsoleParams {
    FixedString<max_client_id> client_id; ///< "clientId", the full `id|...|` form
    FixedString<max_username> username;   ///< "username", `<dn>&<pk>`
    FixedString<max_host_length> host;    ///< "mqttHostUrl"
    FixedString<max_console_password> password; ///< "passwd"
    std::uint16_t port = 0;               ///< "port"
};

namespace detail {
template <std::size_t N>
constexpr Status read_string_field(const json::Value& object, std::string_view name, FixedString<N>& out) noexcept {
    const auto v = object.find(name);
    if (!v) return Error::json_missing_field;
    const auto s = v->as_string();
    if (!s) return s.error();
    auto decoded = s->template decode<N>();
    if (!decoded) return decoded.error() == Error::buffer_too_small ? Error::aliyun_field_too_long : decoded.error();
    out = *decoded;
    return {};
}
} // namespace detail

/// Parses `{"clientId":..,"username":..,"mqttHostUrl":..,"passwd":..,"port":..}`
/// in any member order, with any whitespace and JSON escapes (\uXXXX and
/// surrogate pairs). Other members are ignored. Errors: json_syntax,
/// json_trailing_garbage, json_missing_field, json_wrong_type (e.g. a port
/// in quotes), port_out_of_range (not 1..65535), aliyun_field_too_long.
constexpr Result<ConsoleParams> parse_console_json(std::string_view text) noexcept {
    const auto doc = json::parse(text);
    if (!doc) return doc.error();
    if (!doc->is_object()) return Error::json_wrong_type;
    ConsoleParams p;
    if (auto s = detail::read_string_field(*doc, "clientId", p.client_id); !s) return s.error();
    if (auto s = detail::read_string_field(*doc, "username", p.username); !s) return s.error();
    if (auto s = detail::read_string_field(*doc, "mqttHostUrl", p.host); !s) return s.error();
    if (auto s = detail::read_string_field(*doc, "passwd", p.password); !s) return s.error();
    const auto port = doc->find("port");
    if (!port) return Error::json_missing_field;
    if (!port->is_number()) return Error::json_wrong_type;
    const auto n = port->as_int();
    if (!n) {
        // A whole number too large for int64 is still just out of range.
        const std::string_view raw = port->raw();
        const bool whole = raw.find_first_of(".eE") == std::string_view::npos;
        return whole ? Error::port_out_of_range : Error::json_wrong_type;
    }
    if (*n < 1 || *n > 65535) return Error::port_out_of_range;
    p.port = static_cast<std::uint16_t>(*n);
    return p;
}

} // namespace alimqtt::aliyun
