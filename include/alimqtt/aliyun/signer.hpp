// alimqtt/aliyun/signer.hpp — builds the clientId, username and password that
// Aliyun IoT checks in CONNECT ("one device, one secret" authentication).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "alimqtt/aliyun/endpoint.hpp"
#include "alimqtt/aliyun/fixed_string.hpp"
#include "alimqtt/aliyun/hex.hpp"
#include "alimqtt/aliyun/hmac.hpp"
#include "alimqtt/concepts.hpp"
#include "alimqtt/error.hpp"

namespace alimqtt::aliyun {

/// The HMAC named by the clientId's `signmethod=`.
enum class SignMethod : std::uint8_t {
    hmacsha256, ///< console and C SDK default
    hmacsha1,   ///< Node and Python SDKs
    hmacmd5,    ///< the platform's default when signmethod is absent
};

/// The `signmethod=` spelling of a method.
constexpr std::string_view to_string(SignMethod m) noexcept {
    switch (m) {
    case SignMethod::hmacsha1: return "hmacsha1";
    case SignMethod::hmacmd5: return "hmacmd5";
    case SignMethod::hmacsha256: break;
    }
    return "hmacsha256";
}

/// Parses "hmacsha256", "hmacsha1" or "hmacmd5".
constexpr Result<SignMethod> parse_sign_method(std::string_view s) noexcept {
    if (s == "hmacsha256") return SignMethod::hmacsha256;
    if (s == "hmacsha1") return SignMethod::hmacsha1;
    if (s == "hmacmd5") return SignMethod::hmacmd5;
    return Error::invalid_argument;
}

/// The signed timestamp: a value in Unix milliseconds, or none at all.
/// The platform does not check freshness, so a device without a clock may
/// omit it or send the official SDKs' fixed value.
struct Timestamp {
    /// The constant the official C/Node SDKs send (2050-01-01T00:00:00Z).
    static constexpr std::uint64_t sdk_constant_ms = 2524608000000ULL;

    bool present = true;                ///< false: no timestamp in clientId or signature
    std::uint64_t ms = sdk_constant_ms; ///< milliseconds since the Unix epoch, when present

    /// No `timestamp=` in the clientId and none in the signed content.
    static constexpr Timestamp none() noexcept { return {false, 0}; }
    /// This many milliseconds since 1970-01-01T00:00:00Z.
    static constexpr Timestamp at_ms(std::uint64_t ms) noexcept { return {true, ms}; }
    /// The official SDKs' constant 2524608000000.
    static constexpr Timestamp sdk_constant() noexcept { return {true, sdk_constant_ms}; }
};

/// The device triple from the console ("one device, one secret").
struct DeviceCredentials {
    std::string_view product_key;   ///< ProductKey, e.g. `a1B2c3D4e5F`
    std::string_view device_name;   ///< DeviceName
    std::string_view device_secret; ///< DeviceSecret: the HMAC key, never sent
};

/// Everything about the signature that is a choice.
struct SignOptions {
    std::string_view client_id{};                  ///< the id before `|`; empty means `<pk>.<dn>`
    SignMethod sign_method = SignMethod::hmacsha256; ///< the HMAC used and declared as `signmethod`
    SecureMode secure_mode = SecureMode::tls;        ///< `securemode`: 2 = TLS, 3 = plain TCP
    Timestamp timestamp = Timestamp::sdk_constant(); ///< `timestamp` sent and signed, or none
    HexCase hex_case = HexCase::lower;             ///< the platform accepts both cases
};

/// Longest clientId prefix (the part before the first `|`) the platform accepts.
inline constexpr std::size_t max_client_id_prefix = 64;
/// Longest ProductKey or DeviceName the signer stores (real ones: 11 and 4..32).
inline constexpr std::size_t max_key_or_name = 64;
/// Capacity of a full clientId: prefix, "|securemode=3,signmethod=hmacsha256,timestamp=", 20 digits, "|".
inline constexpr std::size_t max_client_id = 160;
/// Capacity of `<deviceName>&<productKey>`.
inline constexpr std::size_t max_username = 2 * max_key_or_name + 1;
/// Capacity of the hex password (HMAC-SHA256 is the longest: 64 digits).
inline constexpr std::size_t max_password = 64;

/// The three CONNECT strings, in fixed storage.
struct Credentials {
    FixedString<max_client_id> client_id; ///< `<id>|securemode=..,signmethod=..[,timestamp=..]|`
    FixedString<max_username> username;   ///< `<deviceName>&<productKey>`
    FixedString<max_password> password;   ///< hex HMAC of the signed content
};

namespace detail {
/// True when `s` holds any of `chars` (a byte loop: find_first_of links memchr).
constexpr bool contains_any(std::string_view s, std::string_view chars) noexcept {
    for (char c : s)
        for (char x : chars)
            if (c == x) return true;
    return false;
}

template <class Mac>
constexpr void feed_content(Mac& mac, std::string_view id, const DeviceCredentials& d,
                            const FixedString<20>& ts, bool with_ts) noexcept {
    // Signed content: the keys in alphabetical order, each followed by its value.
    mac.update("clientId");
    mac.update(id);
    mac.update("deviceName");
    mac.update(d.device_name);
    mac.update("productKey");
    mac.update(d.product_key);
    if (with_ts) {
        mac.update("timestamp");
        mac.update(ts.view());
    }
}

template <class Hash>
constexpr FixedString<max_password> sign_with(std::string_view id, const DeviceCredentials& d,
                                              const FixedString<20>& ts, bool with_ts,
                                              HexCase hex_case) noexcept {
    Hmac<Hash> mac(d.device_secret);
    feed_content(mac, id, d, ts, with_ts);
    FixedString<max_password> out;
    (void)out.append(to_hex(mac.final(), hex_case).view()); // at most 64 digits: fits
    return out;
}
} // namespace detail

namespace detail {
/// The hash a SignMethod names.
template <SignMethod M>
using SignHash = std::conditional_t<M == SignMethod::hmacsha1, Sha1,
                                    std::conditional_t<M == SignMethod::hmacmd5, Md5, Sha256>>;

/// Checks the inputs and builds clientId, username and password: the body of
/// both forms of sign(). With `RunTime`, the HMAC is picked by
/// options.sign_method (all three hashes are linked unless the compiler sees
/// a constant); otherwise it is `Fixed`'s alone.
template <bool RunTime, SignMethod Fixed>
constexpr Result<Credentials> sign_using(const DeviceCredentials& device, const SignOptions& options) noexcept {
    // A value cast from a bad integer would declare one method and sign with none.
    if (options.sign_method != SignMethod::hmacsha256 && options.sign_method != SignMethod::hmacsha1 &&
        options.sign_method != SignMethod::hmacmd5)
        return Error::invalid_argument;
    if (options.secure_mode != SecureMode::tls && options.secure_mode != SecureMode::tcp)
        return Error::invalid_argument;
    if (device.product_key.empty() || device.device_name.empty() || device.device_secret.empty())
        return Error::aliyun_empty_field;
    // '&' separates DeviceName from ProductKey in the username; '|' and ','
    // delimit the clientId's parameter block.
    if (detail::contains_any(device.product_key, "|,&") || detail::contains_any(device.device_name, "|,&"))
        return Error::aliyun_forbidden_character;
    if (device.product_key.size() > max_key_or_name || device.device_name.size() > max_key_or_name)
        return Error::aliyun_field_too_long;

    Credentials c;
    FixedString<max_client_id_prefix> default_id;
    std::string_view id = options.client_id;
    if (id.empty()) {
        if (!(default_id.append(device.product_key) && default_id.push_back('.') &&
              default_id.append(device.device_name)))
            return Error::aliyun_client_id_too_long;
        id = default_id.view();
    }
    // The id is everything before the first '|'; ',' would be read as the
    // start of a parameter by some server versions, so neither may appear.
    if (detail::contains_any(id, "|,")) return Error::aliyun_forbidden_character;
    if (id.size() > max_client_id_prefix) return Error::aliyun_client_id_too_long;

    FixedString<20> ts;
    if (options.timestamp.present) (void)ts.append_decimal(options.timestamp.ms); // <= 20 digits

    // Every append below fits: the longest clientId is a 64-character prefix,
    // "|securemode=3,signmethod=hmacsha256,timestamp=", 20 digits and "|".
    static_assert(max_client_id >= max_client_id_prefix + 46 + 20 + 1);
    static_assert(max_username == 2 * max_key_or_name + 1);
    (void)c.client_id.append(id);
    (void)c.client_id.append(options.secure_mode == SecureMode::tcp ? "|securemode=3" : "|securemode=2");
    (void)c.client_id.append(",signmethod=");
    (void)c.client_id.append(to_string(options.sign_method));
    if (options.timestamp.present) {
        (void)c.client_id.append(",timestamp=");
        (void)c.client_id.append(ts.view());
    }
    (void)c.client_id.push_back('|');

    (void)c.username.append(device.device_name);
    (void)c.username.push_back('&');
    (void)c.username.append(device.product_key);

    const bool with_ts = options.timestamp.present;
    if constexpr (RunTime) {
        switch (options.sign_method) {
        case SignMethod::hmacsha1: c.password = sign_with<Sha1>(id, device, ts, with_ts, options.hex_case); break;
        case SignMethod::hmacmd5: c.password = sign_with<Md5>(id, device, ts, with_ts, options.hex_case); break;
        case SignMethod::hmacsha256: c.password = sign_with<Sha256>(id, device, ts, with_ts, options.hex_case); break;
        }
    } else {
        c.password = sign_with<SignHash<Fixed>>(id, device, ts, with_ts, options.hex_case);
    }
    return c;
}

} // namespace detail

/// Checks the inputs and builds clientId, username and password, with the
/// method chosen at run time (options.sign_method): unless the compiler can
/// see the method is constant, SHA-256, SHA-1 and MD5 are all linked. Use
/// sign<SignMethod::...>() to link exactly one.
/// Refuses: a sign method or secure mode that is none of the enumerators
/// (invalid_argument); an empty ProductKey/DeviceName/DeviceSecret (aliyun_empty_field);
/// `|`, `,` or `&` in ProductKey or DeviceName, `|` or `,` in the clientId
/// prefix (aliyun_forbidden_character); a prefix over 64 characters
/// (aliyun_client_id_too_long); a ProductKey or DeviceName over 64
/// characters (aliyun_field_too_long).
constexpr Result<Credentials> sign(const DeviceCredentials& device, const SignOptions& options = {}) noexcept {
    return detail::sign_using</*RunTime=*/true, SignMethod::hmacsha256>(device, options);
}

/// As sign(), with the method fixed at compile time, so that only `Method`'s
/// hash is linked whatever the options. options.sign_method is ignored:
/// `Method` is used and declared in the clientId.
template <SignMethod Method>
constexpr Result<Credentials> sign(const DeviceCredentials& device, SignOptions options = {}) noexcept {
    options.sign_method = Method;
    return detail::sign_using</*RunTime=*/false, Method>(device, options);
}

/// Milliseconds since the Unix epoch read from `clock`, whose epoch must be
/// Unix time (std::chrono::system_clock, or an NTP-set device clock).
template <class C>
    requires Clock<std::remove_cvref_t<C>>
constexpr Result<Timestamp> unix_timestamp(C&& clock) noexcept {
    const auto since_epoch = clock.now().time_since_epoch();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count();
    if (ms < 0) return Error::invalid_argument; // a clock before 1970 has not been set
    return Timestamp::at_ms(static_cast<std::uint64_t>(ms));
}

/// As sign(), with the timestamp read from `clock` (Unix epoch) instead of
/// options.timestamp.
template <class C>
    requires Clock<std::remove_cvref_t<C>>
constexpr Result<Credentials> sign(const DeviceCredentials& device, SignOptions options, C&& clock) noexcept {
    const Result<Timestamp> ts = unix_timestamp(clock);
    if (!ts) return ts.error();
    options.timestamp = *ts;
    return sign(device, options);
}

} // namespace alimqtt::aliyun
