// examples/posix/tls_transport.hpp — the POSIX TLS adapter: OpenSSL (1.1.1 or 3.x)
// over TcpTransport, TLS 1.2+, certificate and host-name verification on by default.
#pragma once

#include "aliyun_roots.hpp"
#include "tcp_transport.hpp"

#include <alimqtt/concepts.hpp>
#include <alimqtt/error.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace alimqtt::posix {

/// How a TlsTransport decides whom to trust.
struct TlsOptions {
    /// PEM bundle of trusted roots. Empty: the bundled Aliyun roots when
    /// `aliyun_roots` is set, else the system store (/etc/ssl/certs).
    std::string ca_file;
    /// Trust the bundled Aliyun IoT Root CA and GlobalSign R1/R6 (aliyun_roots.hpp).
    bool aliyun_roots = false;
    /// Name checked against the certificate and sent as SNI; empty: the host
    /// given to connect(). An IP literal is checked against the IP SANs.
    std::string server_name;
    /// Skip certificate and name verification. Dangerous: anyone on the path
    /// can read and forge the session. connect() prints a warning on stderr.
    bool insecure = false;
};

/// Adds the bundled Aliyun roots to `store`. Returns how many were added.
inline int load_aliyun_roots(X509_STORE* store) noexcept {
    int added = 0;
    for (const RootCertificate& root : kAliyunRoots) {
        BIO* bio = BIO_new_mem_buf(root.pem.data(), static_cast<int>(root.pem.size()));
        if (!bio) continue;
        if (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
            if (X509_STORE_add_cert(store, cert) == 1) ++added;
            X509_free(cert);
        }
        BIO_free(bio);
    }
    ERR_clear_error(); // a root already in the store is not an error worth keeping
    return added;
}

namespace detail {

/// The oldest queued OpenSSL error as text ("" when none), and clears the queue.
inline std::string openssl_error_text() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) return {};
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

} // namespace detail

/// A TLS connection over a non-blocking TcpTransport. OpenSSL reads and writes
/// through a BIO that calls TcpTransport (MSG_NOSIGNAL: no SIGPIPE, unlike the
/// stock socket BIO). SSL_ERROR_WANT_READ/WANT_WRITE map to would_block.
/// Move-only (state lives on the heap so OpenSSL's pointer to it stays valid);
/// a moved-from TlsTransport may only be destroyed or assigned to.
class TlsTransport {
public:
    explicit TlsTransport(TlsOptions options = {}) : s_(std::make_unique<State>()) { s_->options = std::move(options); }
    TlsTransport(TlsTransport&&) noexcept = default;
    TlsTransport& operator=(TlsTransport&& o) noexcept {
        if (this != &o) {
            if (s_) close();
            s_ = std::move(o.s_);
        }
        return *this;
    }
    ~TlsTransport() {
        if (s_) close();
    }

    /// TCP connect, then the TLS handshake, both before `deadline`.
    /// Errors: timeout, transport_error (reason in last_error(), e.g.
    /// "certificate verify failed: hostname mismatch").
    Status connect(std::string_view host, std::uint16_t port, SteadyClock::time_point deadline) {
        close();
        State& s = *s_;
        s.error.clear();
        if (Status st = s.tcp.connect(host, port, deadline); !st.ok()) {
            s.error = s.tcp.last_error();
            return st;
        }
        if (Status st = start_tls(host); !st.ok()) {
            close();
            return st;
        }
        for (;;) {
            ERR_clear_error();
            const int rc = SSL_connect(s.ssl);
            if (rc == 1) return {};
            const int e = SSL_get_error(s.ssl, rc);
            if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && SteadyClock::now() < deadline) {
                s.tcp.wait(deadline, e == SSL_ERROR_WANT_WRITE);
                continue;
            }
            Error result = Error::transport_error;
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                s.error = "TLS handshake timed out";
                result = Error::timeout;
            } else if (const long v = SSL_get_verify_result(s.ssl); v != X509_V_OK) {
                s.error = std::string("certificate verify failed: ") + X509_verify_cert_error_string(v);
            } else {
                std::string why = detail::openssl_error_text();
                if (why.empty()) why = s.eof ? "connection closed by the server" : std::strerror(s.last_code ? s.last_code : EIO);
                s.error = "TLS handshake failed: " + why;
            }
            close();
            return result;
        }
    }

    /// Encrypts and sends up to out.size() bytes (partial writes allowed).
    IoResult send(std::span<const std::byte> out) noexcept {
        State& s = *s_;
        if (!s.ssl) return IoResult::failed(EBADF);
        if (out.empty()) return IoResult::done(0);
        ERR_clear_error();
        std::size_t n = 0;
        const int rc = SSL_write_ex(s.ssl, out.data(), out.size(), &n);
        if (rc == 1) return IoResult::done(n);
        return map_error(SSL_get_error(s.ssl, rc), /*reading=*/false);
    }

    /// Receives and decrypts what is available now.
    IoResult recv(std::span<std::byte> in) noexcept {
        State& s = *s_;
        if (!s.ssl) return IoResult::failed(EBADF);
        if (in.empty()) return IoResult::done(0);
        ERR_clear_error();
        std::size_t n = 0;
        const int rc = SSL_read_ex(s.ssl, in.data(), in.size(), &n);
        if (rc == 1) return IoResult::done(n);
        return map_error(SSL_get_error(s.ssl, rc), /*reading=*/true);
    }

    /// Like TcpTransport::wait, but returns at once when OpenSSL already holds
    /// decrypted bytes (poll(2) cannot see those), and also waits for
    /// writability when OpenSSL last asked to write.
    bool wait(SteadyClock::time_point deadline, bool want_write = false) noexcept {
        State& s = *s_;
        if (s.ssl && SSL_has_pending(s.ssl)) return true;
        return s.tcp.wait(deadline, want_write || s.wants_write);
    }

    /// Sends close_notify (best effort, never blocks) and closes the socket.
    void close() noexcept {
        State& s = *s_;
        if (s.ssl) {
            if (!s.eof && s.last_code == 0) SSL_shutdown(s.ssl);
            SSL_free(s.ssl); // also frees the BIO
            s.ssl = nullptr;
        }
        if (s.ctx) {
            SSL_CTX_free(s.ctx);
            s.ctx = nullptr;
        }
        s.tcp.close();
        s.eof = false;
        s.last_code = 0;
        s.wants_write = false;
        ERR_clear_error();
    }

    /// True between a successful connect() and close().
    bool is_open() const noexcept { return s_->ssl != nullptr; }
    /// Why the last connect() or I/O call failed.
    const std::string& last_error() const noexcept { return s_->error; }
    /// The negotiated protocol ("TLSv1.3"), or "" when not connected.
    std::string_view protocol() const noexcept { return s_->ssl ? SSL_get_version(s_->ssl) : ""; }
    /// The underlying TCP connection.
    TcpTransport& tcp() noexcept { return s_->tcp; }

private:
    struct State {
        TlsOptions options;
        TcpTransport tcp;
        SSL_CTX* ctx = nullptr;
        SSL* ssl = nullptr;
        bool eof = false;         // the TCP peer closed
        int last_code = 0;        // errno of the last failed TCP call
        bool wants_write = false; // OpenSSL's last would-block needed writability
        std::string error;
    };

    Status start_tls(std::string_view host) {
        State& s = *s_;
        s.ctx = SSL_CTX_new(TLS_client_method());
        if (!s.ctx) return fail("SSL_CTX_new: " + detail::openssl_error_text());
        SSL_CTX_set_min_proto_version(s.ctx, TLS1_2_VERSION);
#if defined(SSL_OP_IGNORE_UNEXPECTED_EOF)
        // Brokers often close without close_notify; MQTT framing catches truncation.
        SSL_CTX_set_options(s.ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
        if (s.options.insecure) {
            std::fputs("WARNING: TLS certificate verification is OFF (--insecure): "
                       "anyone on the network path can impersonate the broker.\n",
                       stderr);
            SSL_CTX_set_verify(s.ctx, SSL_VERIFY_NONE, nullptr);
        } else {
            SSL_CTX_set_verify(s.ctx, SSL_VERIFY_PEER, nullptr);
            if (!s.options.ca_file.empty() &&
                SSL_CTX_load_verify_locations(s.ctx, s.options.ca_file.c_str(), nullptr) != 1)
                return fail("cannot load CA file " + s.options.ca_file + ": " + detail::openssl_error_text());
            if (s.options.aliyun_roots && load_aliyun_roots(SSL_CTX_get_cert_store(s.ctx)) == 0)
                return fail("cannot load the bundled Aliyun roots");
            if (s.options.ca_file.empty() && !s.options.aliyun_roots && SSL_CTX_set_default_verify_paths(s.ctx) != 1)
                return fail("cannot load the system CA store: " + detail::openssl_error_text());
        }
        s.ssl = SSL_new(s.ctx);
        if (!s.ssl) return fail("SSL_new: " + detail::openssl_error_text());
        // Partial writes: send() may report fewer bytes, as the Transport concept allows.
        // Moving buffer: a retried write may come from another address with the same bytes.
        SSL_set_mode(s.ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        BIO* bio = BIO_new(bio_method());
        if (!bio) return fail("BIO_new: " + detail::openssl_error_text());
        BIO_set_data(bio, &s);
        BIO_set_init(bio, 1);
        SSL_set_bio(s.ssl, bio, bio);

        const std::string name = s.options.server_name.empty() ? std::string(host) : s.options.server_name;
        unsigned char ip[16];
        const bool is_ip = inet_pton(AF_INET, name.c_str(), ip) == 1 || inet_pton(AF_INET6, name.c_str(), ip) == 1;
        if (!is_ip && SSL_set_tlsext_host_name(s.ssl, name.c_str()) != 1) // SNI (RFC 6066: never an IP)
            return fail("cannot set SNI to " + name);
        if (!s.options.insecure) {
            const int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s.ssl), name.c_str())
                                 : SSL_set1_host(s.ssl, name.c_str());
            if (ok != 1) return fail("cannot set the expected certificate name " + name);
        }
        return {};
    }

    Status fail(std::string why) {
        s_->error = std::move(why);
        return Error::transport_error;
    }

    IoResult map_error(int e, bool reading) noexcept {
        State& s = *s_;
        s.wants_write = false;
        switch (e) {
        case SSL_ERROR_WANT_READ: return IoResult::blocked();
        case SSL_ERROR_WANT_WRITE: s.wants_write = true; return IoResult::blocked();
        case SSL_ERROR_ZERO_RETURN: // close_notify received (or an EOF, with IGNORE_UNEXPECTED_EOF)
            return reading ? IoResult::eof() : IoResult::failed(EPIPE);
        case SSL_ERROR_SYSCALL:
            if (s.eof && reading) return IoResult::eof();
            return IoResult::failed(s.last_code ? s.last_code : (s.eof ? EPIPE : EIO));
        default:
            if (s.eof && reading) return IoResult::eof();
            s.error = "TLS error: " + detail::openssl_error_text();
            return IoResult::failed(EPROTO);
        }
    }

    // --- the BIO that routes OpenSSL's record I/O through TcpTransport ---
    static State& state_of(BIO* b) noexcept { return *static_cast<State*>(BIO_get_data(b)); }

    static int bio_write(BIO* b, const char* data, int len) noexcept {
        BIO_clear_retry_flags(b);
        State& s = state_of(b);
        const IoResult r = s.tcp.send(std::as_bytes(std::span(data, static_cast<std::size_t>(len))));
        if (r.status == IoStatus::ok) return static_cast<int>(r.bytes);
        if (r.status == IoStatus::would_block) {
            BIO_set_retry_write(b);
            return -1;
        }
        s.last_code = r.code ? r.code : EPIPE;
        errno = s.last_code;
        return -1;
    }

    static int bio_read(BIO* b, char* data, int len) noexcept {
        BIO_clear_retry_flags(b);
        State& s = state_of(b);
        const IoResult r = s.tcp.recv(std::as_writable_bytes(std::span(data, static_cast<std::size_t>(len))));
        switch (r.status) {
        case IoStatus::ok: return static_cast<int>(r.bytes);
        case IoStatus::would_block: BIO_set_retry_read(b); return -1;
        case IoStatus::closed: s.eof = true; return 0;
        case IoStatus::error: break;
        }
        s.last_code = r.code ? r.code : EIO;
        errno = s.last_code;
        return -1;
    }

    static long bio_ctrl(BIO* b, int cmd, long, void*) noexcept {
        switch (cmd) {
        case BIO_CTRL_FLUSH: return 1; // nothing is buffered here
        case BIO_CTRL_EOF: return state_of(b).eof ? 1 : 0;
        default: return 0;
        }
    }

    static BIO_METHOD* bio_method() noexcept {
        // One method table for the process; freed at exit by the OS.
        static BIO_METHOD* const method = [] {
            BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "alimqtt TcpTransport");
            if (m) {
                BIO_meth_set_write(m, &TlsTransport::bio_write);
                BIO_meth_set_read(m, &TlsTransport::bio_read);
                BIO_meth_set_ctrl(m, &TlsTransport::bio_ctrl);
            }
            return m;
        }();
        return method;
    }

    std::unique_ptr<State> s_;
};

static_assert(alimqtt::Transport<TlsTransport>);
static_assert(alimqtt::WaitableTransport<TlsTransport, SteadyClock>);

} // namespace alimqtt::posix
