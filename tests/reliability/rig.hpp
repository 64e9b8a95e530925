// tests/reliability/rig.hpp — the real alimqtt Client over the POSIX
// TcpTransport, wired to a FakeBroker, with a record of what it reported.
#pragma once

#include <alimqtt/client.hpp>
#include <tcp_transport.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"
#include "fake_broker.hpp"

namespace Catch {
template <>
struct StringMaker<alimqtt::Error> {
    static std::string convert(alimqtt::Error e) {
        return e == alimqtt::Error{} ? "Error{} (none)" : std::string(alimqtt::to_string(e));
    }
};
template <>
struct StringMaker<alimqtt::EventKind> {
    static std::string convert(alimqtt::EventKind k) { return std::string(alimqtt::to_string(k)); }
};
} // namespace Catch

namespace rel {

/// Small capacities so every limit is within reach of a scenario.
struct RelConfig : alimqtt::DefaultConfig {
    static constexpr std::size_t rx_buffer_size = 512;
    static constexpr std::size_t tx_buffer_size = 1024;
    static constexpr std::size_t max_subscriptions = 8;
    static constexpr std::size_t max_in_flight = 4;
    static constexpr std::size_t in_flight_arena_size = 2048;
    static constexpr std::size_t max_inbound_qos2 = 4;
    static constexpr std::size_t max_topic_length = 64;
};

using TcpClient = alimqtt::Client<alimqtt::posix::TcpTransport, std::chrono::steady_clock, RelConfig>;

/// One event as the client reported it (views copied out).
struct SeenEvent {
    alimqtt::EventKind kind;
    alimqtt::Error error;
    unsigned packet_id;
    std::string filter;
    alimqtt::QoS qos;
    std::size_t size;
};

/// One message as a handler (or the event stream) saw it.
struct SeenMessage {
    std::string topic;
    std::string payload;
    alimqtt::QoS qos;
    bool dup;
    unsigned packet_id;
};

/// Everything the client reported, in order.
struct Seen {
    std::vector<SeenEvent> events;
    std::vector<SeenMessage> handled; ///< what the subscription handlers received

    void on_event(const alimqtt::Event& e) {
        events.push_back({e.kind, e.error, e.packet_id, std::string(e.filter), e.qos, e.size});
    }
    void on_message(const alimqtt::Publish& p) {
        handled.push_back({std::string(p.topic),
                           std::string(reinterpret_cast<const char*>(p.payload.data()), p.payload.size()), p.qos,
                           p.dup, p.packet_id});
    }
    std::size_t count(alimqtt::EventKind k) const {
        std::size_t n = 0;
        for (const auto& e : events) n += e.kind == k;
        return n;
    }
    /// The first event of kind `k` (kind none when absent).
    SeenEvent first(alimqtt::EventKind k) const {
        for (const auto& e : events)
            if (e.kind == k) return e;
        return {alimqtt::EventKind::none, alimqtt::Error{}, 0, {}, {}, 0};
    }
};

/// A scenario: the broker script, the client, and the clock that bounds it.
struct Rig {
    explicit Rig(FakeBroker::Script script, int broker_rcvbuf = 0)
        : broker(std::move(script), broker_rcvbuf), client(tcp, clock) {
        client.on_event([this](const alimqtt::Event& e) { seen.on_event(e); });
    }

    /// Opens the TCP connection to the broker.
    bool open() {
        return tcp.connect("127.0.0.1", broker.port(), Clock::now() + 5s).ok();
    }

    /// Opens TCP and runs the blocking MQTT connect.
    alimqtt::Result<alimqtt::Connected> connect(std::uint16_t keepalive_s = 60, bool clean = true,
                                                std::chrono::milliseconds timeout = 5s) {
        if (!open()) return alimqtt::Error::transport_error;
        alimqtt::Connect c;
        c.client_id = "rel-client";
        c.keepalive_s = keepalive_s;
        c.clean_session = clean;
        return client.connect(c, timeout);
    }

    /// A message handler that records into `seen.handled`.
    TcpClient::Handler handler() {
        return [s = &seen](const alimqtt::Publish& p) { s->on_message(p); };
    }

    /// Polls the client (sleeping in the transport's wait) until `pred()`
    /// holds or `timeout` passes. Returns pred().
    template <class Pred>
    bool pump_until(Pred pred, Clock::duration timeout = 5s) {
        const auto deadline = Clock::now() + timeout;
        while (!pred()) {
            if (Clock::now() >= deadline) return false;
            auto e = client.poll();
            if (e.ok() && *e) continue;
            const auto until = std::min(deadline, Clock::now() + 20ms);
            if (tcp.is_open()) (void)tcp.wait(until, !client.session().pending_output().empty());
            else std::this_thread::sleep_until(until); // connection gone: only pred can still change
        }
        return true;
    }

    /// Time since the rig was made.
    Clock::duration elapsed() const { return Clock::now() - started; }

    Clock::time_point started = Clock::now();
    FakeBroker broker;
    alimqtt::posix::TcpTransport tcp;
    std::chrono::steady_clock clock;
    TcpClient client;
    Seen seen;
};

/// Seconds as a double, for readable bound checks.
inline double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

inline alimqtt::Bytes bytes_of(std::string_view s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

/// Connects, then the broker sends `hostile` and waits for the client to hang
/// up; run_for() must end early with `expected` and no handler may run.
inline void fatal_after_connect_scenario(const Wire& hostile, alimqtt::Error expected) {
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        l.grant_subscribe();
        l.send(hostile);
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    REQUIRE(rig.client.subscribe("#", alimqtt::QoS::exactly_once, rig.handler()).ok());
    const auto s = rig.client.run_for(5s);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error() == expected);
    CHECK_FALSE(rig.client.connected());
    CHECK_FALSE(rig.tcp.is_open());
    CHECK(rig.seen.handled.empty());
    CHECK(rig.seen.count(alimqtt::EventKind::message) == 0);
    CHECK(rig.broker.finish() == "");
    CHECK(seconds(rig.elapsed()) < 3.0);
}

} // namespace rel
