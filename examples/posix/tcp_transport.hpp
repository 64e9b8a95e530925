// examples/posix/tcp_transport.hpp — the POSIX adapter: a non-blocking TCP
// stream over BSD sockets that satisfies alimqtt::Transport and WaitableTransport.
#pragma once

#include <alimqtt/concepts.hpp>
#include <alimqtt/error.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

namespace alimqtt::posix {

/// The clock every POSIX adapter and the example tools use.
using SteadyClock = std::chrono::steady_clock;

namespace detail {

/// Milliseconds from now until `deadline` for poll(2), rounded up so that a
/// wait never ends a hair early; 0 once the deadline has passed.
inline int poll_timeout_ms(SteadyClock::time_point deadline) noexcept {
    if (deadline == SteadyClock::time_point::max()) return -1;
    const auto now = SteadyClock::now();
    if (deadline <= now) return 0;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    return left > INT_MAX ? INT_MAX : static_cast<int>(left);
}

/// poll(2) one descriptor until an event, the deadline, or a signal.
/// Returns the revents (0 on timeout or EINTR: a spurious wake-up).
inline short poll_one(int fd, short events, SteadyClock::time_point deadline) noexcept {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, poll_timeout_ms(deadline));
    return n > 0 ? p.revents : 0;
}

/// The send(2) flag that suppresses SIGPIPE where the platform has one.
#if defined(MSG_NOSIGNAL)
inline constexpr int kSendFlags = MSG_NOSIGNAL;
#else
inline constexpr int kSendFlags = 0; // macOS/BSD: SO_NOSIGPIPE is set on the socket instead
#endif

/// Frees a getaddrinfo list.
struct FreeAddrInfo {
    void operator()(addrinfo* list) const noexcept { ::freeaddrinfo(list); }
};
/// An owned getaddrinfo list.
using AddrInfoList = std::unique_ptr<addrinfo, FreeAddrInfo>;

/// What a resolver thread and the connect() waiting for it share. Whoever lets
/// go of it last destroys it: when connect() gave up at its deadline, that is
/// the resolver thread, and the late answer is freed with it.
struct PendingResolution {
    std::mutex mutex;
    std::condition_variable answered;
    bool done = false;       ///< getaddrinfo returned; rc and list are set
    int rc = 0;              ///< getaddrinfo's return code
    addrinfo* list = nullptr; ///< the answer until connect() takes it
    ~PendingResolution() {
        if (list) ::freeaddrinfo(list);
    }
};

} // namespace detail

/// A TCP connection to an MQTT broker. Non-blocking after connect(): send and
/// recv never block, wait() sleeps in poll(2). Move-only; closes on destruction.
/// Never raises SIGPIPE (MSG_NOSIGNAL / SO_NOSIGPIPE).
class TcpTransport {
public:
    TcpTransport() noexcept = default;
    TcpTransport(const TcpTransport&) = delete;
    TcpTransport& operator=(const TcpTransport&) = delete;
    TcpTransport(TcpTransport&& o) noexcept : fd_(std::exchange(o.fd_, -1)), error_(std::move(o.error_)) {}
    TcpTransport& operator=(TcpTransport&& o) noexcept {
        if (this != &o) {
            close();
            fd_ = std::exchange(o.fd_, -1);
            error_ = std::move(o.error_);
        }
        return *this;
    }
    ~TcpTransport() { close(); }

    /// Resolves `host` (name, IPv4 or IPv6 literal) and connects to the first
    /// address that answers before `deadline`. Each address gets an equal
    /// share of the time left, so a dead IPv6 route cannot eat all of it.
    /// The deadline bounds name resolution too: an IP literal is parsed in
    /// place; a name is resolved by getaddrinfo on a detached worker thread,
    /// and connect() stops waiting for it at the deadline (the worker frees
    /// its late answer itself), so a DNS server that never answers cannot
    /// hold the caller for the resolver's own timeouts.
    /// Errors: timeout (also "resolving <host> took longer than the deadline"),
    /// transport_error (reason in last_error()).
    Status connect(std::string_view host, std::uint16_t port, SteadyClock::time_point deadline) {
        close();
        error_.clear();
        const std::string host_z(host);
        const std::string port_z = std::to_string(port);
        detail::AddrInfoList list;
        if (Status s = resolve(host_z, port_z, deadline, list); !s.ok()) return s;
        int count = 0;
        for (addrinfo* a = list.get(); a; a = a->ai_next) ++count;
        Error last = Error::transport_error;
        for (addrinfo* a = list.get(); a; a = a->ai_next, --count) {
            const auto now = SteadyClock::now();
            if (now >= deadline) {
                last = Error::timeout;
                break;
            }
            const auto share = deadline == SteadyClock::time_point::max() ? deadline : now + (deadline - now) / count;
            const Status s = connect_one(*a, share);
            if (s.ok()) {
                error_.clear();
                return {};
            }
            last = s.error();
        }
        if (last == Error::timeout && error_.empty())
            error_ = "connect to " + host_z + ":" + port_z + " timed out";
        return last;
    }

    /// Adopts an already-connected socket (tests, socketpair, accept()).
    /// Makes it non-blocking and SIGPIPE-free.
    void adopt(int fd) noexcept {
        close();
        fd_ = fd;
        prepare_socket(fd_);
    }

    /// Writes up to out.size() bytes; would_block when the socket buffer is full;
    /// error (EPIPE, ECONNRESET, ...) when the peer is gone. Never SIGPIPE.
    IoResult send(std::span<const std::byte> out) noexcept {
        if (fd_ < 0) return IoResult::failed(EBADF);
        if (out.empty()) return IoResult::done(0);
        for (;;) {
            const ssize_t n = ::send(fd_, out.data(), out.size(), detail::kSendFlags);
            if (n >= 0) return IoResult::done(static_cast<std::size_t>(n));
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return IoResult::blocked();
            return IoResult::failed(errno);
        }
    }

    /// Reads what is available now: ok (>= 1 byte), would_block, closed
    /// (orderly shutdown by the peer) or error (e.g. ECONNRESET).
    IoResult recv(std::span<std::byte> in) noexcept {
        if (fd_ < 0) return IoResult::failed(EBADF);
        if (in.empty()) return IoResult::done(0);
        for (;;) {
            const ssize_t n = ::recv(fd_, in.data(), in.size(), 0);
            if (n > 0) return IoResult::done(static_cast<std::size_t>(n));
            if (n == 0) return IoResult::eof();
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return IoResult::blocked();
            return IoResult::failed(errno);
        }
    }

    /// Sleeps until the socket is readable (or writable, with `want_write`),
    /// has an error/hang-up, or `deadline` passes. Returns true when an event
    /// is pending; false on timeout or a signal (a spurious wake-up).
    bool wait(SteadyClock::time_point deadline, bool want_write = false) noexcept {
        if (fd_ < 0) return true; // nothing to wait for: let the caller see the error
        const short events = static_cast<short>(POLLIN | (want_write ? POLLOUT : 0));
        return detail::poll_one(fd_, events, deadline) != 0;
    }

    /// Sends a FIN after the last byte (the peer's recv sees end of stream)
    /// while reads stay possible.
    void shutdown_write() noexcept {
        if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
    }

    /// Closes the socket. Safe to call twice.
    void close() noexcept {
        if (fd_ >= 0) {
            ::close(fd_); // no retry on EINTR: on Linux the descriptor is gone either way
            fd_ = -1;
        }
    }

    /// True between a successful connect() and close().
    bool is_open() const noexcept { return fd_ >= 0; }
    /// The socket descriptor, -1 when closed.
    int native_handle() const noexcept { return fd_; }
    /// Why the last connect() failed, for the user ("connection refused", ...).
    const std::string& last_error() const noexcept { return error_; }

private:
    /// getaddrinfo bounded by `deadline`. An IP literal needs no resolver
    /// (AI_NUMERICHOST) and is parsed here; a name is looked up on a detached
    /// thread while this one waits for its answer or the deadline.
    Status resolve(const std::string& host, const std::string& port, SteadyClock::time_point deadline,
                   detail::AddrInfoList& out) {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_protocol = IPPROTO_TCP;
        addrinfo* list = nullptr;
        addrinfo numeric = hints;
        numeric.ai_flags = AI_NUMERICHOST;
        if (::getaddrinfo(host.c_str(), port.c_str(), &numeric, &list) == 0) {
            out.reset(list);
            return {};
        }
        auto pending = std::make_shared<detail::PendingResolution>();
        auto lookup = [pending, host, port, hints] {
#if defined(__linux__)
            ::pthread_setname_np(::pthread_self(), "alimqtt-resolve"); // visible in ps, top, gdb
#endif
            addrinfo* answer = nullptr;
            const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &answer);
            const std::lock_guard lock(pending->mutex);
            pending->rc = rc;
            pending->list = answer;
            pending->done = true;
            pending->answered.notify_one();
        };
#if defined(__cpp_exceptions)
        try {
            std::thread(std::move(lookup)).detach();
        } catch (const std::system_error& e) {
            error_ = "cannot resolve " + host + ": no thread for the resolver: " + e.what();
            return Error::transport_error;
        }
#else
        std::thread(std::move(lookup)).detach(); // without exceptions, a failed start aborts
#endif
        std::unique_lock lock(pending->mutex);
        const auto has_answer = [&pending] { return pending->done; };
        if (deadline == SteadyClock::time_point::max()) {
            pending->answered.wait(lock, has_answer);
        } else if (!pending->answered.wait_until(lock, deadline, has_answer)) {
            error_ = "resolving " + host + " took longer than the deadline";
            return Error::timeout;
        }
        if (pending->rc != 0) {
            error_ = "cannot resolve " + host + ": " + ::gai_strerror(pending->rc);
            return Error::transport_error;
        }
        out.reset(std::exchange(pending->list, nullptr));
        return {};
    }

    static void prepare_socket(int fd) noexcept {
        const int flags = ::fcntl(fd, F_GETFL, 0);
        if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        const int one = 1;
        // Nagle off: with it, a one-in-flight QoS 1 exchange stalls ~40 ms per message.
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#if defined(SO_NOSIGPIPE)
        ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    }

    Status connect_one(const addrinfo& a, SteadyClock::time_point deadline) {
        const int fd = ::socket(a.ai_family, a.ai_socktype, a.ai_protocol);
        if (fd < 0) {
            error_ = std::string("socket: ") + std::strerror(errno);
            return Error::transport_error;
        }
        prepare_socket(fd);
        // Non-blocking connect: EINPROGRESS (or EINTR, after which the connection
        // also proceeds asynchronously) means "poll for writability".
        const int rc = ::connect(fd, a.ai_addr, a.ai_addrlen);
        if (rc < 0 && errno != EINPROGRESS && errno != EINTR) {
            error_ = describe(a, std::strerror(errno));
            ::close(fd);
            return Error::transport_error;
        }
        if (rc < 0) {
            // Wait for writability, then read the outcome from SO_ERROR.
            for (;;) {
                pollfd p{fd, POLLOUT, 0};
                const int n = ::poll(&p, 1, detail::poll_timeout_ms(deadline));
                if (n > 0) break;
                if (n < 0 && errno == EINTR) continue;
                if (n == 0 && SteadyClock::now() < deadline) continue;
                error_ = describe(a, n == 0 ? "timed out" : std::strerror(errno));
                ::close(fd);
                return n == 0 ? Error::timeout : Error::transport_error;
            }
            int so_error = 0;
            socklen_t len = sizeof so_error;
            if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) < 0) so_error = errno;
            if (so_error != 0) {
                error_ = describe(a, std::strerror(so_error));
                ::close(fd);
                return Error::transport_error;
            }
        }
        fd_ = fd;
        return {};
    }

    static std::string describe(const addrinfo& a, const char* what) {
        char host[NI_MAXHOST] = "?";
        char serv[NI_MAXSERV] = "?";
        ::getnameinfo(a.ai_addr, a.ai_addrlen, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
        const bool v6 = a.ai_family == AF_INET6;
        return std::string("connect to ") + (v6 ? "[" : "") + host + (v6 ? "]" : "") + ":" + serv + ": " + what;
    }

    int fd_ = -1;
    std::string error_;
};

static_assert(alimqtt::Transport<TcpTransport>);
static_assert(alimqtt::WaitableTransport<TcpTransport, SteadyClock>);

} // namespace alimqtt::posix
