// alimqtt/aliyun/ntp.hpp — Aliyun's NTP over MQTT: the request a device sends
// and the time computed from the response, e.g. to sign with a real timestamp.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "alimqtt/aliyun/alink.hpp"
#include "alimqtt/aliyun/json.hpp"
#include "alimqtt/error.hpp"

namespace alimqtt::aliyun {

/// Writes `{"deviceSendTime":"<ms>"}` (publish it on ntp_request_topic()).
/// `device_send_ms` is the device's own clock, in any epoch.
constexpr Result<std::string_view> write_ntp_request(std::span<char> out, std::uint64_t device_send_ms) noexcept {
    detail::JsonOut w(out);
    w.raw("{\"deviceSendTime\":\"");
    FixedString<20> digits;
    (void)digits.append_decimal(device_send_ms); // at most 20 digits
    w.raw(digits.view());
    w.raw("\"}");
    if (w.overflow()) return Error::buffer_too_small;
    return w.text();
}

namespace detail {
/// A member holding milliseconds as a string of digits or as a number.
constexpr Result<std::uint64_t> read_ms(const json::Value& object, std::string_view name) noexcept {
    const auto v = object.find(name);
    if (!v) return Error::json_missing_field;
    std::string_view digits;
    if (v->is_string()) digits = v->as_string()->raw();
    else if (v->is_number()) digits = v->raw();
    else return Error::json_wrong_type;
    if (digits.empty() || digits.size() > 19) return Error::json_wrong_type;
    std::uint64_t ms = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return Error::json_wrong_type;
        ms = ms * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return ms;
}
} // namespace detail

/// Reads the response from ntp_response_topic() (`deviceSendTime`,
/// `serverRecvTime`, `serverSendTime`) and returns the Unix time in ms at
/// the moment the device received it:
/// (serverRecvTime + serverSendTime + deviceRecvTime - deviceSendTime) / 2.
/// `device_recv_ms` is the device's clock (same epoch as the request's) on receipt.
constexpr Result<std::uint64_t> read_ntp_response(std::string_view payload, std::uint64_t device_recv_ms) noexcept {
    const auto doc = json::parse(payload);
    if (!doc) return doc.error();
    if (!doc->is_object()) return Error::json_wrong_type;
    const auto device_send = detail::read_ms(*doc, "deviceSendTime");
    if (!device_send) return device_send.error();
    const auto server_recv = detail::read_ms(*doc, "serverRecvTime");
    if (!server_recv) return server_recv.error();
    const auto server_send = detail::read_ms(*doc, "serverSendTime");
    if (!server_send) return server_send.error();
    // Values are below 10^19 each; a device clock running backwards
    // (recv < send) would make the round trip negative: refuse it.
    if (device_recv_ms < *device_send) return Error::invalid_argument;
    const std::uint64_t round_trip = device_recv_ms - *device_send;
    return *server_recv / 2 + *server_send / 2 + round_trip / 2 +
           ((*server_recv % 2) + (*server_send % 2) + (round_trip % 2)) / 2;
}

} // namespace alimqtt::aliyun
