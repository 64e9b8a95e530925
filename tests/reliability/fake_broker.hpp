// tests/reliability/fake_broker.hpp — a scriptable MQTT broker on 127.0.0.1 that
// plays one scenario per test on its own thread, over a real TCP socket.
#pragma once

#include <alimqtt/codec/decode.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "wire.hpp"

namespace rel {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// Thrown on the broker thread when the client does not do what the script
/// expects; FakeBroker::finish() hands the message to the test thread.
struct BrokerFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The test ended the broker early (FakeBroker destroyed while a script waited).
struct BrokerStopped : BrokerFailure {
    BrokerStopped() : BrokerFailure("broker stopped by the test") {}
};

/// Packet type numbers (2.2.1), as the broker sees them.
enum Type : std::uint8_t {
    CONNECT = 1, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP,
    SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT
};

inline const char* type_name(unsigned t) {
    static const char* const names[] = {"reserved(0)", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC",
                                        "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK",
                                        "PINGREQ", "PINGRESP", "DISCONNECT", "reserved(15)"};
    return t < 16 ? names[t] : "?";
}

/// One whole packet the client sent. The broker has already checked that it
/// decodes with the codec's validating decoder (the client never sends
/// malformed MQTT).
struct Frame {
    Wire raw;
    Clock::time_point at; ///< when its last byte arrived

    unsigned type() const { return raw[0] >> 4; }
    unsigned flags() const { return raw[0] & 0x0F; }
    alimqtt::Bytes bytes() const { return {reinterpret_cast<const std::byte*>(raw.data()), raw.size()}; }
    /// The decoded packet; views point into this Frame.
    alimqtt::Packet packet() const { return *alimqtt::decode_packet(bytes()); }
    /// The packet id of PUBLISH (QoS > 0), SUBSCRIBE, UNSUBSCRIBE and acks; 0 otherwise.
    unsigned packet_id() const {
        return alimqtt::visit_packet(packet(), [](const auto& p) -> unsigned {
            if constexpr (requires { p.packet_id; }) return p.packet_id;
            else return 0;
        });
    }
    alimqtt::Publish publish() const { return std::get<alimqtt::Publish>(packet()); }
    alimqtt::Connect connect() const { return std::get<alimqtt::Connect>(packet()); }
    alimqtt::Subscribe subscribe() const { return std::get<alimqtt::Subscribe>(packet()); }
    std::string payload_text() const {
        auto p = publish().payload;
        return std::string(reinterpret_cast<const char*>(p.data()), p.size());
    }
};

/// A flag the test thread raises and the broker thread waits for.
class Gate {
public:
    void open() {
        {
            std::lock_guard<std::mutex> lock(m_);
            open_ = true;
        }
        cv_.notify_all();
    }
    /// Waits until open() or stop(); throws BrokerStopped on stop, BrokerFailure on timeout.
    void wait(Clock::duration timeout) {
        std::unique_lock<std::mutex> lock(m_);
        if (!cv_.wait_for(lock, timeout, [&] { return open_ || stopped_; }))
            throw BrokerFailure("the test never opened the gate");
        if (!open_) throw BrokerStopped();
    }
    void stop() {
        {
            std::lock_guard<std::mutex> lock(m_);
            stopped_ = true;
        }
        cv_.notify_all();
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    bool open_ = false;
    bool stopped_ = false;
};

/// What one read attempt of Link::next() found.
struct Timeout {};
struct Closed {
    bool reset = false; ///< ECONNRESET rather than an orderly FIN
    Wire partial;       ///< bytes of an incomplete packet left when the stream ended
};
using Next = std::variant<Frame, Timeout, Closed>;

/// One accepted client connection, used on the broker thread only. Every
/// blocking step has a deadline and wakes up when the test stops the broker.
class Link {
public:
    Link(int fd, int stop_fd, std::vector<Frame>* journal) : fd_(fd), stop_fd_(stop_fd), journal_(journal) {}
    Link(Link&& o) noexcept
        : fd_(std::exchange(o.fd_, -1)), stop_fd_(o.stop_fd_), journal_(o.journal_), in_(std::move(o.in_)),
          eof_(o.eof_), reset_(o.reset_) {}
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;
    ~Link() {
        if (fd_ >= 0) ::close(fd_);
    }

    int fd() const { return fd_; }

    /// The next whole packet from the client, a timeout, or the end of the stream.
    Next next(Clock::duration timeout) {
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            if (auto f = take_frame()) return std::move(*f);
            if (eof_) return Closed{reset_, in_};
            if (!fill(deadline, false)) return Timeout{};
        }
    }

    /// The next packet, which must be of `type`; anything else fails the scenario.
    Frame expect(unsigned type, Clock::duration timeout = 5s) {
        Next n = next(timeout);
        if (auto* f = std::get_if<Frame>(&n)) {
            if (f->type() == type) return std::move(*f);
            throw BrokerFailure(std::string("expected ") + type_name(type) + ", client sent " + type_name(f->type()));
        }
        if (std::holds_alternative<Timeout>(n))
            throw BrokerFailure(std::string("expected ") + type_name(type) + ", client sent nothing in time");
        throw BrokerFailure(std::string("expected ") + type_name(type) + ", client closed the connection");
    }

    /// Expects CONNECT and answers CONNACK(session_present, code). Returns the CONNECT.
    Frame accept_connect(bool session_present = false, std::uint8_t code = 0) {
        Frame f = expect(CONNECT);
        send(connack(session_present, code));
        return f;
    }

    /// Expects SUBSCRIBE and grants every filter its requested QoS.
    Frame grant_subscribe() {
        Frame f = expect(SUBSCRIBE);
        const auto sub = f.subscribe();
        Wire codes;
        for (const auto& t : sub.filters) codes.push_back(static_cast<std::uint8_t>(t.qos));
        send(packet(0x90, u16(sub.packet_id) + codes));
        return f;
    }

    /// Waits until the client closes the connection. Packets of the types in
    /// `allowed` that arrive first are returned; any other packet fails.
    std::vector<Frame> expect_close(Clock::duration timeout = 5s, std::initializer_list<unsigned> allowed = {}) {
        std::vector<Frame> before;
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            Next n = next(deadline - Clock::now());
            if (std::holds_alternative<Closed>(n)) return before;
            if (std::holds_alternative<Timeout>(n)) throw BrokerFailure("the client did not close the connection");
            Frame& f = std::get<Frame>(n);
            bool ok = false;
            for (unsigned t : allowed) ok = ok || f.type() == t;
            if (!ok) throw BrokerFailure(std::string("client sent ") + type_name(f.type()) + " instead of closing");
            before.push_back(std::move(f));
        }
    }

    /// Requires that the client sends nothing for `quiet`.
    void expect_silence(Clock::duration quiet) {
        Next n = next(quiet);
        if (auto* f = std::get_if<Frame>(&n))
            throw BrokerFailure(std::string("expected silence, client sent ") + type_name(f->type()));
        if (std::holds_alternative<Closed>(n)) throw BrokerFailure("expected silence, client closed the connection");
    }

    /// Sends all of `w` (reading meanwhile, so neither side can deadlock).
    void send(const Wire& w, Clock::duration timeout = 10s) {
        const auto deadline = Clock::now() + timeout;
        std::size_t done = 0;
        while (done < w.size()) {
            const ssize_t n = ::send(fd_, w.data() + done, w.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                done += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                throw BrokerFailure(std::string("broker send failed: ") + std::strerror(errno));
            if (!fill(deadline, true) && Clock::now() >= deadline)
                throw BrokerFailure("broker send timed out: the client stopped reading");
        }
    }

    /// Sends `w` one byte at a time, `gap` apart.
    void trickle(const Wire& w, Clock::duration gap) {
        for (std::size_t i = 0; i < w.size(); ++i) {
            if (i > 0) pause(gap);
            send(Wire{w[i]});
        }
    }

    /// Sleeps for `d` while still collecting the client's bytes (a deliberate
    /// broker behaviour, e.g. trickling; not a synchronisation device).
    void pause(Clock::duration d) {
        const auto deadline = Clock::now() + d;
        while (Clock::now() < deadline)
            if (!fill(deadline, false)) break;
    }

    /// Orderly close: FIN after the last byte.
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    /// Abortive close: RST (SO_LINGER with a zero timeout).
    void reset() {
        const linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close();
    }

    /// Bytes received but not yet part of a whole packet.
    std::size_t buffered() const { return in_.size(); }

private:
    std::optional<Frame> take_frame() {
        const alimqtt::Bytes have(reinterpret_cast<const std::byte*>(in_.data()), in_.size());
        auto h = alimqtt::parse_fixed_header(have);
        if (!h) {
            if (h.error() == alimqtt::Error::need_more_data) return std::nullopt;
            throw BrokerFailure(std::string("client sent a bad fixed header: ") +
                                std::string(alimqtt::to_string(h.error())));
        }
        if (have.size() < h->frame_size()) return std::nullopt;
        Frame f{Wire(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(h->frame_size())), Clock::now()};
        in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(h->frame_size()));
        if (auto d = alimqtt::decode_packet(f.bytes()); !d)
            throw BrokerFailure(std::string("client sent invalid ") + type_name(f.type()) + ": " +
                                std::string(alimqtt::to_string(d.error())));
        journal_->push_back(f);
        return f;
    }

    /// Waits for input (or, with `want_write`, for room to send) until
    /// `deadline`. Returns true when something happened.
    bool fill(Clock::time_point deadline, bool want_write) {
        if (eof_ && !want_write) return false;
        pollfd p[2] = {{fd_, static_cast<short>((eof_ ? 0 : POLLIN) | (want_write ? POLLOUT : 0)), 0},
                       {stop_fd_, POLLIN, 0}};
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
        const int rc = ::poll(p, 2, left < 0 ? 0 : static_cast<int>(left));
        if (rc < 0 && errno == EINTR) return true;
        if (p[1].revents != 0) throw BrokerStopped();
        if (rc <= 0) return false;
        if (p[0].revents & (POLLIN | POLLERR | POLLHUP)) {
            std::uint8_t buf[65536];
            const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) in_.insert(in_.end(), buf, buf + n);
            else if (n == 0) eof_ = true;
            else if (errno == ECONNRESET) eof_ = reset_ = true;
            else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                throw BrokerFailure(std::string("broker recv failed: ") + std::strerror(errno));
        }
        return true;
    }

    int fd_;
    int stop_fd_;
    std::vector<Frame>* journal_;
    Wire in_;
    bool eof_ = false;
    bool reset_ = false;
};

/// The broker: listens on 127.0.0.1 (ephemeral port) and runs `script` on its
/// own thread. The script accepts connections and plays its part; the test
/// thread drives the real Client and then calls finish() for the verdict.
class FakeBroker {
public:
    using Script = std::function<void(FakeBroker&)>;

    /// `rcvbuf` > 0 shrinks SO_RCVBUF of accepted sockets (to make a broker
    /// that stops reading fill the client's send path quickly).
    explicit FakeBroker(Script script, int rcvbuf = 0) : script_(std::move(script)) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listen_fd_ < 0) throw std::runtime_error("socket failed");
        if (rcvbuf > 0) ::setsockopt(listen_fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 4) != 0)
            throw std::runtime_error("bind/listen failed");
        socklen_t len = sizeof a;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        thread_ = std::thread([this] { run(); });
    }
    FakeBroker(const FakeBroker&) = delete;
    FakeBroker& operator=(const FakeBroker&) = delete;
    ~FakeBroker() {
        stop();
        if (thread_.joinable()) thread_.join();
        ::close(listen_fd_);
        ::close(stop_pipe_[0]);
        ::close(stop_pipe_[1]);
    }

    std::uint16_t port() const { return port_; }

    /// Broker thread: accepts the next client connection.
    Link accept(Clock::duration timeout = 5s) {
        pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
        const int rc = ::poll(p, 2, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(timeout).count()));
        if (p[1].revents != 0) throw BrokerStopped();
        if (rc <= 0) throw BrokerFailure("no client connected");
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) throw BrokerFailure("accept failed");
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        journal_.emplace_back();
        return Link(fd, stop_pipe_[0], &journal_.back());
    }

    /// Test thread: waits for the script to end (stopping it after `timeout`)
    /// and returns "" when it ran to the end, else why it failed.
    std::string finish(Clock::duration timeout = 10s) {
        {
            std::unique_lock<std::mutex> lock(m_);
            if (!cv_.wait_for(lock, timeout, [&] { return done_; })) {
                lock.unlock();
                stop();
                if (thread_.joinable()) thread_.join();
                return "broker script still running after the timeout; " + failure_;
            }
        }
        if (thread_.joinable()) thread_.join();
        return failure_;
    }

    /// Test thread, after finish(): every packet the client sent, per connection.
    const std::deque<std::vector<Frame>>& journal() const { return journal_; }
    /// Every packet of connection `i`.
    const std::vector<Frame>& frames(std::size_t i = 0) const { return journal_.at(i); }

    /// Raised by the test thread, awaited by the script (Gate::wait).
    Gate gate;
    /// Written by the script to tell the test thread how far it got.
    std::atomic<int> progress{0};

private:
    void run() {
        try {
            script_(*this);
        } catch (const BrokerFailure& e) {
            failure_ = e.what();
        } catch (const std::exception& e) {
            failure_ = std::string("broker script threw: ") + e.what();
        }
        {
            std::lock_guard<std::mutex> lock(m_);
            done_ = true;
        }
        cv_.notify_all();
    }
    void stop() {
        if (!stopping_.exchange(true)) {
            const char c = 's';
            (void)!::write(stop_pipe_[1], &c, 1);
            gate.stop();
        }
    }

    Script script_;
    int listen_fd_ = -1;
    int stop_pipe_[2] = {-1, -1};
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::deque<std::vector<Frame>> journal_;
    std::string failure_;
    std::mutex m_;
    std::condition_variable cv_;
    bool done_ = false;
    std::atomic<bool> stopping_{false};
};

} // namespace rel
