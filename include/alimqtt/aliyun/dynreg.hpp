// alimqtt/aliyun/dynreg.hpp — dynamic registration ("one product, one secret"):
// the CONNECT that asks for a device's credentials and the platform's reply (no I/O).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "alimqtt/aliyun/connect.hpp"
#include "alimqtt/aliyun/fixed_string.hpp"
#include "alimqtt/aliyun/hex.hpp"
#include "alimqtt/aliyun/hmac.hpp"
#include "alimqtt/aliyun/json.hpp"
#include "alimqtt/aliyun/signer.hpp"
#include "alimqtt/aliyun/topics.hpp"
#include "alimqtt/codec/packets.hpp"
#include "alimqtt/error.hpp"

namespace alimqtt::aliyun {

/// Which registration the device asks for: the clientId's `authType`.
enum class DynregFlow : std::uint8_t {
    /// `authType=register`: the device was added in the console beforehand;
    /// the platform answers on /ext/register with its DeviceSecret.
    preregistered,
    /// `authType=regnwl` (no pre-registration): the platform answers on
    /// /ext/regnwl with a clientId and a deviceToken, which the device then
    /// uses to connect with `authType=connwl` (connwl_credentials()).
    whitelist_free,
};

/// The `authType=` value of a flow: "register" or "regnwl".
constexpr std::string_view auth_type(DynregFlow f) noexcept {
    return f == DynregFlow::whitelist_free ? "regnwl" : "register";
}

/// Topic of the platform's answer to `authType=register` (no SUBSCRIBE needed).
inline constexpr std::string_view register_reply_topic = "/ext/register";
/// Topic of the platform's answer to `authType=regnwl` (no SUBSCRIBE needed).
inline constexpr std::string_view regnwl_reply_topic = "/ext/regnwl";

/// The topic on which the platform answers `flow`.
constexpr std::string_view dynreg_reply_topic(DynregFlow flow) noexcept {
    return flow == DynregFlow::whitelist_free ? regnwl_reply_topic : register_reply_topic;
}

/// True for a topic whose payload carries registration secrets.
constexpr bool is_dynreg_reply_topic(std::string_view topic) noexcept {
    return topic == register_reply_topic || topic == regnwl_reply_topic;
}

/// The product-level identity shared by every device of a product.
struct ProductCredentials {
    std::string_view product_key;    ///< ProductKey
    std::string_view device_name;    ///< DeviceName of this device (its MAC, serial, ...)
    std::string_view product_secret; ///< ProductSecret: the HMAC key, never sent
};

/// The `securemode=` of the registration CONNECT.
enum class DynregSecureMode : std::uint8_t {
    tls,              ///< `securemode=2`: legacy public instances (the C Link SDK's choice)
    tls_new_instance, ///< `securemode=-2`: new public and Enterprise instances (with an instanceId)
};

/// Everything about the registration CONNECT that is a choice.
struct DynregOptions {
    DynregFlow flow = DynregFlow::preregistered;       ///< register or regnwl
    std::string_view random{};                         ///< random text, signed and sent (required)
    std::string_view instance_id{};                    ///< `instanceId=` value; empty: not sent
    DynregSecureMode secure_mode = DynregSecureMode::tls; ///< `securemode=` value
    HexCase hex_case = HexCase::lower;                 ///< letter case of the password's hex digits
};

/// Longest `random` or `instanceId` value accepted.
inline constexpr std::size_t max_dynreg_parameter = 64;
/// Capacity of the registration clientId: a 64-char prefix, two 64-char
/// parameters and the fixed keys.
inline constexpr std::size_t max_dynreg_client_id = 272;
/// Longest DeviceSecret stored from a reply (real ones: 32 characters).
inline constexpr std::size_t max_device_secret = 64;
/// Longest deviceToken stored from a reply.
inline constexpr std::size_t max_device_token = max_console_password;

/// The registration CONNECT strings, in fixed storage.
struct DynregCredentials {
    FixedString<max_dynreg_client_id> client_id; ///< `<dn>.<pk>|random=..,authType=..,securemode=..,signmethod=hmacsha256[,instanceId=..]|`
    FixedString<max_username> username;          ///< `<deviceName>&<productKey>`
    FixedString<max_password> password;          ///< hex HMAC-SHA256(ProductSecret, content)

    /// The CONNECT fields, as views into this object (keep it alive).
    Connect to_connect(std::uint16_t keepalive_s = default_keepalive_s) const noexcept {
        Connect c;
        c.client_id = client_id.view();
        c.keepalive_s = keepalive_s;
        c.clean_session = true;
        c.username = username.view();
        c.password = std::as_bytes(std::span<const char>(password.view().data(), password.size()));
        return c;
    }
};

/// Builds the registration CONNECT for `product`:
///   clientId  `<dn>.<pk>|random=<r>,authType=<register|regnwl>,securemode=<2|-2>,signmethod=hmacsha256[,instanceId=<id>]|`
///   username  `<dn>&<pk>`
///   password  hex(HMAC-SHA256(ProductSecret, "deviceName"<dn>"productKey"<pk>"random"<r>))
/// Refuses: an empty ProductKey, DeviceName, ProductSecret or random
/// (aliyun_empty_field); `|`, `,` or `&` in ProductKey or DeviceName, or
/// `|`, `,` or `=` in random or instanceId (aliyun_forbidden_character); a
/// ProductKey, DeviceName, random or instanceId over 64 characters
/// (aliyun_field_too_long); `<dn>.<pk>` over 64 (aliyun_client_id_too_long).
constexpr Result<DynregCredentials> sign_dynreg(const ProductCredentials& product,
                                                const DynregOptions& options) noexcept {
    if (product.product_key.empty() || product.device_name.empty() || product.product_secret.empty() ||
        options.random.empty())
        return Error::aliyun_empty_field;
    if (detail::contains_any(product.product_key, "|,&") || detail::contains_any(product.device_name, "|,&") ||
        detail::contains_any(options.random, "|,=") || detail::contains_any(options.instance_id, "|,="))
        return Error::aliyun_forbidden_character;
    if (product.product_key.size() > max_key_or_name || product.device_name.size() > max_key_or_name ||
        options.random.size() > max_dynreg_parameter || options.instance_id.size() > max_dynreg_parameter)
        return Error::aliyun_field_too_long;
    if (product.device_name.size() + 1 + product.product_key.size() > max_client_id_prefix)
        return Error::aliyun_client_id_too_long;

    DynregCredentials c;
    // Every piece is bounded above, so the appends cannot fail.
    static_assert(max_dynreg_client_id >= max_client_id_prefix + std::string_view("|random=").size() +
                                              max_dynreg_parameter + std::string_view(",authType=regnwl").size() +
                                              std::string_view(",securemode=-2,signmethod=hmacsha256").size() +
                                              std::string_view(",instanceId=").size() + max_dynreg_parameter + 1);
    for (std::string_view piece : {product.device_name, std::string_view("."), product.product_key,
                                   std::string_view("|random="), options.random, std::string_view(",authType="),
                                   auth_type(options.flow), std::string_view(",securemode=")})
        (void)c.client_id.append(piece);
    (void)c.client_id.append(options.secure_mode == DynregSecureMode::tls_new_instance ? "-2" : "2");
    (void)c.client_id.append(",signmethod=hmacsha256");
    if (!options.instance_id.empty()) {
        (void)c.client_id.append(",instanceId=");
        (void)c.client_id.append(options.instance_id);
    }
    (void)c.client_id.push_back('|');
    for (std::string_view piece : {product.device_name, std::string_view("&"), product.product_key})
        (void)c.username.append(piece); // fits: max_username = 2 * 64 + 1

    // Signed content: the keys in alphabetical order, each followed by its value.
    HmacSha256 mac(product.product_secret);
    mac.update("deviceName");
    mac.update(product.device_name);
    mac.update("productKey");
    mac.update(product.product_key);
    mac.update("random");
    mac.update(options.random);
    (void)c.password.append(to_hex(mac.final(), options.hex_case).view()); // 64 digits: fits
    return c;
}

/// What the platform handed out. Store it (flash, file) and never log it:
/// with it anyone can act as the device.
struct DynregResult {
    DynregFlow flow = DynregFlow::preregistered;   ///< which reply it came from
    FixedString<max_device_secret> device_secret;  ///< preregistered: "deviceSecret"
    FixedString<max_client_id_prefix> client_id;   ///< whitelist_free: "clientId"
    FixedString<max_device_token> device_token;    ///< whitelist_free: "deviceToken"

    /// Overwrites the secrets with zeros (call after storing them).
    constexpr void wipe() noexcept {
        device_secret = {};
        client_id = {};
        device_token = {};
    }
};

namespace detail {
/// A required, non-empty string member of `object`, decoded into `out`.
template <std::size_t N>
constexpr Status read_secret_field(const json::Value& object, std::string_view name, FixedString<N>& out) noexcept {
    const auto v = object.find(name);
    if (!v) return Error::json_missing_field;
    const auto s = v->as_string();
    if (!s) return s.error();
    auto text = s->template decode<N>();
    if (!text) return text.error() == Error::buffer_too_small ? Error::aliyun_field_too_long : text.error();
    if (text->empty()) return Error::aliyun_empty_field;
    out = *text;
    return {};
}
} // namespace detail

/// Reads the platform's reply to `flow`: `{"productKey":..,"deviceName":..,
/// "deviceSecret":".."}` on /ext/register, or `{..,"clientId":"..",
/// "deviceToken":".."}` on /ext/regnwl (other members are ignored). Errors
/// name what is wrong: json_syntax / json_trailing_garbage / json_too_deep
/// (not JSON), json_wrong_type (not an object, or a field not a string),
/// json_missing_field, aliyun_empty_field, aliyun_field_too_long.
constexpr Result<DynregResult> read_dynreg_reply(DynregFlow flow, std::string_view payload) noexcept {
    const auto doc = json::parse(payload);
    if (!doc) return doc.error();
    if (!doc->is_object()) return Error::json_wrong_type;
    DynregResult r;
    r.flow = flow;
    if (flow == DynregFlow::preregistered) {
        if (auto s = detail::read_secret_field(*doc, "deviceSecret", r.device_secret); !s) return s.error();
        return r;
    }
    if (auto s = detail::read_secret_field(*doc, "clientId", r.client_id); !s) return s.error();
    if (auto s = detail::read_secret_field(*doc, "deviceToken", r.device_token); !s) return s.error();
    // The clientId goes before the '|' of the connwl CONNECT: it must not end it early.
    if (detail::contains_any(r.client_id.view(), "|,")) return Error::aliyun_forbidden_character;
    return r;
}

/// CONNECT credentials of a whitelist-free (regnwl) device after registration:
/// clientId `<clientId>|securemode=-2,authType=connwl|`, username
/// `<dn>&<pk>`, password = the deviceToken. Errors: aliyun_empty_field
/// (no clientId/token, e.g. a preregistered result), aliyun_forbidden_character,
/// aliyun_field_too_long.
constexpr Result<ConnectParams> connwl_params(const DeviceId& device, const DynregResult& registered,
                                              const Endpoint& endpoint,
                                              std::uint16_t keepalive_s = default_keepalive_s) noexcept {
    if (auto s = check_keepalive(keepalive_s); !s) return s.error();
    if (registered.client_id.empty() || registered.device_token.empty() || device.product_key.empty() ||
        device.device_name.empty())
        return Error::aliyun_empty_field;
    if (detail::contains_any(registered.client_id.view(), "|,") || detail::contains_any(device.product_key, "|,&") ||
        detail::contains_any(device.device_name, "|,&"))
        return Error::aliyun_forbidden_character;
    if (device.product_key.size() > max_key_or_name || device.device_name.size() > max_key_or_name)
        return Error::aliyun_field_too_long;
    ConnectParams p;
    p.host = endpoint.host;
    p.port = endpoint.port;
    p.tls = endpoint.tls;
    // 64 + 31 <= 160, 2 * 64 + 1 = max_username, 128 = max_console_password: all fit.
    (void)p.client_id.append(registered.client_id.view());
    (void)p.client_id.append("|securemode=-2,authType=connwl|");
    for (std::string_view piece : {device.device_name, std::string_view("&"), device.product_key})
        (void)p.username.append(piece);
    (void)p.password.append(registered.device_token.view());
    p.keepalive_s = keepalive_s;
    return p;
}

} // namespace alimqtt::aliyun
