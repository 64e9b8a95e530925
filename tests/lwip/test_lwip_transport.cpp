// test_lwip_transport.cpp — the Pico W lwIP transport on a real lwIP TCP stack
// (Debian's liblwip over TAP) against a real mosquitto, driven by the real Client.
#include "host_lwip.hpp" // first: wraps Debian's C-only port headers

#include "../../examples/pico_w/lwip_transport.hpp"

#include <alimqtt/client.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string>

#include "catch.hpp"

namespace {

using namespace alimqtt;
using namespace std::chrono_literals;
using Platform = alimqtt_test::HostLwipPlatform;
using SteadyClock = std::chrono::steady_clock;

/// Small ring (512 bytes) so that large messages take the "held pbuf" path;
/// writes up to 64 KiB at a time so one send() can fill lwIP's send buffer.
using LwipTransport = lwip::Transport<Platform, 512, 0xFFFF>;

/// Buffers big enough for the 100 KiB message of the send-buffer test.
struct BigConfig : DefaultConfig {
    static constexpr std::size_t rx_buffer_size = 110 * 1024;
    static constexpr std::size_t tx_buffer_size = 110 * 1024;
};
using LwipClient = Client<LwipTransport, SteadyClock, BigConfig>;

constexpr std::uint16_t broker_port = 1883;
constexpr std::uint16_t resetting_port = 1884; // accepts, reads, then sends a TCP RST

const char* broker() {
    const char* b = alimqtt_test::broker_address();
    INFO("run this test through tests/lwip/netns_run.sh (it sets up TAP, netns and mosquitto)");
    REQUIRE(b != nullptr);
    alimqtt_test::start_lwip();
    return b;
}

Connect connect_packet(std::string_view client_id) {
    Connect c;
    c.client_id = client_id;
    c.keepalive_s = 30;
    c.clean_session = true;
    return c;
}

std::string_view text(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

/// What a handler saw (captured by pointer: handlers store 16 bytes inline).
struct Inbox {
    int count = 0;
    std::string topic;
    std::string payload;
};

/// Opens the transport and connects the client, or fails the test.
void open_and_connect(LwipTransport& t, LwipClient& c, const char* host, std::string_view id) {
    const Status opened = t.open(host, broker_port, SteadyClock::now() + 5s);
    INFO("lwIP error " << int(t.lwip_error()) << " at stage " << int(t.stage()));
    REQUIRE(opened.ok());
    const auto connected = c.connect(connect_packet(id), 5s);
    INFO("connect: " << to_string(connected.error()));
    REQUIRE(connected.ok());
}

/// Pumps `c` until `done()` or the time runs out.
template <class Done>
bool pump_until(LwipClient& c, Done done, std::chrono::milliseconds limit = 10s) {
    const auto until = SteadyClock::now() + limit;
    while (!done() && SteadyClock::now() < until) {
        if (!c.run_for(50ms)) break;
    }
    return done();
}

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

} // namespace

TEST_CASE("over lwIP the client connects, subscribes and gets its own QoS 1 message back") {
    const char* host = broker();
    static LwipTransport transport;
    SteadyClock clock;
    static LwipClient client(transport, clock);
    open_and_connect(transport, client, host, "alimqtt-lwip-roundtrip");

    Inbox inbox;
    const auto granted = client.subscribe("alimqtt/lwip/echo", QoS::at_least_once, [box = &inbox](const Publish& m) {
        ++box->count;
        box->topic = m.topic;
        box->payload = text(m.payload);
    });
    REQUIRE(granted.ok());
    CHECK(*granted == QoS::at_least_once);

    PublishOptions qos1;
    qos1.qos = QoS::at_least_once;
    qos1.wait_for_ack = true;
    qos1.timeout = 5s;
    REQUIRE(client.publish("alimqtt/lwip/echo", std::string_view("你好！"), qos1).ok());
    REQUIRE(pump_until(client, [&] { return inbox.count == 1; }));
    CHECK(inbox.topic == "alimqtt/lwip/echo");
    CHECK(inbox.payload == "你好！");
    CHECK(client.disconnect().ok());
}

TEST_CASE("a PUBLISH that arrives in many pbufs and overflows the receive ring is delivered intact") {
    const char* host = broker();
    static LwipTransport transport;
    SteadyClock clock;
    static LwipClient client(transport, clock);
    open_and_connect(transport, client, host, "alimqtt-lwip-pbufs");

    Inbox inbox;
    REQUIRE(client.subscribe("alimqtt/lwip/big", QoS::at_most_once, [box = &inbox](const Publish& m) {
        ++box->count;
        box->payload = text(m.payload);
    }).ok());
    const auto before = transport.stats();
    const std::string big = pattern(20000); // ~40 segments at MSS 536, ring of 512
    REQUIRE(client.publish("alimqtt/lwip/big", std::string_view(big)).ok());
    REQUIRE(pump_until(client, [&] { return inbox.count == 1; }));
    CHECK(inbox.payload == big);
    const auto after = transport.stats();
    CHECK(after.rx_pbufs - before.rx_pbufs >= 20000 / 536);
    CHECK(after.rx_held > before.rx_held); // the ring overflowed and the pbuf was kept, not dropped
    CHECK(client.disconnect().ok());
}

TEST_CASE("a send larger than lwIP's send buffer completes by resuming from the sent callback") {
    const char* host = broker();
    static LwipTransport transport;
    SteadyClock clock;
    static LwipClient client(transport, clock);
    open_and_connect(transport, client, host, "alimqtt-lwip-sndbuf");

    Inbox inbox;
    REQUIRE(client.subscribe("alimqtt/lwip/huge", QoS::at_most_once, [box = &inbox](const Publish& m) {
        ++box->count;
        box->payload = text(m.payload);
    }).ok());
    static_assert(100 * 1024 > TCP_SND_BUF, "the message must not fit lwIP's send buffer");
    const std::string huge = pattern(100 * 1024);
    const auto before = transport.stats();
    PublishOptions opt;
    opt.timeout = 10s;
    REQUIRE(client.publish("alimqtt/lwip/huge", std::string_view(huge), opt).ok());
    REQUIRE(pump_until(client, [&] { return inbox.count == 1; }, 20s));
    CHECK(inbox.payload == huge);
    const auto after = transport.stats();
    // More than TCP_SND_BUF went out, so lwIP must have freed room through acks.
    CHECK(after.sent_callbacks > before.sent_callbacks);
    CHECK(client.disconnect().ok());
}

TEST_CASE("when the broker closes the connection the client reports connection_closed") {
    const char* host = broker();
    static LwipTransport transport;
    SteadyClock clock;
    static LwipClient client(transport, clock);
    open_and_connect(transport, client, host, "alimqtt-lwip-takeover");
    REQUIRE(transport.is_open());

    // A second client with the same id makes mosquitto drop the first (FIN).
    const std::string cmd = std::string("mosquitto_pub -h ") + host + " -i alimqtt-lwip-takeover -t x -m y -q 0";
    REQUIRE(std::system(cmd.c_str()) == 0);
    Error lost{};
    const auto until = SteadyClock::now() + 10s;
    while (SteadyClock::now() < until) {
        const Status s = client.run_for(100ms);
        if (!s) {
            lost = s.error();
            break;
        }
    }
    CHECK(lost == Error::connection_closed);
    CHECK_FALSE(client.connected());
}

TEST_CASE("a TCP reset reaches the err callback and the client reports a transport error") {
    const char* host = broker();
    static LwipTransport transport;
    SteadyClock clock;
    static LwipClient client(transport, clock);
    REQUIRE(transport.open(host, resetting_port, SteadyClock::now() + 5s).ok());

    // The server reads the CONNECT and answers with RST: lwIP frees the pcb
    // and calls err(ERR_RST); the transport must not touch the pcb again.
    const auto connected = client.connect(connect_packet("alimqtt-lwip-reset"), 5s);
    REQUIRE_FALSE(connected.ok());
    CHECK(connected.error() == Error::transport_error);
    CHECK(client.last_transport_error() == ERR_RST);
    CHECK(transport.lwip_error() == ERR_RST);
    CHECK_FALSE(transport.is_open());
    // The transport is reusable after the reset.
    REQUIRE(transport.open(host, broker_port, SteadyClock::now() + 5s).ok());
    CHECK(client.connect(connect_packet("alimqtt-lwip-after-reset"), 5s).ok());
    CHECK(client.disconnect().ok());
}
