// alimqtt/error.hpp — the one error enum of the library and the small Result type
// every fallible call returns. Errors are values: no exceptions anywhere.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

namespace alimqtt {

/// Every way a call can fail. Each broker refusal and each protocol violation
/// has its own name so that logs say exactly what happened.
/// Sections are owned by layers; add new values at the end of your section.
enum class Error : std::uint8_t {
    // --- codec: framing and encoding (MQTT 3.1.1 ch. 2 and 3) ---
    buffer_too_small = 1,        ///< output span too small for the encoded packet
    need_more_data,              ///< framer: the packet is not complete yet (not a failure)
    malformed_remaining_length,  ///< 5th continuation byte, or non-minimal encoding (2.2.3)
    packet_too_large,            ///< remaining length exceeds the receive buffer
    bad_packet_type,             ///< packet type 0 or 15 (reserved, 2.2.1)
    bad_fixed_header_flags,      ///< reserved flag bits not as 2.2.2 requires
    bad_remaining_length,        ///< length does not fit the packet type (e.g. PUBACK != 2)
    bad_qos,                     ///< QoS 3 in a PUBLISH, will, or SUBSCRIBE request
    zero_packet_id,              ///< packet id 0 where a non-zero id is required (2.3.1)
    truncated,                   ///< an inner length runs past the end of the packet
    malformed_utf8,              ///< ill-formed UTF-8 or a surrogate code point (1.5.3)
    utf8_null_character,         ///< U+0000 in a UTF-8 string (1.5.3)
    string_too_long,             ///< string or binary field over 65,535 bytes
    empty_subscribe,             ///< SUBSCRIBE with no topic filter (3.8.3)
    empty_unsubscribe,           ///< UNSUBSCRIBE with no topic filter (3.10.3)
    bad_protocol_name,           ///< CONNECT protocol name is not "MQTT" (3.1.2.1)
    bad_protocol_level,          ///< CONNECT protocol level is not 4 (3.1.2.2)
    bad_connect_flags,           ///< reserved flag set, or inconsistent will/user/password flags (3.1.2.3)
    connack_reserved_bits,       ///< CONNACK acknowledge flags bits 7..1 not zero (3.2.2.1)
    bad_connack_code,            ///< CONNACK return code above 5 (3.2.2.3)
    bad_suback_code,             ///< SUBACK return code not 0x00/0x01/0x02/0x80 (3.9.3)
    invalid_topic_name,          ///< empty, wildcard in a PUBLISH topic, or too long (4.7)
    invalid_topic_filter,        ///< '+' or '#' misplaced, or empty (4.7.1)
    trailing_bytes,              ///< bytes left after the last field of the packet
    remaining_length_too_large,  ///< packet body over 268,435,455 bytes, the 4-byte maximum (2.2.3)
    client_id_requires_clean_session, ///< empty client id with clean session 0 (3.1.3.1, MQTT-3.1.3-7)
    subscribe_reserved_bits,     ///< SUBSCRIBE requested-QoS byte has bits 7..2 set (3.8.3.1)
    connack_refused_session_present, ///< CONNACK refuses (code 1..5) yet sets Session Present (MQTT-3.2.2-4)

    // --- transport and session (client.hpp, session.hpp) ---
    would_block = 40,            ///< the call cannot proceed without blocking; try again
    connection_closed,           ///< the peer closed the connection
    transport_error,             ///< the transport reported an I/O error
    timeout,                     ///< the deadline passed before the operation completed
    not_connected,               ///< the call needs an established MQTT connection
    already_connected,           ///< connect() while a connection is up or in progress
    connack_timeout,             ///< no CONNACK before the connect deadline
    refused_protocol_version,    ///< CONNACK 1: unacceptable protocol version
    refused_identifier_rejected, ///< CONNACK 2: client identifier rejected
    refused_server_unavailable,  ///< CONNACK 3: server unavailable
    refused_bad_credentials,     ///< CONNACK 4: bad user name or password
    refused_not_authorized,      ///< CONNACK 5: not authorized
    subscription_refused,        ///< SUBACK 0x80 for this filter
    subscription_timeout,        ///< no SUBACK before the subscribe deadline
    unsubscribe_timeout,         ///< no UNSUBACK before the deadline
    ack_timeout,                 ///< no PUBACK/PUBCOMP before the deadline
    keepalive_timeout,           ///< dead link: no PINGRESP / traffic within the bound
    unexpected_packet,           ///< a packet a server must never send (CONNECT, SUBSCRIBE, PINGREQ...)
    unknown_packet_id,           ///< an acknowledgement for a packet id not in flight
    suback_count_mismatch,       ///< SUBACK return code count != filters in the SUBSCRIBE
    protocol_error,              ///< any other violation of the protocol by the peer
    in_flight_full,              ///< no free slot in the in-flight table (Config)
    subscriptions_full,          ///< no free slot in the subscription table (Config)
    send_buffer_full,            ///< the outbound buffer cannot hold the packet now
    reentrant_call,              ///< a blocking call was made from inside a handler
    not_subscribed,              ///< unsubscribe of a filter that is not in the table
    topic_too_long,              ///< topic longer than Config allows
    qos2_disabled,               ///< QoS 2 asked for, or sent by the server, with Config::max_qos below 2

    // --- aliyun profile (aliyun/) ---
    aliyun_keepalive_out_of_range = 100, ///< Aliyun rejects keepalive outside 30..1200 s
    aliyun_qos2_not_supported,   ///< Aliyun IoT accepts QoS 0 and 1 only
    aliyun_will_not_supported,   ///< Aliyun IoT does not accept will messages
    aliyun_topic_too_long,       ///< Aliyun topics are at most 128 characters
    invalid_argument,            ///< an input that would break a format (empty, forbidden char)
    json_syntax,                 ///< malformed JSON
    json_missing_field,          ///< a required JSON member is absent
    json_wrong_type,             ///< a JSON member has the wrong type
    json_trailing_garbage,       ///< text after the closing brace
    port_out_of_range,           ///< port not in 1..65535
    aliyun_empty_field,          ///< ProductKey, DeviceName, DeviceSecret, clientId or host part empty
    aliyun_forbidden_character,  ///< '|', ',' or '&' (or a non-host character) where it breaks the format
    aliyun_client_id_too_long,   ///< clientId prefix over 64 characters
    aliyun_field_too_long,       ///< a field longer than its fixed storage
    aliyun_retain_not_supported, ///< Aliyun IoT does not keep retained messages on MQTT 3.1.1
    json_too_deep,               ///< JSON nesting deeper than the reader's limit
    aliyun_reply_error,          ///< the platform answered an Alink request with a code other than 200
    dynreg_refused,              ///< dynamic registration: the platform refused the CONNECT (product secret, names, or registration not enabled)
    dynreg_timeout,              ///< dynamic registration: no reply on /ext/register or /ext/regnwl before the deadline
    dynreg_malformed_reply,      ///< dynamic registration: the reply is not JSON or lacks deviceSecret / clientId and deviceToken
    json_invalid_utf8,           ///< a JSON string holds bytes that are not well-formed UTF-8 (RFC 8259 8.1)
};

/// Human-readable name of an error, stable for logs.
constexpr std::string_view to_string(Error e) noexcept {
    switch (e) {
    case Error::buffer_too_small: return "buffer too small";
    case Error::need_more_data: return "need more data";
    case Error::malformed_remaining_length: return "malformed remaining length";
    case Error::packet_too_large: return "packet too large for the receive buffer";
    case Error::bad_packet_type: return "reserved packet type";
    case Error::bad_fixed_header_flags: return "bad fixed-header flags";
    case Error::bad_remaining_length: return "remaining length invalid for the packet type";
    case Error::bad_qos: return "QoS 3 is not a valid QoS";
    case Error::zero_packet_id: return "packet id 0 where a non-zero id is required";
    case Error::truncated: return "field runs past the end of the packet";
    case Error::malformed_utf8: return "malformed UTF-8 string";
    case Error::utf8_null_character: return "U+0000 in a UTF-8 string";
    case Error::string_too_long: return "string longer than 65535 bytes";
    case Error::empty_subscribe: return "SUBSCRIBE with no topic filter";
    case Error::empty_unsubscribe: return "UNSUBSCRIBE with no topic filter";
    case Error::bad_protocol_name: return "CONNECT protocol name is not MQTT";
    case Error::bad_protocol_level: return "CONNECT protocol level is not 4";
    case Error::bad_connect_flags: return "bad CONNECT flags";
    case Error::connack_reserved_bits: return "CONNACK reserved bits set";
    case Error::bad_connack_code: return "CONNACK return code above 5";
    case Error::bad_suback_code: return "SUBACK return code not 0, 1, 2 or 0x80";
    case Error::invalid_topic_name: return "invalid topic name";
    case Error::invalid_topic_filter: return "invalid topic filter";
    case Error::trailing_bytes: return "bytes after the last field of the packet";
    case Error::remaining_length_too_large: return "packet body longer than 268435455 bytes";
    case Error::client_id_requires_clean_session: return "an empty client id requires clean session";
    case Error::subscribe_reserved_bits: return "SUBSCRIBE requested-QoS reserved bits set";
    case Error::connack_refused_session_present: return "CONNACK refused the connection yet set Session Present";
    case Error::would_block: return "would block";
    case Error::connection_closed: return "connection closed by peer";
    case Error::transport_error: return "transport error";
    case Error::timeout: return "timed out";
    case Error::not_connected: return "not connected";
    case Error::already_connected: return "already connected";
    case Error::connack_timeout: return "no CONNACK before the deadline";
    case Error::refused_protocol_version: return "connection refused: unacceptable protocol version (CONNACK 1)";
    case Error::refused_identifier_rejected: return "connection refused: identifier rejected (CONNACK 2)";
    case Error::refused_server_unavailable: return "connection refused: server unavailable (CONNACK 3)";
    case Error::refused_bad_credentials: return "connection refused: bad user name or password (CONNACK 4)";
    case Error::refused_not_authorized: return "connection refused: not authorized (CONNACK 5)";
    case Error::subscription_refused: return "subscription refused by the broker (SUBACK 0x80)";
    case Error::subscription_timeout: return "no SUBACK before the deadline";
    case Error::unsubscribe_timeout: return "no UNSUBACK before the deadline";
    case Error::ack_timeout: return "no acknowledgement before the deadline";
    case Error::keepalive_timeout: return "dead link: no answer within the keepalive bound";
    case Error::unexpected_packet: return "packet a server must not send";
    case Error::unknown_packet_id: return "acknowledgement for an unknown packet id";
    case Error::suback_count_mismatch: return "SUBACK return-code count does not match the SUBSCRIBE";
    case Error::protocol_error: return "protocol error";
    case Error::in_flight_full: return "in-flight table full";
    case Error::subscriptions_full: return "subscription table full";
    case Error::send_buffer_full: return "send buffer full";
    case Error::reentrant_call: return "blocking call from inside a handler";
    case Error::not_subscribed: return "not subscribed to that filter";
    case Error::topic_too_long: return "topic longer than the configured maximum";
    case Error::qos2_disabled: return "QoS 2 is compiled out (Config::max_qos is below 2)";
    case Error::aliyun_keepalive_out_of_range: return "keepalive must be 30..1200 s: Aliyun IoT rejects the connection otherwise";
    case Error::aliyun_qos2_not_supported: return "Aliyun IoT supports QoS 0 and 1 only";
    case Error::aliyun_will_not_supported: return "Aliyun IoT does not support will messages";
    case Error::aliyun_topic_too_long: return "Aliyun topics are at most 128 characters";
    case Error::invalid_argument: return "invalid argument";
    case Error::json_syntax: return "malformed JSON";
    case Error::json_missing_field: return "JSON field missing";
    case Error::json_wrong_type: return "JSON field has the wrong type";
    case Error::json_trailing_garbage: return "text after the end of the JSON object";
    case Error::port_out_of_range: return "port out of range 1..65535";
    case Error::aliyun_empty_field: return "ProductKey, DeviceName, DeviceSecret, clientId and host parts must not be empty";
    case Error::aliyun_forbidden_character: return "a field contains a character that breaks the Aliyun format ('|', ',' or '&')";
    case Error::aliyun_client_id_too_long: return "Aliyun clientId prefix is at most 64 characters";
    case Error::aliyun_field_too_long: return "field longer than its fixed storage";
    case Error::aliyun_retain_not_supported: return "Aliyun IoT does not support retained messages";
    case Error::json_too_deep: return "JSON nested too deeply";
    case Error::aliyun_reply_error: return "the platform replied with an Alink code other than 200";
    case Error::dynreg_refused: return "dynamic registration refused by the platform (check ProductKey, DeviceName, ProductSecret and that dynamic registration is on)";
    case Error::dynreg_timeout: return "dynamic registration: no reply from the platform before the deadline";
    case Error::dynreg_malformed_reply: return "dynamic registration: the platform's reply is malformed or incomplete";
    case Error::json_invalid_utf8: return "JSON string is not valid UTF-8";
    }
    return "unknown error";
}

/// Result<T>: a T or an Error. Implicitly constructible from either.
/// No exceptions: value() on an error is a programming bug (asserted by the
/// caller checking ok() first), never thrown.
template <class T>
class [[nodiscard]] Result {
public:
    /// A success holding a copy of `v`.
    constexpr Result(const T& v) noexcept(std::is_nothrow_copy_constructible_v<T>) : ok_(true) {
        std::construct_at(&value_, v);
    }
    /// A success holding `v`, moved in.
    constexpr Result(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>) : ok_(true) {
        std::construct_at(&value_, std::move(v));
    }
    /// A failure with error `e`.
    constexpr Result(Error e) noexcept : error_(e), ok_(false) {}
    /// Copies the value or the error.
    constexpr Result(const Result& o) : ok_(o.ok_) {
        if (ok_) std::construct_at(&value_, o.value_);
        else error_ = o.error_;
    }
    /// Copies the value or the error.
    constexpr Result& operator=(const Result& o) {
        if (this != &o) {
            reset();
            ok_ = o.ok_;
            if (ok_) std::construct_at(&value_, o.value_);
            else error_ = o.error_;
        }
        return *this;
    }
    constexpr ~Result() { reset(); }

    /// True when it holds a value.
    constexpr bool ok() const noexcept { return ok_; }
    /// Same as ok().
    constexpr explicit operator bool() const noexcept { return ok_; }
    /// The error; only meaningful when !ok().
    constexpr Error error() const noexcept { return ok_ ? Error{} : error_; }
    /// The value; only when ok().
    constexpr T& value() noexcept { return value_; }
    /// The value; only when ok().
    constexpr const T& value() const noexcept { return value_; }
    /// The value; only when ok().
    constexpr T& operator*() noexcept { return value_; }
    /// The value; only when ok().
    constexpr const T& operator*() const noexcept { return value_; }
    /// Member access to the value; only when ok().
    constexpr T* operator->() noexcept { return &value_; }
    /// Member access to the value; only when ok().
    constexpr const T* operator->() const noexcept { return &value_; }

private:
    constexpr void reset() noexcept {
        if (ok_) std::destroy_at(&value_);
    }
    union {
        T value_;
        Error error_;
    };
    bool ok_;
};

/// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
    /// Success.
    constexpr Result() noexcept = default;
    /// A failure with error `e`.
    constexpr Result(Error e) noexcept : error_(e), ok_(false) {}
    /// True on success.
    constexpr bool ok() const noexcept { return ok_; }
    /// Same as ok().
    constexpr explicit operator bool() const noexcept { return ok_; }
    /// The error; only meaningful when !ok().
    constexpr Error error() const noexcept { return ok_ ? Error{} : error_; }

private:
    Error error_{};
    bool ok_ = true;
};

using Status = Result<void>;

} // namespace alimqtt
