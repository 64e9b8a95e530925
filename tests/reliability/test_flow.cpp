// Hostile-broker scenarios, part 3: back-pressure from a broker that stops
// reading, connection resets mid-exchange, and what a reconnect restores.
#include "rig.hpp"

#include <algorithm>
#include <cerrno>
#include <sys/socket.h>

using namespace rel;
using alimqtt::Error;
using alimqtt::EventKind;
using alimqtt::QoS;

namespace {

std::string numbered(int i) {
    std::string s = "msg-" + std::to_string(i) + "-";
    s.resize(200, '.');
    return s;
}

} // namespace

TEST_CASE("a broker that stops reading makes publish return send_buffer_full and nothing is corrupted") {
    int received = -1;
    Rig rig(
        [&](FakeBroker& b) {
            Link l = b.accept();
            l.accept_connect();
            b.gate.wait(20s); // stop reading until the client's send path is full
            for (int i = 0;; ++i) {
                Frame f = std::get<Frame>(l.next(10s));
                if (f.type() == DISCONNECT) {
                    received = i;
                    break;
                }
                if (f.type() != PUBLISH) throw BrokerFailure("expected PUBLISH or DISCONNECT");
                if (f.payload_text() != numbered(i)) throw BrokerFailure("message " + std::to_string(i) + " corrupted");
                b.progress = i + 1;
            }
            l.expect_close();
        },
        2048);
    REQUIRE(rig.open());
    const int sndbuf = 4096;
    ::setsockopt(rig.tcp.native_handle(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    alimqtt::Connect c;
    c.client_id = "rel-client";
    REQUIRE(rig.client.connect(c, 5s).ok());

    alimqtt::PublishOptions opt;
    opt.timeout = 200ms;
    int accepted = 0;
    alimqtt::Result<alimqtt::PacketId> r = alimqtt::PacketId{0};
    for (; accepted < 100000; ++accepted) {
        r = rig.client.publish("flow/x", numbered(accepted), opt);
        if (!r) break;
    }
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::send_buffer_full);
    CHECK(accepted > 10);
    CHECK(rig.client.connected());

    rig.broker.gate.open();
    REQUIRE(rig.pump_until([&] { return rig.broker.progress.load() == accepted; }, 20s));
    // The queue drained: the next publish goes straight out.
    CHECK(rig.client.publish("flow/x", numbered(accepted), opt).ok());
    REQUIRE(rig.pump_until([&] { return rig.broker.progress.load() == accepted + 1; }, 5s));
    CHECK(rig.client.disconnect().ok());
    CHECK(rig.broker.finish() == "");
    CHECK(received == accepted + 1);
}

TEST_CASE("a broker that stops reading fills the in-flight table: QoS 1 publish returns in_flight_full") {
    Rig rig([&](FakeBroker& b) {
        Link l = b.accept();
        l.accept_connect();
        b.gate.wait(10s);
        std::vector<unsigned> ids;
        for (std::size_t i = 0; i < RelConfig::max_in_flight; ++i) ids.push_back(l.expect(PUBLISH).packet_id());
        for (unsigned id : ids) l.send(puback(id));
        l.expect(DISCONNECT);
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    alimqtt::PublishOptions opt;
    opt.qos = QoS::at_least_once;
    opt.timeout = 100ms;
    for (std::size_t i = 0; i < RelConfig::max_in_flight; ++i) REQUIRE(rig.client.publish("t/f", "x", opt).ok());
    auto r = rig.client.publish("t/f", "one too many", opt);
    CHECK(r.error() == Error::in_flight_full);
    CHECK(rig.client.session().in_flight_count() == RelConfig::max_in_flight);
    rig.broker.gate.open();
    REQUIRE(rig.pump_until([&] { return rig.seen.count(EventKind::published) == RelConfig::max_in_flight; }));
    CHECK(rig.client.session().in_flight_count() == 0);
    CHECK(rig.client.disconnect().ok());
    CHECK(rig.broker.finish() == "");
}

TEST_CASE("an RST in the middle of a QoS 1 exchange is reported, and the reconnect resends it with DUP") {
    unsigned first_id = 0;
    std::string first_payload;
    bool first_dup = true;
    bool resent_dup = false;
    unsigned resent_id = 0;
    std::string resent_payload;
    bool second_clean = true;
    Rig rig([&](FakeBroker& b) {
        {
            Link l = b.accept();
            l.accept_connect();
            Frame f = l.expect(PUBLISH);
            first_id = f.packet_id();
            first_payload = f.payload_text();
            first_dup = f.publish().dup;
            l.reset(); // RST: no PUBACK ever comes on this connection
        }
        Link l = b.accept();
        second_clean = l.accept_connect(true, 0).connect().clean_session;
        Frame f = l.expect(PUBLISH);
        resent_dup = f.publish().dup;
        resent_id = f.packet_id();
        resent_payload = f.payload_text();
        l.send(puback(resent_id));
        l.expect(DISCONNECT);
        l.expect_close();
    });
    REQUIRE(rig.connect(60, false).ok());
    alimqtt::PublishOptions opt;
    opt.qos = QoS::at_least_once;
    auto id = rig.client.publish("t/rst", "must arrive", opt);
    REQUIRE(id.ok());
    const auto s = rig.client.run_for(5s);
    CHECK(s.error() == Error::transport_error);
    CHECK(rig.client.last_transport_error() == ECONNRESET);
    CHECK(rig.client.session().in_flight_count() == 1);

    auto again = rig.connect(60, false);
    REQUIRE(again.ok());
    CHECK(again->session_present);
    REQUIRE(rig.pump_until([&] { return rig.seen.count(EventKind::published) == 1; }));
    CHECK(rig.seen.first(EventKind::published).packet_id == *id);
    CHECK(rig.client.session().in_flight_count() == 0);
    CHECK(rig.client.disconnect().ok());
    REQUIRE(rig.broker.finish() == "");
    CHECK(first_id == *id);
    CHECK_FALSE(first_dup);
    CHECK(first_payload == "must arrive");
    CHECK_FALSE(second_clean);
    CHECK(resent_dup);
    CHECK(resent_id == *id);
    CHECK(resent_payload == "must arrive");
}

TEST_CASE("after a reconnect without a session every active subscription is sent again") {
    std::vector<std::string> resubscribed;
    Rig rig([&](FakeBroker& b) {
        {
            Link l = b.accept();
            l.accept_connect();
            l.grant_subscribe();
            l.grant_subscribe();
            l.close(); // broker restart: all session state gone
        }
        Link l = b.accept();
        l.accept_connect(false, 0);
        for (int i = 0; i < 2; ++i) {
            Frame f = l.grant_subscribe();
            for (const auto& t : f.subscribe().filters) resubscribed.emplace_back(t.filter);
        }
        l.send(publish("b/1", "after restart"));
        l.expect(DISCONNECT);
        l.expect_close();
    });
    REQUIRE(rig.connect(60, false).ok());
    REQUIRE(rig.client.subscribe("a/#", QoS::at_least_once, rig.handler()).ok());
    REQUIRE(rig.client.subscribe("b/+", QoS::at_most_once, rig.handler()).ok());
    CHECK(rig.client.run_for(5s).error() == Error::connection_closed);
    auto again = rig.connect(60, false);
    REQUIRE(again.ok());
    CHECK_FALSE(again->session_present);
    REQUIRE(rig.pump_until([&] { return rig.seen.handled.size() == 1; }));
    CHECK(rig.seen.handled[0].payload == "after restart");
    CHECK(rig.client.session().active_subscriptions() == 2);
    CHECK(rig.client.disconnect().ok());
    REQUIRE(rig.broker.finish() == "");
    std::sort(resubscribed.begin(), resubscribed.end());
    CHECK(resubscribed == std::vector<std::string>{"a/#", "b/+"});
}

TEST_CASE("a reconnect right after a publish into a reset connection succeeds at the first attempt") {
    Rig rig([&](FakeBroker& b) {
        {
            Link l = b.accept();
            l.accept_connect();
            l.reset();
            b.progress = 1;
        }
        Link l = b.accept();
        l.accept_connect();
        l.expect(DISCONNECT);
        l.expect_close();
    });
    REQUIRE(rig.connect().ok());
    REQUIRE(rig.pump_until([&] { return rig.broker.progress.load() == 1; }));
    // The application publishes before it notices: the send fails with EPIPE/ECONNRESET.
    alimqtt::Result<alimqtt::PacketId> r = alimqtt::PacketId{0};
    for (int i = 0; i < 100 && rig.client.connected(); ++i) r = rig.client.publish("t/x", "into a dead socket");
    REQUIRE_FALSE(rig.client.connected());
    auto again = rig.connect();
    REQUIRE(again.ok());
    CHECK(rig.client.connected());
    CHECK(rig.tcp.is_open());
    CHECK(rig.seen.count(EventKind::disconnected) == 1);
    CHECK(rig.seen.first(EventKind::disconnected).error == Error::transport_error);
    CHECK(rig.client.disconnect().ok());
    CHECK(rig.broker.finish() == "");
}
