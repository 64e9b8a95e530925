// alimqtt/aliyun/connect.hpp — what Aliyun IoT accepts in CONNECT and PUBLISH,
// checked at configuration time, and the bundle of connection parameters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "alimqtt/aliyun/console_json.hpp"
#include "alimqtt/aliyun/endpoint.hpp"
#include "alimqtt/aliyun/signer.hpp"
#include "alimqtt/codec/packets.hpp"
#include "alimqtt/error.hpp"

namespace alimqtt::aliyun {

/// Aliyun accepts keepalive 30..1200 s and rejects the connection otherwise.
inline constexpr std::uint16_t min_keepalive_s = 30;
inline constexpr std::uint16_t max_keepalive_s = 1200;
/// Aliyun topics are at most 128 characters.
inline constexpr std::size_t max_topic_length = 128;
/// A keepalive inside Aliyun's range, used when the caller does not choose.
inline constexpr std::uint16_t default_keepalive_s = 60;

/// Refuses a keepalive outside 30..1200 s (aliyun_keepalive_out_of_range):
/// 0, MicroPython umqtt.simple's default, makes Aliyun refuse the connection.
constexpr Status check_keepalive(std::uint16_t seconds) noexcept {
    if (seconds < min_keepalive_s || seconds > max_keepalive_s) return Error::aliyun_keepalive_out_of_range;
    return {};
}

/// Refuses what Aliyun does not accept in a PUBLISH: QoS 2
/// (aliyun_qos2_not_supported), retain (aliyun_retain_not_supported), a
/// topic over 128 characters (aliyun_topic_too_long).
constexpr Status check_publish(QoS qos, std::string_view topic, bool retain = false) noexcept {
    if (qos == QoS::exactly_once) return Error::aliyun_qos2_not_supported;
    if (retain) return Error::aliyun_retain_not_supported;
    if (topic.size() > max_topic_length) return Error::aliyun_topic_too_long;
    return {};
}

/// Refuses a will message (aliyun_will_not_supported).
constexpr Status check_will(bool has_will) noexcept {
    if (has_will) return Error::aliyun_will_not_supported;
    return {};
}

/// Checks a whole CONNECT against Aliyun's rules (keepalive and will).
constexpr Status check_connect(const Connect& c) noexcept {
    if (auto s = check_keepalive(c.keepalive_s); !s) return s;
    return check_will(c.will.has_value());
}

/// Everything needed to open an Aliyun connection: where, how, and as whom.
/// Built by connect_params() from the signer or from the console's JSON.
struct ConnectParams {
    FixedString<max_host_length> host;               ///< broker host name
    std::uint16_t port = 1883;                       ///< broker TCP port
    bool tls = true;                                 ///< the device must speak TLS
    FixedString<max_client_id> client_id;            ///< CONNECT client identifier
    FixedString<max_username> username;              ///< CONNECT user name
    FixedString<max_console_password> password;      ///< CONNECT password
    std::uint16_t keepalive_s = default_keepalive_s; ///< keepalive in seconds, 30..1200 for Aliyun
    bool clean_session = true;                       ///< CONNECT clean-session flag

    /// The CONNECT packet fields, as views into this object (keep it alive).
    Connect to_connect() const noexcept {
        Connect c;
        c.client_id = client_id.view();
        c.keepalive_s = keepalive_s;
        c.clean_session = clean_session;
        c.username = username.view();
        c.password = std::as_bytes(std::span<const char>(password.view().data(), password.size()));
        return c;
    }
};

/// Connection parameters from signed credentials and an endpoint. Refuses a
/// keepalive outside 30..1200 s.
constexpr Result<ConnectParams> connect_params(const Credentials& credentials, const Endpoint& endpoint,
                                               std::uint16_t keepalive_s = default_keepalive_s) noexcept {
    if (auto s = check_keepalive(keepalive_s); !s) return s.error();
    ConnectParams p;
    p.host = endpoint.host;
    p.port = endpoint.port;
    p.tls = endpoint.tls;
    p.client_id = credentials.client_id;
    p.username = credentials.username;
    (void)p.password.append(credentials.password.view()); // 64 <= 128
    p.keepalive_s = keepalive_s;
    return p;
}

/// Whether a full clientId (`id|k=v,...|`) declares TLS: true unless its
/// parameter block says `securemode=3` (plain TCP).
constexpr bool client_id_expects_tls(std::string_view client_id) noexcept {
    const std::size_t bar = client_id.find('|');
    if (bar == std::string_view::npos) return true;
    std::string_view rest = detail::slice(client_id, bar + 1);
    while (!rest.empty()) {
        const std::size_t end = rest.find_first_of(",|");
        const std::string_view pair = detail::slice(rest, 0, end);
        if (pair == "securemode=3") return false;
        if (end == std::string_view::npos || rest[end] == '|') break;
        rest = detail::slice(rest, end + 1);
    }
    return true;
}

/// Connection parameters from the console's pasted JSON. TLS is expected
/// unless the clientId says securemode=3. Refuses a keepalive outside 30..1200 s.
constexpr Result<ConnectParams> connect_params(const ConsoleParams& console,
                                               std::uint16_t keepalive_s = default_keepalive_s) noexcept {
    if (auto s = check_keepalive(keepalive_s); !s) return s.error();
    ConnectParams p;
    p.host = console.host;
    p.port = console.port;
    p.tls = client_id_expects_tls(console.client_id.view());
    p.client_id = console.client_id;
    p.username = console.username;
    p.password = console.password;
    p.keepalive_s = keepalive_s;
    return p;
}

} // namespace alimqtt::aliyun
