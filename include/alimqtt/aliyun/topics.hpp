// alimqtt/aliyun/topics.hpp — builders for every Aliyun device topic (custom,
// Thing Model properties/events/services, RRPC, NTP, OTA), at most 128 chars.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string_view>

#include "alimqtt/aliyun/fixed_string.hpp"
#include "alimqtt/error.hpp"

namespace alimqtt::aliyun {

/// Aliyun topics are at most 128 characters; this is their storage.
using Topic = FixedString<128>;

/// ProductKey and DeviceName of the device whose topics are built.
struct DeviceId {
    std::string_view product_key; ///< ProductKey
    std::string_view device_name; ///< DeviceName
};

/// The device named by a username `<deviceName>&<productKey>` (as in the
/// console's JSON), e.g. to build topics after parse_console_json(). The
/// views point into `username`. Refuses a username without exactly one
/// '&' or with an empty side (invalid_argument).
constexpr Result<DeviceId> device_id_from_username(std::string_view username) noexcept {
    const std::size_t amp = username.find('&');
    if (amp == std::string_view::npos || amp == 0 || amp + 1 == username.size() ||
        username.find('&', amp + 1) != std::string_view::npos)
        return Error::invalid_argument;
    return DeviceId{detail::slice(username, amp + 1), detail::slice(username, 0, amp)};
}

namespace detail {
/// Refuses an empty part or one that would change the topic's levels or
/// turn it into a filter ('/', '+', '#').
constexpr Status check_topic_part(std::string_view part, bool may_contain_slash = false) noexcept {
    if (part.empty()) return Error::aliyun_empty_field;
    for (char c : part) {
        if (c == '+' || c == '#' || c == '\0' || (c == '/' && !may_contain_slash))
            return Error::aliyun_forbidden_character;
    }
    return {};
}

/// Concatenates the pieces; refuses a result over 128 characters.
constexpr Result<Topic> join(std::initializer_list<std::string_view> pieces) noexcept {
    Topic t;
    for (std::string_view p : pieces)
        if (!t.append(p)) return Error::aliyun_topic_too_long;
    return t;
}

constexpr Status check_device(const DeviceId& d) noexcept {
    if (auto s = check_topic_part(d.product_key); !s) return s;
    return check_topic_part(d.device_name);
}

/// `/sys/<pk>/<dn>/<tail...>`
constexpr Result<Topic> sys_topic(const DeviceId& d, std::initializer_list<std::string_view> tail) noexcept {
    if (auto s = check_device(d); !s) return s.error();
    Topic t;
    if (!(t.append("/sys/") && t.append(d.product_key) && t.push_back('/') && t.append(d.device_name) &&
          t.push_back('/')))
        return Error::aliyun_topic_too_long;
    for (std::string_view p : tail)
        if (!t.append(p)) return Error::aliyun_topic_too_long;
    return t;
}
} // namespace detail

/// Custom topic `/<pk>/<dn>/user/<name>`; `name` may have several levels
/// ("get", "a/b") but no wildcards.
constexpr Result<Topic> user_topic(const DeviceId& d, std::string_view name) noexcept {
    if (auto s = detail::check_device(d); !s) return s.error();
    if (auto s = detail::check_topic_part(name, true); !s) return s.error();
    return detail::join({"/", d.product_key, "/", d.device_name, "/user/", name});
}

/// Property post (up): `/sys/<pk>/<dn>/thing/event/property/post`.
constexpr Result<Topic> property_post_topic(const DeviceId& d) noexcept {
    return detail::sys_topic(d, {"thing/event/property/post"});
}
/// Its reply (down): `/sys/<pk>/<dn>/thing/event/property/post_reply`.
constexpr Result<Topic> property_post_reply_topic(const DeviceId& d) noexcept {
    return detail::sys_topic(d, {"thing/event/property/post_reply"});
}
/// Event post (up): `/sys/<pk>/<dn>/thing/event/<eventId>/post`.
constexpr Result<Topic> event_post_topic(const DeviceId& d, std::string_view event_id) noexcept {
    if (auto s = detail::check_topic_part(event_id); !s) return s.error();
    return detail::sys_topic(d, {"thing/event/", event_id, "/post"});
}
/// Its reply (down): `/sys/<pk>/<dn>/thing/event/<eventId>/post_reply`.
constexpr Result<Topic> event_post_reply_topic(const DeviceId& d, std::string_view event_id) noexcept {
    if (auto s = detail::check_topic_part(event_id); !s) return s.error();
    return detail::sys_topic(d, {"thing/event/", event_id, "/post_reply"});
}
/// Filter for every event and property post_reply:
/// `/sys/<pk>/<dn>/thing/event/+/post_reply`.
constexpr Result<Topic> event_post_reply_filter(const DeviceId& d) noexcept {
    return detail::sys_topic(d, {"thing/event/+/post_reply"});
}
/// Property set (down): `/sys/<pk>/<dn>/thing/service/property/set`.
constexpr Result<Topic> property_set_topic(const DeviceId& d) noexcept {
    return detail::sys_topic(d, {"thing/service/property/set"});
}
/// The device's reply (up): `/sys/<pk>/<dn>/thing/service/property/set_reply`.
constexpr Result<Topic> property_set_reply_topic(const DeviceId& d) noexcept {
    return detail::sys_topic(d, {"thing/service/property/set_reply"});
}
/// Service call (down): `/sys/<pk>/<dn>/thing/service/<serviceId>`.
constexpr Result<Topic> service_topic(const DeviceId& d, std::string_view service_id) noexcept {
    if (auto s = detail::check_topic_part(service_id); !s) return s.error();
    return detail::sys_topic(d, {"thing/service/", service_id});
}
/// The device's reply (up): `/sys/<pk>/<dn>/thing/service/<serviceId>_reply`.
constexpr Result<Topic> service_reply_topic(const DeviceId& d, std::string_view service_id) noexcept {
    if (auto s = detail::check_topic_part(service_id); !s) return s.error();
    return detail::sys_topic(d, {"thing/service/", service_id, "_reply"});
}
/// Filter for every service call: `/sys/<pk>/<dn>/thing/service/+` (one
/// level, so not property/set; it also matches the device's own `..._reply`).
constexpr Result<Topic> service_filter(const DeviceId& d) noexcept {
    return detail::sys_topic(d, {"thing/service/+"});
}
/// RRPC request (down): `/sys/<pk>/<dn>/rrpc/request/<messageId>`.
constexpr Result<Topic> rrpc_request_topic(const DeviceId& d, std::string_view message_id) noexcept {
    if (auto s = detail::check_topic_part(message_id); !s) return s.error();
    return detail::sys_topic(d, {"rrpc/request/", message_id});
}
/// Filter for every RRPC request: `/sys/<pk>/<dn>/rrpc/request/+`.
constexpr Result<Topic> rrpc_request_filter(const DeviceId& d) noexcept {
    return detail::sys_topic(d, {"rrpc/request/+"});
}
/// RRPC response (up, QoS 0, within 8 s): `/sys/<pk>/<dn>/rrpc/response/<messageId>`.
constexpr Result<Topic> rrpc_response_topic(const DeviceId& d, std::string_view message_id) noexcept {
    if (auto s = detail::check_topic_part(message_id); !s) return s.error();
    return detail::sys_topic(d, {"rrpc/response/", message_id});
}
/// The messageId of an RRPC request topic (its last level), or empty when
/// `topic` is not one.
constexpr std::string_view rrpc_message_id(std::string_view topic) noexcept {
    const std::size_t at = topic.find("/rrpc/request/");
    if (!topic.starts_with("/sys/") || at == std::string_view::npos) return {};
    const std::string_view id = detail::slice(topic, at + 14);
    return id.find('/') == std::string_view::npos ? id : std::string_view{};
}
/// NTP request (up): `/ext/ntp/<pk>/<dn>/request`.
constexpr Result<Topic> ntp_request_topic(const DeviceId& d) noexcept {
    if (auto s = detail::check_device(d); !s) return s.error();
    return detail::join({"/ext/ntp/", d.product_key, "/", d.device_name, "/request"});
}
/// NTP response (down): `/ext/ntp/<pk>/<dn>/response`.
constexpr Result<Topic> ntp_response_topic(const DeviceId& d) noexcept {
    if (auto s = detail::check_device(d); !s) return s.error();
    return detail::join({"/ext/ntp/", d.product_key, "/", d.device_name, "/response"});
}
/// OTA version report (up): `/ota/device/inform/<pk>/<dn>`.
constexpr Result<Topic> ota_inform_topic(const DeviceId& d) noexcept {
    if (auto s = detail::check_device(d); !s) return s.error();
    return detail::join({"/ota/device/inform/", d.product_key, "/", d.device_name});
}
/// OTA upgrade notice (down): `/ota/device/upgrade/<pk>/<dn>`.
constexpr Result<Topic> ota_upgrade_topic(const DeviceId& d) noexcept {
    if (auto s = detail::check_device(d); !s) return s.error();
    return detail::join({"/ota/device/upgrade/", d.product_key, "/", d.device_name});
}
/// OTA progress report (up): `/ota/device/progress/<pk>/<dn>`.
constexpr Result<Topic> ota_progress_topic(const DeviceId& d) noexcept {
    if (auto s = detail::check_device(d); !s) return s.error();
    return detail::join({"/ota/device/progress/", d.product_key, "/", d.device_name});
}

} // namespace alimqtt::aliyun
