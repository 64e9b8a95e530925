// examples/posix/any_transport.hpp — TCP or TLS chosen at run time (a command-line
// flag), behind one type so a single Client<AnyTransport, ...> serves both.
#pragma once

#include "tcp_transport.hpp"
#include "tls_transport.hpp"

#include <string>

namespace alimqtt::posix {

/// Either a TcpTransport or a TlsTransport, fixed at construction.
class AnyTransport {
public:
    /// Plain TCP.
    AnyTransport() = default;
    /// TLS with `options`.
    explicit AnyTransport(TlsOptions options) : use_tls_(true), tls_(std::move(options)) {}

    /// Connects (and, for TLS, handshakes) before `deadline`.
    Status connect(std::string_view host, std::uint16_t port, SteadyClock::time_point deadline) {
        return use_tls_ ? tls_.connect(host, port, deadline) : tcp_.connect(host, port, deadline);
    }
    /// See Transport.
    IoResult send(std::span<const std::byte> out) noexcept { return use_tls_ ? tls_.send(out) : tcp_.send(out); }
    /// See Transport.
    IoResult recv(std::span<std::byte> in) noexcept { return use_tls_ ? tls_.recv(in) : tcp_.recv(in); }
    /// See WaitableTransport.
    bool wait(SteadyClock::time_point deadline, bool want_write = false) noexcept {
        return use_tls_ ? tls_.wait(deadline, want_write) : tcp_.wait(deadline, want_write);
    }
    /// Closes the connection (TLS: close_notify first).
    void close() noexcept { use_tls_ ? tls_.close() : tcp_.close(); }
    /// Why the last connect failed.
    const std::string& last_error() const noexcept { return use_tls_ ? tls_.last_error() : tcp_.last_error(); }
    /// True for TLS.
    bool is_tls() const noexcept { return use_tls_; }
    /// The negotiated TLS version, "" for TCP.
    std::string_view protocol() const noexcept { return use_tls_ ? tls_.protocol() : std::string_view{}; }

private:
    bool use_tls_ = false;
    TcpTransport tcp_;
    TlsTransport tls_;
};

static_assert(alimqtt::WaitableTransport<AnyTransport, SteadyClock>);

} // namespace alimqtt::posix
