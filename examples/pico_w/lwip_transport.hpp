// lwip_transport.hpp — an alimqtt Transport over lwIP's raw altcp API. Plain TCP
// and TLS (altcp_tls + mbedTLS) share this one code path; a Platform policy supplies the lock.
#pragma once

#include <alimqtt/concepts.hpp>
#include <alimqtt/error.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "lwip/altcp.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#if LWIP_ALTCP
#include "lwip/altcp_tcp.h"
#endif
#if LWIP_ALTCP && LWIP_ALTCP_TLS
#include "lwip/altcp_tls.h"
#include "mbedtls/ssl.h"
#define ALIMQTT_LWIP_HAS_TLS 1
#else
#define ALIMQTT_LWIP_HAS_TLS 0
struct altcp_tls_config; // only ever a null pointer without TLS support
#endif
#if LWIP_DNS
#include "lwip/dns.h"
#endif

namespace alimqtt::lwip {

/// What the transport needs from the system around lwIP:
/// - `lock()`/`unlock()` bracket every lwIP call made outside an lwIP callback
///   (`cyw43_arch_lwip_begin/end` on a Pico W, `LOCK_TCPIP_CORE` on a host);
/// - `poll()` lets a polled stack run its pending work (`cyw43_arch_poll`);
/// - `wait_until(t)` sleeps until lwIP may have work for us, or `t`;
/// - `notify()` is called from lwIP callbacks (with the lock held) to end a
///   `wait_until` early; a no-op where callbacks already wake the waiter.
template <class P>
concept Platform = Clock<typename P::clock> && requires(typename P::clock::time_point t) {
    P::lock();
    P::unlock();
    P::poll();
    P::wait_until(t);
    P::notify();
};

/// How far an `open()` got, for diagnostics.
enum class Stage : std::uint8_t {
    none,
    dns,        ///< resolving the host name
    connect,    ///< TCP connect, and with TLS the handshake
    tls_verify, ///< the server certificate failed verification (see tls_verify_flags())
    established ///< connected (and handshake done)
};

/// Counters of the paths data took, for tuning buffers and for tests.
struct Stats {
    std::uint32_t rx_callbacks = 0;   ///< recv callbacks that carried data
    std::uint32_t rx_pbufs = 0;       ///< pbufs in those chains
    std::uint32_t rx_held = 0;        ///< times the ring was full and a pbuf was kept
    std::uint32_t tx_blocked = 0;     ///< send() calls that found no room
    std::uint32_t sent_callbacks = 0; ///< `sent` callbacks (acknowledged data)
};

/// A non-blocking MQTT byte stream over one lwIP `altcp_pcb`.
///
/// Callbacks only move bytes and set flags; every call from the application
/// takes `P::lock()`. Received data goes into a ring of `RxCapacity` bytes; a
/// pbuf that does not fit is kept (not refused) and drained as the ring empties,
/// and the TCP window is only reopened (`altcp_recved`) for bytes the
/// application has actually read. `send` writes at most `altcp_sndbuf` bytes
/// (and at most `MaxWrite`, which must not exceed `MBEDTLS_SSL_OUT_CONTENT_LEN`
/// with TLS) and reports would-block until the `sent` callback frees room.
///
/// The object registers itself as the callback argument: it must not move, and
/// it must outlive any DNS query it started (give it static storage).
template <Platform P, std::size_t RxCapacity = 2048, std::size_t MaxWrite = 1024>
class Transport {
    static_assert(RxCapacity > 0 && MaxWrite > 0 && MaxWrite <= 0xFFFF);

public:
    using clock = typename P::clock;
    using time_point = typename clock::time_point;

    /// A plain-TCP transport, or TLS when `tls` is a client config from
    /// `make_tls_config` (it must outlive the transport).
    explicit Transport(altcp_tls_config* tls = nullptr) noexcept : tls_(tls) {}
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;
    ~Transport() { abort(); }

    /// Switches between plain TCP (nullptr) and TLS for the next open().
    void use_tls(altcp_tls_config* tls) noexcept { tls_ = tls; }

#if ALIMQTT_LWIP_HAS_TLS
    /// Builds a TLS client config that verifies the server against `ca_pem`
    /// (one or more PEM certificates, NUL-terminated; `len` counts the NUL).
    /// Returns nullptr when the certificates do not parse or memory is short.
    static altcp_tls_config* make_tls_config(const char* ca_pem, std::size_t len) noexcept {
        Locked lock;
        return altcp_tls_create_config_client(reinterpret_cast<const u8_t*>(ca_pem), len);
    }
#endif

    /// Resolves `host`, connects to `port` and, with TLS, completes the handshake
    /// (SNI and certificate name check against `host`), all before `deadline`.
    /// On failure `stage()` and `lwip_error()` say where and why.
    Status open(const char* host, std::uint16_t port, time_point deadline) noexcept {
        abort();
        {
            Locked lock;
            stage_ = Stage::dns;
            state_ = State::resolving;
            err_ = ERR_OK;
            tls_verify_flags_ = 0;
            peer_closed_ = false;
#if LWIP_DNS
            resolving_host_ = host;
            const err_t e = dns_gethostbyname(host, &addr_, &Transport::on_dns, this);
            if (e == ERR_OK) state_ = State::resolved; // cached or a literal address
            else if (e != ERR_INPROGRESS) fail(e);
#else
            if (ipaddr_aton(host, &addr_)) state_ = State::resolved;
            else fail(ERR_ARG); // no DNS in this lwIP: only literal addresses
#endif
        }
        const bool resolved = wait_for([this] { return state_ != State::resolving; }, deadline);
        {
            Locked lock;
            resolving_host_ = nullptr; // a late DNS answer is ignored from now on
            if (!resolved) {
                state_ = State::idle;
                err_ = ERR_TIMEOUT;
                return Error::timeout;
            }
            if (state_ != State::resolved) return Error::transport_error;
            stage_ = Stage::connect;
            const err_t e = start_connect(host, port);
            if (e != ERR_OK) {
                fail(e);
                return Error::transport_error;
            }
        }
        if (!wait_for([this] { return state_ != State::connecting; }, deadline)) {
            abort();
            err_ = ERR_TIMEOUT;
            return Error::timeout;
        }
        Locked lock;
        if (state_ != State::connected) return Error::transport_error;
        stage_ = Stage::established;
        return {};
    }

    /// Writes as much of `out` as lwIP accepts now (a copy is queued: `out` may
    /// be reused on return). Would-block when the send buffer is full.
    IoResult send(std::span<const std::byte> out) noexcept {
        Locked lock;
        if (state_ != State::connected || pcb_ == nullptr) return broken();
        std::size_t n = std::min({out.size(), static_cast<std::size_t>(altcp_sndbuf(pcb_)), MaxWrite});
        if (n == 0) {
            ++stats_.tx_blocked;
            return IoResult::blocked();
        }
        const err_t e = altcp_write(pcb_, out.data(), static_cast<u16_t>(n), TCP_WRITE_FLAG_COPY);
        if (e == ERR_MEM) { // queue full: nothing was taken
            ++stats_.tx_blocked;
            return IoResult::blocked();
        }
        if (e != ERR_OK) return IoResult::failed(e);
        (void)altcp_output(pcb_); // on failure lwIP's timers retry; the bytes are queued
        return IoResult::done(n);
    }

    /// Reads what has arrived. Data received before a close or a reset is
    /// delivered first; then closed (FIN) or error (the lwIP err_t).
    IoResult recv(std::span<std::byte> in) noexcept {
        Locked lock;
        std::size_t n = rx_.pop(in);
        if (held_ != nullptr) {
            n += drain_held(in.subspan(n)); // straight to the caller, then top up the ring
            drain_held_into_ring();
        }
        if (n > 0) {
            open_window(n);
            return IoResult::done(n);
        }
        if (state_ == State::failed) return IoResult::failed(err_);
        if (peer_closed_) return IoResult::eof();
        if (state_ != State::connected) return broken();
        return IoResult::blocked();
    }

    /// Sleeps until data, a close, an error or (with `want_write`) send-buffer
    /// room may be there, or until `deadline`. Spurious wake-ups are allowed.
    void wait(time_point deadline, bool want_write) noexcept {
        wait_for([this, want_write] { return readable_or_done() || (want_write && writable()); }, deadline);
    }

    /// Graceful close (FIN); falls back to an abort if lwIP cannot close now.
    void close() noexcept {
        Locked lock;
        if (pcb_ != nullptr) {
            detach(pcb_);
            if (altcp_close(pcb_) != ERR_OK) altcp_abort(pcb_);
            pcb_ = nullptr;
        }
        reset_buffers();
        state_ = State::idle;
    }

    /// Drops the connection at once (RST) and forgets buffered data.
    void abort() noexcept {
        Locked lock;
        if (pcb_ != nullptr) {
            detach(pcb_);
            altcp_abort(pcb_);
            pcb_ = nullptr;
        }
        reset_buffers();
        state_ = State::idle;
    }

    /// True between a successful open() and a close, reset or error.
    bool is_open() const noexcept {
        Locked lock;
        return state_ == State::connected && !peer_closed_;
    }
    /// The step an open() reached (or failed at).
    Stage stage() const noexcept {
        Locked lock;
        return stage_;
    }
    /// The lwIP error behind the last failure (ERR_OK if none).
    err_t lwip_error() const noexcept {
        Locked lock;
        return err_;
    }
    /// mbedTLS verification flags seen when a handshake failed (0: none or not TLS).
    std::uint32_t tls_verify_flags() const noexcept {
        Locked lock;
        return tls_verify_flags_;
    }
    /// Counters since construction.
    Stats stats() const noexcept {
        Locked lock;
        return stats_;
    }

private:
    enum class State : std::uint8_t { idle, resolving, resolved, connecting, connected, failed };

    struct Locked {
        Locked() noexcept { P::lock(); }
        ~Locked() { P::unlock(); }
        Locked(const Locked&) = delete;
        Locked& operator=(const Locked&) = delete;
    };

    /// Fixed-size byte ring; only touched with the lwIP lock held.
    class Ring {
    public:
        std::size_t size() const noexcept { return size_; }
        std::size_t free() const noexcept { return RxCapacity - size_; }
        void clear() noexcept { head_ = size_ = 0; }
        /// Copies up to free() bytes of `p` from `offset`, walking the chain.
        std::size_t push(const pbuf* p, std::size_t offset) noexcept {
            std::size_t copied = 0;
            while (offset < p->tot_len && free() > 0) {
                const std::size_t tail = (head_ + size_) % RxCapacity;
                const std::size_t span = std::min({free(), RxCapacity - tail, std::size_t{p->tot_len} - offset});
                const u16_t got = pbuf_copy_partial(p, &bytes_[tail], static_cast<u16_t>(span),
                                                    static_cast<u16_t>(offset));
                if (got == 0) break;
                size_ += got;
                offset += got;
                copied += got;
            }
            return copied;
        }
        std::size_t pop(std::span<std::byte> out) noexcept {
            std::size_t n = 0;
            while (n < out.size() && size_ > 0) {
                const std::size_t run = std::min({out.size() - n, size_, RxCapacity - head_});
                std::copy_n(&bytes_[head_], run, &out[n]);
                head_ = (head_ + run) % RxCapacity;
                size_ -= run;
                n += run;
            }
            return n;
        }

    private:
        std::array<std::byte, RxCapacity> bytes_{};
        std::size_t head_ = 0;
        std::size_t size_ = 0;
    };

    // --- called with the lock held -------------------------------------

    err_t start_connect(const char* host, std::uint16_t port) noexcept {
        const u8_t type = IP_GET_TYPE(&addr_);
#if ALIMQTT_LWIP_HAS_TLS
        pcb_ = tls_ != nullptr ? altcp_tls_new(tls_, type) : altcp_tcp_new_ip_type(type);
#else
        pcb_ = altcp_tcp_new_ip_type(type);
        if (tls_ != nullptr) return ERR_ARG; // TLS asked of an lwIP built without it
#endif
        if (pcb_ == nullptr) return ERR_MEM;
#if ALIMQTT_LWIP_HAS_TLS
        if (tls_ != nullptr) {
            // SNI, and the name the certificate must carry.
            if (mbedtls_ssl_set_hostname(static_cast<mbedtls_ssl_context*>(altcp_tls_context(pcb_)), host) != 0) {
                altcp_abort(pcb_);
                pcb_ = nullptr;
                return ERR_MEM;
            }
        }
#else
        (void)host;
#endif
        altcp_arg(pcb_, this);
        altcp_recv(pcb_, &Transport::on_recv);
        altcp_sent(pcb_, &Transport::on_sent);
        altcp_err(pcb_, &Transport::on_err);
        altcp_nagle_disable(pcb_); // one-in-flight QoS 1 would stall ~40 ms per message
        state_ = State::connecting;
        const err_t e = altcp_connect(pcb_, &addr_, port, &Transport::on_connected);
        if (e != ERR_OK) {
            detach(pcb_);
            altcp_abort(pcb_);
            pcb_ = nullptr;
        }
        return e;
    }

    void fail(err_t e) noexcept {
        state_ = State::failed;
        err_ = e;
    }

    static void detach(altcp_pcb* pcb) noexcept {
        altcp_arg(pcb, nullptr);
        altcp_recv(pcb, nullptr);
        altcp_sent(pcb, nullptr);
        altcp_err(pcb, nullptr);
    }

    void reset_buffers() noexcept {
        if (held_ != nullptr) pbuf_free(held_);
        held_ = nullptr;
        held_off_ = 0;
        rx_.clear();
    }

    std::size_t drain_held(std::span<std::byte> out) noexcept {
        if (held_ == nullptr || out.empty()) return 0;
        const std::size_t want = std::min(out.size(), std::size_t{held_->tot_len} - held_off_);
        const u16_t got = pbuf_copy_partial(held_, out.data(), static_cast<u16_t>(want), static_cast<u16_t>(held_off_));
        held_off_ += got;
        release_held_if_done();
        return got;
    }

    void drain_held_into_ring() noexcept {
        if (held_ == nullptr) return;
        held_off_ += rx_.push(held_, held_off_);
        release_held_if_done();
    }

    void release_held_if_done() noexcept {
        if (held_ != nullptr && held_off_ >= held_->tot_len) {
            pbuf_free(held_);
            held_ = nullptr;
            held_off_ = 0;
        }
    }

    void open_window(std::size_t n) noexcept {
        if (pcb_ == nullptr) return;
        while (n > 0) {
            const auto chunk = static_cast<u16_t>(std::min<std::size_t>(n, 0xFFFF));
            altcp_recved(pcb_, chunk);
            n -= chunk;
        }
    }

    IoResult broken() const noexcept { return IoResult::failed(err_ != ERR_OK ? err_ : static_cast<err_t>(ERR_CONN)); }

    bool readable_or_done() const noexcept {
        return rx_.size() > 0 || held_ != nullptr || peer_closed_ || state_ == State::failed;
    }
    bool writable() const noexcept {
        return state_ == State::connected && pcb_ != nullptr && altcp_sndbuf(pcb_) > 0;
    }

    // --- waiting (lock taken only to test the predicate) -----------------

    template <class Pred>
    bool wait_for(Pred ready, time_point deadline) noexcept {
        for (;;) {
            P::poll();
            {
                Locked lock;
                if (ready()) return true;
            }
            if (clock::now() >= deadline) return false;
            P::wait_until(deadline);
        }
    }

    // --- lwIP callbacks: run with the lock held; move data, set flags ----

#if LWIP_DNS
    static void on_dns(const char* name, const ip_addr_t* ip, void* arg) {
        auto* self = static_cast<Transport*>(arg);
        // Only the answer the current open() waits for; an earlier open()
        // that gave up may have asked for another name.
        if (self->state_ != State::resolving || self->resolving_host_ == nullptr ||
            std::strcmp(name, self->resolving_host_) != 0)
            return;
        if (ip != nullptr) {
            self->addr_ = *ip;
            self->state_ = State::resolved;
        } else {
            self->fail(ERR_VAL); // name not found or DNS timed out
        }
        P::notify();
    }
#endif

    static err_t on_connected(void* arg, altcp_pcb*, err_t err) {
        auto* self = static_cast<Transport*>(arg);
        if (self == nullptr) return ERR_OK;
        if (err != ERR_OK) self->fail(err);
        else self->state_ = State::connected; // with TLS: after the handshake
        P::notify();
        return ERR_OK;
    }

    static err_t on_recv(void* arg, altcp_pcb*, pbuf* p, err_t err) {
        auto* self = static_cast<Transport*>(arg);
        if (p == nullptr) { // FIN: the peer will send nothing more
            if (self != nullptr) self->peer_closed_ = true;
            P::notify();
            return ERR_OK;
        }
        if (self == nullptr || err != ERR_OK) {
            pbuf_free(p);
            return ERR_OK;
        }
        ++self->stats_.rx_callbacks;
        for (const pbuf* q = p; q != nullptr; q = q->next) ++self->stats_.rx_pbufs;
        if (self->held_ != nullptr) {
            ++self->stats_.rx_held;
            pbuf_cat(self->held_, p); // keeps ownership; the window bounds how much
        } else {
            const std::size_t taken = self->rx_.push(p, 0);
            if (taken == p->tot_len) {
                pbuf_free(p);
            } else {
                ++self->stats_.rx_held;
                self->held_ = p;
                self->held_off_ = taken;
            }
        }
        P::notify();
        return ERR_OK;
    }

    static err_t on_sent(void* arg, altcp_pcb*, u16_t) {
        if (auto* self = static_cast<Transport*>(arg)) ++self->stats_.sent_callbacks;
        P::notify(); // room in the send buffer again
        return ERR_OK;
    }

    /// The pcb is already freed when this runs: only forget it.
    static void on_err(void* arg, err_t err) {
        auto* self = static_cast<Transport*>(arg);
        if (self == nullptr) return;
#if ALIMQTT_LWIP_HAS_TLS
        // The TLS layer frees its state only after this callback returns.
        if (self->tls_ != nullptr && self->state_ == State::connecting && self->pcb_ != nullptr) {
            if (auto* ssl = static_cast<mbedtls_ssl_context*>(altcp_tls_context(self->pcb_))) {
                const std::uint32_t flags = mbedtls_ssl_get_verify_result(ssl);
                if (flags != 0 && flags != 0xFFFFFFFFu) { // 0: not verified (yet) or fine
                    self->tls_verify_flags_ = flags;
                    self->stage_ = Stage::tls_verify;
                }
            }
        }
#endif
        self->pcb_ = nullptr;
        self->fail(err);
        P::notify();
    }

    altcp_tls_config* tls_ = nullptr;
    altcp_pcb* pcb_ = nullptr;
    const char* resolving_host_ = nullptr; ///< the name open() is resolving (valid during open())
    ip_addr_t addr_{};
    Ring rx_{};
    pbuf* held_ = nullptr;     ///< received data the ring had no room for
    std::size_t held_off_ = 0; ///< bytes of held_ already taken
    State state_ = State::idle;
    Stage stage_ = Stage::none;
    bool peer_closed_ = false;
    err_t err_ = ERR_OK;
    std::uint32_t tls_verify_flags_ = 0;
    Stats stats_{};
};

} // namespace alimqtt::lwip
