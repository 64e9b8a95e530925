// tests/session/harness.hpp — a connected Client over a ScriptedTransport and a
// FakeClock, plus helpers to read what the client put on the wire.
#pragma once

#include <chrono>
#include <string_view>

#include "alimqtt/client.hpp"
#include "alimqtt/codec/decode.hpp"
#include "catch.hpp"
#include "fake_clock.hpp"
#include "mqtt_bytes.hpp"
#include "scripted_transport.hpp"

namespace alimqtt::test {

using namespace std::chrono_literals;

/// Small buffers so the limits are easy to reach in tests.
struct SmallConfig : DefaultConfig {
    static constexpr std::size_t rx_buffer_size = 128;
    static constexpr std::size_t tx_buffer_size = 256;
    static constexpr std::size_t max_subscriptions = 6;
    static constexpr std::size_t max_in_flight = 4;
    static constexpr std::size_t in_flight_arena_size = 512;
    static constexpr std::size_t max_inbound_qos2 = 4;
    static constexpr std::size_t max_topic_length = 64;
};

inline Connect connect_params(std::uint16_t keepalive_s = 60, bool clean = true) {
    Connect c;
    c.client_id = "dev1";
    c.keepalive_s = keepalive_s;
    c.clean_session = clean;
    return c;
}

inline Bytes text(std::string_view s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }
inline std::string_view text(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

/// A client wired to a WaitingTransport (time jumps on wait) and a FakeClock.
template <class Config = DefaultConfig>
struct Harness {
    FakeClock clock;
    WaitingTransport transport{clock};
    Client<WaitingTransport, FakeClock, Config> client{transport, clock};

    /// Connects with CONNACK(session_present) and forgets the CONNECT bytes.
    void connect(bool session_present = false, std::uint16_t keepalive_s = 60) {
        transport.play(connack(session_present, 0));
        auto r = client.connect(connect_params(keepalive_s));
        REQUIRE(r.ok());
        REQUIRE(r->session_present == session_present);
        transport.clear_sent();
    }
    /// Polls until idle; returns the number of events seen.
    int drain() {
        int n = 0;
        for (;;) {
            auto e = client.poll();
            REQUIRE(e.ok());
            if (!*e) return n;
            ++n;
        }
    }
    Frames sent() const { return split_frames(transport.sent()); }
};

/// Decodes frame `f` with the codec; fails the test if it does not parse.
inline Packet decoded(Bytes f) {
    auto p = decode_packet(f);
    REQUIRE(p.ok());
    return *p;
}

} // namespace alimqtt::test
