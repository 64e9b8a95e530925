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

/// The three times of an NTP response, in milliseconds.
struct NtpTimes {
    std::uint64_t device_send = 0; ///< "deviceSendTime": the request's, echoed (device clock)
    std::uint64_t server_recv = 0; ///< "serverRecvTime": Unix ms when the server got the request
    std::uint64_t server_send = 0; ///< "serverSendTime": Unix ms when the server answered
};

/// Reads `deviceSendTime`, `serverRecvTime` and `serverSendTime` (strings of
/// digits or numbers) from the payload of ntp_response_topic(). Errors:
/// json_syntax / json_too_deep / json_trailing_garbage, json_wrong_type (not
/// an object, or a time that is not 1..19 digits), json_missing_field.
constexpr Result<NtpTimes> read_ntp_times(std::string_view payload) noexcept {
    const auto doc = json::parse(payload);
    if (!doc) return doc.error();
    if (!doc->is_object()) return Error::json_wrong_type;
    const auto device_send = detail::read_ms(*doc, "deviceSendTime");
    if (!device_send) return device_send.error();
    const auto server_recv = detail::read_ms(*doc, "serverRecvTime");
    if (!server_recv) return server_recv.error();
    const auto server_send = detail::read_ms(*doc, "serverSendTime");
    if (!server_send) return server_send.error();
    return NtpTimes{*device_send, *server_recv, *server_send};
}

/// The Unix time in ms at the moment the device received the response:
/// (serverRecvTime + serverSendTime + deviceRecvTime - deviceSendTime) / 2,
/// rounded down, computed without overflow. `device_recv_ms` is the device's
/// clock (same epoch as deviceSendTime) on receipt; invalid_argument when it
/// is earlier than deviceSendTime (a clock running backwards).
constexpr Result<std::uint64_t> ntp_utc_ms(const NtpTimes& t, std::uint64_t device_recv_ms) noexcept {
    if (device_recv_ms < t.device_send) return Error::invalid_argument;
    const std::uint64_t round_trip = device_recv_ms - t.device_send;
    // Each term is below 10^19; halve first, then add the halves' remainders.
    return t.server_recv / 2 + t.server_send / 2 + round_trip / 2 +
           ((t.server_recv % 2) + (t.server_send % 2) + (round_trip % 2)) / 2;
}

/// Reads the response from ntp_response_topic() and returns the Unix time in
/// ms at the moment the device received it (read_ntp_times, then ntp_utc_ms).
/// `device_recv_ms` is the device's clock (same epoch as the request's) on receipt.
constexpr Result<std::uint64_t> read_ntp_response(std::string_view payload, std::uint64_t device_recv_ms) noexcept {
    const auto times = read_ntp_times(payload);
    if (!times) return times.error();
    return ntp_utc_ms(*times, device_recv_ms);
}

} // namespace alimqtt::aliyun
