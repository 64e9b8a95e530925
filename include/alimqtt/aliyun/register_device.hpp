// alimqtt/aliyun/register_device.hpp — dynamic registration run over a Client (a layer above
// client.hpp, like thing.hpp): connect, await the reply, disconnect; a Tracer that redacts it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <variant>

#include "alimqtt/aliyun/dynreg.hpp"
#include "alimqtt/codec/packets.hpp"
#include "alimqtt/error.hpp"
#include "alimqtt/session.hpp"

namespace alimqtt::aliyun {

/// What register_device() saw besides its result.
struct DynregDiagnostics {
    /// Why it failed, in detail: the CONNACK's refused_* for dynreg_refused,
    /// the JSON or field error for dynreg_malformed_reply; Error{} otherwise.
    Error detail{};
    /// Messages on other topics that arrived while waiting (ignored).
    std::uint32_t ignored_messages = 0;
};

/// Least time register_device() gives its DISCONNECT when the caller's
/// deadline has already passed (e.g. after dynreg_timeout): enough for the
/// two bytes to leave a socket that can take them, short enough not to
/// stretch a missed deadline much. Past it the link is closed without them.
inline constexpr std::chrono::milliseconds dynreg_disconnect_floor{250};

/// Runs dynamic registration over `client`, whose transport must already be
/// open to the platform (TLS: the platform refuses plain TCP here). Connects
/// with sign_dynreg()'s credentials, waits for the reply the platform
/// publishes right after CONNACK without any SUBSCRIBE, disconnects, and
/// returns what it handed out. `timeout` sets one deadline, counted from the
/// call, for the CONNACK, the reply and the DISCONNECT together; the
/// DISCONNECT gets what is left of it, or dynreg_disconnect_floor if less.
/// Errors: dynreg_refused (CONNACK 1..5; diag->detail says which),
/// dynreg_timeout, dynreg_malformed_reply (diag->detail says why), the
/// connection's errors (connack_timeout, connection_closed, ...), and
/// sign_dynreg()'s. Nothing here logs the result; a Tracer that prints
/// payloads must be wrapped in RedactDynreg.
template <class ClientT>
Result<DynregResult> register_device(ClientT& client, const ProductCredentials& product,
                                     const DynregOptions& options,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                     DynregDiagnostics* diag = nullptr) noexcept {
    DynregDiagnostics local;
    DynregDiagnostics& d = diag != nullptr ? *diag : local;
    d = DynregDiagnostics{};
    const auto creds = sign_dynreg(product, options);
    if (!creds) return creds.error();
    const auto deadline = client.now() + timeout;
    const auto time_left = [&]() noexcept {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - client.now());
        return left > std::chrono::milliseconds::zero() ? left : std::chrono::milliseconds::zero();
    };
    if (auto c = client.connect(creds->to_connect(), timeout); !c) {
        switch (c.error()) {
        case Error::refused_protocol_version:
        case Error::refused_identifier_rejected:
        case Error::refused_server_unavailable:
        case Error::refused_bad_credentials:
        case Error::refused_not_authorized: d.detail = c.error(); return Error::dynreg_refused;
        default: return c.error();
        }
    }
    const std::string_view topic = dynreg_reply_topic(options.flow);
    Result<DynregResult> result = Error::dynreg_timeout;
    const Status s = client.run_until_event(time_left(), [&](const Event& e) {
        if (e.kind != EventKind::message) return false;
        if (e.message.topic != topic) {
            ++d.ignored_messages;
            return false;
        }
        const std::string_view payload(reinterpret_cast<const char*>(e.message.payload.data()),
                                       e.message.payload.size());
        result = read_dynreg_reply(options.flow, payload);
        if (!result) {
            d.detail = result.error();
            result = Error::dynreg_malformed_reply;
        }
        return true;
    });
    // The platform expects the device to leave and come back with the new
    // credentials on a fresh connection; a DISCONNECT that cannot leave in
    // time ends with the link closed anyway (Client::disconnect's timeout).
    if (client.connected()) (void)client.disconnect(std::max(time_left(), dynreg_disconnect_floor));
    if (!s) return s.error() == Error::timeout ? Error::dynreg_timeout : s.error();
    return result;
}

/// A Tracer wrapper that keeps registration secrets out of traces: PUBLISH
/// packets on /ext/register and /ext/regnwl reach `inner` with an empty
/// payload, and CONNECT packets without their raw bytes (whose password
/// field holds a deviceToken on connwl). Everything else passes unchanged.
template <class Inner>
struct RedactDynreg {
    Inner inner{}; ///< the tracer that prints or records

    /// Forwards `p` to the inner tracer, redacted as described above.
    void on_packet(Direction d, const Packet& p, Bytes raw) {
        if (const Publish* pub = std::get_if<Publish>(&p); pub != nullptr && is_dynreg_reply_topic(pub->topic)) {
            Publish hidden = *pub;
            hidden.payload = {};
            inner.on_packet(d, Packet{hidden}, Bytes{});
            return;
        }
        if (std::holds_alternative<Connect>(p)) {
            inner.on_packet(d, p, Bytes{});
            return;
        }
        inner.on_packet(d, p, raw);
    }
};

} // namespace alimqtt::aliyun
