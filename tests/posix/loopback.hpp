// tests/posix/loopback.hpp — tiny blocking socket helpers for the adapter tests:
// a listener on an ephemeral loopback port and the peer side of a connection.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace test {

/// An owned file descriptor.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        reset();
        fd_ = std::exchange(o.fd_, -1);
        return *this;
    }
    ~Fd() { reset(); }
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

inline bool fill_addr(const char* host, std::uint16_t port, sockaddr_storage& ss, socklen_t& len) {
    std::memset(&ss, 0, sizeof ss);
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (::inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        len = sizeof *v4;
        return true;
    }
    if (::inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        len = sizeof *v6;
        return true;
    }
    return false;
}

/// A blocking listening socket on `host` (an IP literal), ephemeral port.
class Listener {
public:
    explicit Listener(const char* host, int backlog = 16) {
        sockaddr_storage ss;
        socklen_t len = 0;
        if (!fill_addr(host, 0, ss, len)) throw std::runtime_error("bad host");
        fd_ = Fd(::socket(ss.ss_family, SOCK_STREAM, 0));
        const int one = 1;
        ::setsockopt(fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) throw std::runtime_error("bind failed");
        if (::listen(fd_.get(), backlog) != 0) throw std::runtime_error("listen failed");
        ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len);
        port_ = ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                              : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    }
    std::uint16_t port() const { return port_; }
    int fd() const { return fd_.get(); }
    /// Blocks until a connection arrives.
    Fd accept() { return Fd(::accept(fd_.get(), nullptr, nullptr)); }

private:
    Fd fd_;
    std::uint16_t port_ = 0;
};

/// A loopback port that nothing listens on right now.
inline std::uint16_t unused_port() {
    Listener l("127.0.0.1");
    return l.port(); // closed on return: connects are refused
}

inline bool ipv6_loopback_available() {
    Fd s(::socket(AF_INET6, SOCK_STREAM, 0));
    if (s.get() < 0) return false;
    sockaddr_storage ss;
    socklen_t len = 0;
    fill_addr("::1", 0, ss, len);
    return ::bind(s.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0;
}

/// Writes everything (blocking socket).
inline void write_all(int fd, std::string_view s) {
    while (!s.empty()) {
        const ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error("peer write failed");
        s.remove_prefix(static_cast<std::size_t>(n));
    }
}

/// Reads exactly n bytes (blocking socket); fewer if the stream ends.
inline std::string read_blocking(int fd, std::size_t n) {
    std::string out(n, '\0');
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = ::recv(fd, out.data() + got, n - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += static_cast<std::size_t>(r);
    }
    out.resize(got);
    return out;
}

} // namespace test
