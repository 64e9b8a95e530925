// Tests of the POSIX TCP adapter against real sockets on the loopback interface:
// connect, partial sends, would-block, peer close/reset, timeouts, no SIGPIPE.
#include "catch.hpp"
#include "loopback.hpp"

#include <tcp_transport.hpp>

#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <dirent.h>

using alimqtt::Error;
using alimqtt::IoStatus;
using alimqtt::posix::SteadyClock;
using alimqtt::posix::TcpTransport;
using namespace std::chrono_literals;
using test::Listener;

namespace {

std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

// Reads exactly n bytes from the transport, waiting in between.
std::string read_exactly(TcpTransport& t, std::size_t n) {
    std::string out;
    std::array<std::byte, 4096> buf{};
    while (out.size() < n) {
        const auto r = t.recv(std::span(buf).first(std::min(buf.size(), n - out.size())));
        if (r.status == IoStatus::ok) out.append(reinterpret_cast<const char*>(buf.data()), r.bytes);
        else if (r.status == IoStatus::would_block) t.wait(SteadyClock::now() + 5s);
        else break;
    }
    return out;
}

} // namespace

TEST_CASE("connect to a loopback listener, then bytes flow both ways") {
    Listener l("127.0.0.1");
    TcpTransport t;
    REQUIRE(t.connect("127.0.0.1", l.port(), SteadyClock::now() + 5s).ok());
    CHECK(t.is_open());
    test::Fd peer = l.accept();

    const auto sent = t.send(bytes_of("hello"));
    REQUIRE(sent.status == IoStatus::ok);
    CHECK(sent.bytes == 5);
    CHECK(test::read_blocking(peer.get(), 5) == "hello");

    test::write_all(peer.get(), "world!");
    CHECK(read_exactly(t, 6) == "world!");
}

TEST_CASE("TCP_NODELAY is set on the connected socket") {
    Listener l("127.0.0.1");
    TcpTransport t;
    REQUIRE(t.connect("127.0.0.1", l.port(), SteadyClock::now() + 5s).ok());
    int v = 0;
    socklen_t len = sizeof v;
    REQUIRE(::getsockopt(t.native_handle(), IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0);
    CHECK(v != 0);
    CHECK((::fcntl(t.native_handle(), F_GETFL) & O_NONBLOCK) != 0);
}

TEST_CASE("a host name is resolved: localhost connects") {
    Listener l("127.0.0.1");
    TcpTransport t;
    REQUIRE(t.connect("localhost", l.port(), SteadyClock::now() + 5s).ok());
    test::Fd peer = l.accept();
    REQUIRE(t.send(bytes_of("x")).bytes == 1);
    CHECK(test::read_blocking(peer.get(), 1) == "x");
}

TEST_CASE("an IPv6 literal connects over ::1") {
    if (!test::ipv6_loopback_available()) {
        WARN("no IPv6 loopback on this machine: IPv6 connect not exercised");
        return;
    }
    Listener l("::1");
    TcpTransport t;
    REQUIRE(t.connect("::1", l.port(), SteadyClock::now() + 5s).ok());
    test::Fd peer = l.accept();
    REQUIRE(t.send(bytes_of("v6")).bytes == 2);
    CHECK(test::read_blocking(peer.get(), 2) == "v6");
}

TEST_CASE("recv with nothing to read is would_block, and wait() wakes when data arrives") {
    Listener l("127.0.0.1");
    TcpTransport t;
    REQUIRE(t.connect("127.0.0.1", l.port(), SteadyClock::now() + 5s).ok());
    test::Fd peer = l.accept();
    std::array<std::byte, 16> buf{};
    CHECK(t.recv(buf).status == IoStatus::would_block);
    CHECK_FALSE(t.wait(SteadyClock::now() - 1s)); // a past deadline returns at once
    test::write_all(peer.get(), "ping");
    CHECK(t.wait(SteadyClock::now() + 10s));
    const auto r = t.recv(buf);
    REQUIRE(r.status == IoStatus::ok);
    CHECK(r.bytes == 4);
}

TEST_CASE("a full socket buffer gives partial sends then would_block, and no byte is lost") {
    Listener l("127.0.0.1");
    TcpTransport t;
    REQUIRE(t.connect("127.0.0.1", l.port(), SteadyClock::now() + 5s).ok());
    test::Fd peer = l.accept();
    // Shrink both buffers so the test needs little memory.
    const int small = 16 * 1024;
    ::setsockopt(t.native_handle(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(peer.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);

    std::vector<std::byte> pattern(4 * 1024 * 1024);
    for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<std::byte>(i * 7 + i / 251);
    std::size_t accepted = 0;
    bool saw_partial = false;
    bool saw_block = false;
    while (!saw_block) {
        const auto r = t.send(std::span(pattern).subspan(accepted));
        if (r.status == IoStatus::would_block) {
            saw_block = true;
            break;
        }
        REQUIRE(r.status == IoStatus::ok);
        if (r.bytes < pattern.size() - accepted) saw_partial = true;
        accepted += r.bytes;
        REQUIRE(accepted < pattern.size());
    }
    CHECK(saw_partial);
    CHECK(t.wait(SteadyClock::now() - 1s, /*want_write=*/true) == false);

    // Drain on the peer while the transport finishes the rest.
    std::vector<std::byte> got;
    got.reserve(pattern.size());
    ::fcntl(peer.get(), F_SETFL, ::fcntl(peer.get(), F_GETFL) | O_NONBLOCK);
    std::array<std::byte, 65536> buf{};
    while (got.size() < pattern.size()) {
        if (accepted < pattern.size()) {
            const auto r = t.send(std::span(pattern).subspan(accepted));
            REQUIRE((r.status == IoStatus::ok || r.status == IoStatus::would_block));
            accepted += r.bytes;
        }
        const ssize_t n = ::recv(peer.get(), buf.data(), buf.size(), 0);
        if (n > 0) got.insert(got.end(), buf.begin(), buf.begin() + n);
        else if (n < 0 && errno == EAGAIN) {
            pollfd p{peer.get(), POLLIN, 0};
            ::poll(&p, 1, 10);
        } else FAIL("peer recv failed");
    }
    CHECK(std::memcmp(got.data(), pattern.data(), pattern.size()) == 0);
}

TEST_CASE("an orderly close by the peer is reported as closed") {
    Listener l("127.0.0.1");
    TcpTransport t;
    REQUIRE(t.connect("127.0.0.1", l.port(), SteadyClock::now() + 5s).ok());
    {
        test::Fd peer = l.accept();
        test::write_all(peer.get(), "bye");
    } // peer closed
    CHECK(read_exactly(t, 3) == "bye");
    std::array<std::byte, 8> buf{};
    REQUIRE(t.wait(SteadyClock::now() + 10s));
    CHECK(t.recv(buf).status == IoStatus::closed);
}

TEST_CASE("a reset by the peer is an error with ECONNRESET") {
    Listener l("127.0.0.1");
    TcpTransport t;
    REQUIRE(t.connect("127.0.0.1", l.port(), SteadyClock::now() + 5s).ok());
    {
        test::Fd peer = l.accept();
        const linger abort_close{1, 0};
        ::setsockopt(peer.get(), SOL_SOCKET, SO_LINGER, &abort_close, sizeof abort_close);
    } // RST
    std::array<std::byte, 8> buf{};
    REQUIRE(t.wait(SteadyClock::now() + 10s));
    const auto r = t.recv(buf);
    CHECK(r.status == IoStatus::error);
    CHECK(r.code == ECONNRESET);
}

TEST_CASE("sending to a closed peer returns an error and does not raise SIGPIPE") {
    // Default disposition: a SIGPIPE would kill this test binary.
    const auto previous = std::signal(SIGPIPE, SIG_DFL);
    Listener l("127.0.0.1");
    TcpTransport t;
    REQUIRE(t.connect("127.0.0.1", l.port(), SteadyClock::now() + 5s).ok());
    l.accept(); // accepted and closed at once
    alimqtt::IoResult r;
    for (int i = 0; i < 1000; ++i) { // the first sends may still be accepted
        r = t.send(bytes_of("data after close"));
        if (r.status == IoStatus::error) break;
        t.wait(SteadyClock::now() + 100ms);
    }
    std::signal(SIGPIPE, previous);
    REQUIRE(r.status == IoStatus::error);
    CHECK((r.code == EPIPE || r.code == ECONNRESET));
}

TEST_CASE("connecting to a port nobody listens on fails with the reason") {
    const std::uint16_t port = test::unused_port();
    TcpTransport t;
    const auto s = t.connect("127.0.0.1", port, SteadyClock::now() + 5s);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error() == Error::transport_error);
    CHECK(t.last_error().find("refused") != std::string::npos);
    CHECK_FALSE(t.is_open());
}

TEST_CASE("a connect that gets no answer ends with timeout at the deadline") {
    // A listener with a full accept queue drops further SYNs (Linux), so the
    // next connect neither succeeds nor fails: only the deadline ends it.
    Listener l("127.0.0.1", /*backlog=*/0);
    std::vector<TcpTransport> fillers(4);
    Error last{};
    for (auto& f : fillers) {
        const auto s = f.connect("127.0.0.1", l.port(), SteadyClock::now() + 300ms);
        if (!s.ok()) {
            last = s.error();
            break;
        }
    }
    CHECK(last == Error::timeout);
}

TEST_CASE("send and recv after close fail with EBADF; close twice is harmless") {
    Listener l("127.0.0.1");
    TcpTransport t;
    REQUIRE(t.connect("127.0.0.1", l.port(), SteadyClock::now() + 5s).ok());
    t.close();
    t.close();
    std::array<std::byte, 4> buf{};
    CHECK(t.send(buf).code == EBADF);
    CHECK(t.recv(buf).code == EBADF);
}

TEST_CASE("a name that does not resolve fails with a resolver message") {
    TcpTransport t;
    const auto s = t.connect("name.that.does.not.exist.invalid", 1883, SteadyClock::now() + 5s);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error() == Error::transport_error);
    CHECK(t.last_error().find("cannot resolve") != std::string::npos);
}

namespace {

// Threads of this process named `name` (/proc/self/task/<tid>/comm).
int threads_named(std::string_view name) {
    DIR* tasks = ::opendir("/proc/self/task");
    if (!tasks) return -1;
    int n = 0;
    while (const dirent* e = ::readdir(tasks)) {
        if (e->d_name[0] == '.') continue;
        const std::string path = std::string("/proc/self/task/") + e->d_name + "/comm";
        if (std::FILE* f = std::fopen(path.c_str(), "r")) {
            char comm[32] = {};
            if (std::fgets(comm, sizeof comm, f) && std::string_view(comm).substr(0, name.size()) == name &&
                (comm[name.size()] == '\n' || comm[name.size()] == '\0'))
                ++n;
            std::fclose(f);
        }
    }
    ::closedir(tasks);
    return n;
}

// Answers one DNS query (RFC 1035 4.1) read from `dns`, sent by `from`: an A
// question gets 127.0.0.1, any other type an empty NOERROR answer.
void answer_query(int dns, std::string_view query, const sockaddr_in& from) {
    REQUIRE(query.size() >= 12 + 1 + 4);
    std::size_t end = 12; // the question: labels up to the root label, then QTYPE and QCLASS
    while (end < query.size() && query[end] != 0) end += 1 + static_cast<unsigned char>(query[end]);
    end += 1 + 4;
    REQUIRE(end <= query.size());
    const bool type_a = query[end - 4] == 0 && query[end - 3] == 1;
    std::string reply(query.substr(0, 2));                     // ID
    reply += std::string("\x81\x80\x00\x01\x00", 5);           // QR RD RA, NOERROR, QDCOUNT 1
    reply += type_a ? '\x01' : '\x00';                         // ANCOUNT
    reply += std::string(4, '\0');                             // NSCOUNT, ARCOUNT
    reply += query.substr(12, end - 12);                       // the question
    if (type_a)                                                // name -> question, A IN, TTL 60, 127.0.0.1
        reply += std::string("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01", 16);
    REQUIRE(::sendto(dns, reply.data(), reply.size(), 0, reinterpret_cast<const sockaddr*>(&from), sizeof from) ==
            static_cast<ssize_t>(reply.size()));
}

} // namespace

// Hidden ([.]): needs a network namespace whose resolv.conf names 127.0.0.1 as
// the only DNS server with "options timeout:5 attempts:2". silent_dns_run.sh
// makes one and runs this case in it (ctest test_tcp_transport_silent_dns).
TEST_CASE("a DNS server silent past the deadline ends connect with timeout naming the host, "
          "and the late answer is freed by the resolver thread",
          "[.][silent_dns]") {
    if (std::getenv("ALIMQTT_SILENT_DNS") == nullptr)
        FAIL("run through tests/posix/silent_dns_run.sh: it sets up the silent resolver");
    // The DNS server: a UDP socket on 127.0.0.1:53 that reads queries and, until
    // connect() has returned, answers none.
    test::Fd dns(::socket(AF_INET, SOCK_DGRAM, 0));
    REQUIRE(dns.get() >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(53);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(dns.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(threads_named("alimqtt-resolve") == 0);

    TcpTransport t;
    const auto start = SteadyClock::now();
    const auto s = t.connect("no-such-host.invalid", 1883, start + 500ms);
    const auto took = SteadyClock::now() - start;
    REQUIRE_FALSE(s.ok());
    CHECK(s.error() == Error::timeout);
    CHECK(t.last_error() == "resolving no-such-host.invalid took longer than the deadline");
    CHECK_FALSE(t.is_open());
    // The resolver's first try alone waits 5 s (timeout:5) for an answer that
    // never comes, so returning sooner means the deadline ended the wait.
    CHECK(took < 5s);

    // The resolver did ask our server for that very name (the query's labels:
    // 12 "no-such-host" 7 "invalid"): the silence was what it waited on. It asks
    // for A and AAAA (AF_UNSPEC); answer both now, after the deadline. Its
    // thread (which names itself before it asks) is still waiting for them.
    const std::string_view qname("\x0cno-such-host\x07invalid\x00", 22);
    for (int answered = 0; answered < 2; ++answered) {
        pollfd p{dns.get(), POLLIN, 0};
        REQUIRE(::poll(&p, 1, 5000) == 1);
        std::array<char, 512> query{};
        sockaddr_in from{};
        socklen_t from_len = sizeof from;
        const ssize_t n = ::recvfrom(dns.get(), query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&from),
                                     &from_len);
        REQUIRE(n > 12);
        const std::string_view q(query.data(), static_cast<std::size_t>(n));
        CHECK(q.find(qname) != std::string_view::npos);
        if (answered == 0) CHECK(threads_named("alimqtt-resolve") == 1);
        answer_query(dns.get(), q, from);
    }
    // The resolver thread now gets its (late) addresses and ends; nobody takes
    // them, so it frees them itself: LeakSanitizer checks at exit that it did.
    const auto give_up = SteadyClock::now() + 10s;
    while (threads_named("alimqtt-resolve") != 0 && SteadyClock::now() < give_up) ::poll(nullptr, 0, 10);
    CHECK(threads_named("alimqtt-resolve") == 0);

    // An IP literal needs no resolver: it still connects in the same place.
    Listener l("127.0.0.1");
    TcpTransport literal;
    REQUIRE(literal.connect("127.0.0.1", l.port(), SteadyClock::now() + 5s).ok());
}
