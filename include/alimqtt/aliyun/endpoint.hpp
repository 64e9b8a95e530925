// alimqtt/aliyun/endpoint.hpp — where a device connects: the MQTT host built
// from a region or an instance id, the port, and whether TLS is expected.
#pragma once

#include <cstdint>
#include <string_view>

#include "alimqtt/aliyun/fixed_string.hpp"
#include "alimqtt/error.hpp"

namespace alimqtt::aliyun {

/// The clientId's securemode: 2 = TLS, 3 = plain TCP (refused for accounts
/// and instances created after 2022-08-02).
enum class SecureMode : std::uint8_t { tls = 2, tcp = 3 };

/// Longest host name the endpoint stores.
inline constexpr std::size_t max_host_length = 128;

/// Host, port and transport security of an Aliyun MQTT endpoint.
struct Endpoint {
    FixedString<max_host_length> host; ///< broker host name
    std::uint16_t port = 1883;         ///< broker TCP port
    bool tls = true; ///< securemode 2: the device must speak TLS on this port
};

namespace detail {
/// Refuses an empty part or one that is not a DNS label ([A-Za-z0-9-]).
constexpr Status check_host_label(std::string_view part) noexcept {
    if (part.empty()) return Error::aliyun_empty_field;
    for (char c : part) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) return Error::aliyun_forbidden_character;
    }
    return {};
}

constexpr Result<Endpoint> make_endpoint(std::string_view a, std::string_view b, std::string_view c,
                                         std::string_view d, std::uint16_t port, SecureMode mode) noexcept {
    if (port == 0) return Error::port_out_of_range;
    Endpoint e;
    if (!(e.host.append(a) && e.host.append(b) && e.host.append(c) && e.host.append(d)))
        return Error::aliyun_field_too_long;
    e.port = port;
    e.tls = mode == SecureMode::tls;
    return e;
}
} // namespace detail

/// Legacy public instance: `<productKey>.iot-as-mqtt.<region>.aliyuncs.com`,
/// e.g. region "cn-shanghai".
constexpr Result<Endpoint> region_endpoint(std::string_view product_key, std::string_view region,
                                           std::uint16_t port = 1883,
                                           SecureMode mode = SecureMode::tls) noexcept {
    if (auto s = detail::check_host_label(product_key); !s) return s.error();
    if (auto s = detail::check_host_label(region); !s) return s.error();
    return detail::make_endpoint(product_key, ".iot-as-mqtt.", region, ".aliyuncs.com", port, mode);
}

/// New public (from 2021-07-30) and Enterprise instances:
/// `<instanceId>.mqtt.iothub.aliyuncs.com`.
constexpr Result<Endpoint> instance_endpoint(std::string_view instance_id, std::uint16_t port = 1883,
                                             SecureMode mode = SecureMode::tls) noexcept {
    if (auto s = detail::check_host_label(instance_id); !s) return s.error();
    return detail::make_endpoint(instance_id, ".mqtt.iothub.aliyuncs.com", "", "", port, mode);
}

} // namespace alimqtt::aliyun
