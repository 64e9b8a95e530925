// The sans-I/O Session at its limits, driven by hand: argument checks, a send
// queue too full for CONNECT/SUBSCRIBE/UNSUBSCRIBE/DISCONNECT or for resends
// after a reconnect, the in-flight arena, keepalive edge cases, packet ids.
#include <sys/mman.h>

#include <array>
#include <cstring>
#include <string>

#include "harness.hpp"

using namespace alimqtt;
using namespace alimqtt::test;
using Ms = std::chrono::milliseconds;
using SmallSession = Session<SmallConfig>;

namespace {

void feed(SmallSession& s, const Wire& w) {
    auto space = s.input_space();
    REQUIRE(space.size() >= w.n);
    std::memcpy(space.data(), w.b.data(), w.n);
    s.input_received(w.n);
}

/// Sends everything queued (the transport takes it all at `now`).
void send_all(SmallSession& s, Ms now) { s.output_sent(s.pending_output().size(), now); }

/// CONNECT sent, CONNACK fed: the session is connected at `now`.
void connect(SmallSession& s, Ms now = Ms(0), std::uint16_t keepalive_s = 60, bool clean = true,
             bool session_present = false) {
    REQUIRE(s.start_connect(connect_params(keepalive_s, clean), now, now + Ms(5000)).ok());
    send_all(s, now);
    feed(s, connack(session_present, 0));
    REQUIRE(s.next_event(now).kind == EventKind::connected);
    REQUIRE(s.connected());
}

/// The frames queued for sending, split by hand.
Frames queued(const SmallSession& s) { return split_frames(s.pending_output()); }

/// A Connect whose encoded size is exactly `size` bytes (username padding).
Connect connect_of_size(std::size_t size, std::string& storage, bool clean = false) {
    Connect c = connect_params(60, clean);
    for (std::size_t pad = 0; pad < 300; ++pad) {
        storage.assign(pad, 'u');
        c.username = std::string_view(storage);
        if (encoded_size(c) == size) return c;
    }
    FAIL("no username length gives a CONNECT of " << size << " bytes");
    return c;
}

/// The packet id in bytes 2-3 of a SUBSCRIBE/UNSUBSCRIBE frame (3.8.2, 3.10.2).
unsigned id_of(Bytes frame) { return std::to_integer<unsigned>(frame[2]) << 8 | std::to_integer<unsigned>(frame[3]); }

/// `frame` equals `expected` apart from its packet id, which must be new (not `used`).
bool same_but_fresh_id(Bytes frame, const Wire& expected, unsigned used) {
    return frame.size() == expected.n && same(frame.first(2), expected.bytes().first(2)) &&
           same(frame.subspan(4), expected.bytes().subspan(4)) && id_of(frame) != 0 && id_of(frame) > used;
}

std::string_view kTopic = "t";
} // namespace

TEST_CASE("a CONNECT larger than the send queue is buffer_too_small and nothing is queued") {
    SmallSession s; // 256-byte send queue
    Connect c = connect_params();
    const std::string password(300, 'p');
    c.username = "user";
    c.password = text(password);
    CHECK(s.start_connect(c, Ms(0), Ms(1000)).error() == Error::buffer_too_small);
    CHECK(s.state() == SmallSession::State::disconnected);
    CHECK(s.pending_output().empty());
    CHECK_FALSE(s.wants_input());
}

TEST_CASE("publish checks QoS, packet size and in-flight room before storing anything") {
    SmallSession s; // 256-byte queue, 512-byte arena, 4 in flight
    connect(s);
    CHECK(s.publish(kTopic, text("x"), static_cast<QoS>(3)).error() == Error::bad_qos);
    const std::string fits_arena_not_queue(300, 'a');
    CHECK(s.publish(kTopic, text(fits_arena_not_queue), QoS::at_least_once).error() == Error::buffer_too_small);
    CHECK(s.publish(kTopic, text(fits_arena_not_queue), QoS::at_most_once).error() == Error::buffer_too_small);
    CHECK(s.in_flight_count() == 0);
    CHECK(s.pending_output().empty());

    // Two 228-byte QoS 1 messages fill 456 of the 512 arena bytes with only
    // 2 of 4 slots used: a third is in_flight_full because of the arena.
    const std::string big(220, 'b');
    REQUIRE(*s.publish(kTopic, text(big), QoS::at_least_once) == 1);
    REQUIRE(*s.publish(kTopic, text(big), QoS::at_least_once) == 2);
    CHECK(s.publish(kTopic, text(big), QoS::at_least_once).error() == Error::in_flight_full);
    CHECK(s.in_flight_count() == 2);
}

TEST_CASE("a stored QoS 1 message that does not fit the send queue goes out once the queue drains") {
    SmallSession s;
    connect(s);
    const std::string big(220, 'b');
    REQUIRE(*s.publish(kTopic, text(big), QoS::at_least_once) == 1);
    REQUIRE(*s.publish(kTopic, text(big), QoS::at_least_once) == 2); // stored, no room in the queue yet
    Frames f = queued(s);
    REQUIRE(f.size() == 1);
    CHECK(std::get<Publish>(decoded(f[0])).packet_id == 1);
    send_all(s, Ms(1));
    CHECK(s.next_event(Ms(1)).kind == EventKind::none);
    f = queued(s);
    REQUIRE(f.size() == 1);
    const Publish second = std::get<Publish>(decoded(f[0]));
    CHECK(second.packet_id == 2);
    CHECK_FALSE(second.dup);
    CHECK(second.payload.size() == 220);
}

TEST_CASE("after a reconnect a message that reached the transport is resent with DUP, one that never left without") {
    SmallSession s;
    connect(s, Ms(0), 60, false);
    const std::string big(220, 'b');
    REQUIRE(*s.publish(kTopic, text(big), QoS::at_least_once) == 1);
    REQUIRE(*s.publish(kTopic, text(big), QoS::at_least_once) == 2); // never queued: no room
    s.output_sent(1, Ms(1));                                         // one byte of message 1 left
    REQUIRE(s.connection_lost(Error::connection_closed).error == Error::connection_closed);
    CHECK(s.pending_output().empty());

    REQUIRE(s.start_connect(connect_params(60, false), Ms(2), Ms(5000)).ok());
    send_all(s, Ms(2));
    feed(s, connack(true, 0));
    REQUIRE(s.next_event(Ms(3)).kind == EventKind::connected);
    Frames f = queued(s);
    REQUIRE(f.size() == 1);
    Publish p = std::get<Publish>(decoded(f[0]));
    CHECK(p.packet_id == 1);
    CHECK(p.dup);
    send_all(s, Ms(4));
    CHECK(s.next_event(Ms(4)).kind == EventKind::none);
    f = queued(s);
    REQUIRE(f.size() == 1);
    p = std::get<Publish>(decoded(f[0]));
    CHECK(p.packet_id == 2);
    CHECK_FALSE(p.dup);
}

TEST_CASE("a payload beyond MQTT's 256 MB limit is refused at QoS 0 and 1 without reading it") {
    SmallSession s;
    connect(s);
    // 256 MB of address space that faults on any access: proves nothing is read.
    const std::size_t size = std::size_t{268'435'456};
    void* region = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    REQUIRE(region != MAP_FAILED);
    const Bytes huge(static_cast<const std::byte*>(region), size);
    CHECK(s.publish(kTopic, huge, QoS::at_most_once).error() == Error::string_too_long);
    CHECK(s.publish(kTopic, huge, QoS::at_least_once).error() == Error::string_too_long);
    munmap(region, size);
    CHECK(s.pending_output().empty());
    CHECK(s.in_flight_count() == 0);
    CHECK(s.connected());
}

TEST_CASE("subscribe and unsubscribe refuse bad arguments and a disconnected session by name") {
    SmallSession s;
    auto noop = [](const Publish&) {};
    const std::array<TopicSubscription, 1> one{{{"a", QoS::at_most_once}}};
    CHECK(s.subscribe(one, noop, Ms(0), Ms(1000)).error() == Error::not_connected);
    connect(s);
    CHECK(s.subscribe({}, noop, Ms(0), Ms(1000)).error() == Error::empty_subscribe);
    std::array<TopicSubscription, 256> too_many{};
    for (auto& f : too_many) f = {"a", QoS::at_most_once};
    CHECK(s.subscribe(too_many, noop, Ms(0), Ms(1000)).error() == Error::subscriptions_full);
    const std::array<TopicSubscription, 1> qos3{{{"a", static_cast<QoS>(3)}}};
    CHECK(s.subscribe(qos3, noop, Ms(0), Ms(1000)).error() == Error::bad_qos);
    CHECK(s.unsubscribe({}, Ms(0), Ms(1000)).error() == Error::empty_unsubscribe);
    std::array<std::string_view, 256> too_many_filters{};
    too_many_filters.fill("a");
    CHECK(s.unsubscribe(too_many_filters, Ms(0), Ms(1000)).error() == Error::subscriptions_full);
    CHECK(s.subscription_count() == 0);
    CHECK(s.pending_output().empty());
}

TEST_CASE("SUBSCRIBE, UNSUBSCRIBE and DISCONNECT that do not fit the send queue are send_buffer_full and change nothing") {
    SmallSession s;
    connect(s);
    const std::array<TopicSubscription, 1> one{{{"a", QoS::at_most_once}}};
    REQUIRE(s.subscribe(one, [](const Publish&) {}, Ms(0), Ms(1000)).ok());
    send_all(s, Ms(0));
    feed(s, suback(1, {0x00}));
    REQUIRE(s.next_event(Ms(1)).kind == EventKind::subscribed);
    // A 250-byte QoS 0 PUBLISH leaves 6 bytes of the 256-byte queue.
    REQUIRE(s.publish(kTopic, text(std::string(244, 'q')), QoS::at_most_once).ok());
    REQUIRE(s.pending_output().size() == 250);
    const std::array<TopicSubscription, 1> other{{{"b", QoS::at_most_once}}};
    CHECK(s.subscribe(other, [](const Publish&) {}, Ms(1), Ms(1000)).error() == Error::send_buffer_full);
    CHECK(s.subscription_count() == 1);
    const std::array<std::string_view, 1> a{"a"};
    CHECK(s.unsubscribe(a, Ms(1), Ms(1000)).error() == Error::send_buffer_full);
    CHECK(s.active_subscriptions() == 1);
    CHECK(s.publish(kTopic, text(std::string(10, 'q')), QoS::at_most_once).error() == Error::send_buffer_full);
    // DISCONNECT (2 bytes) fits the 6 left; a second call finds it already on its way.
    REQUIRE(s.publish(kTopic, text(""), QoS::at_most_once).ok()); // 5 bytes: 1 left
    CHECK(s.disconnect().error() == Error::send_buffer_full);
    CHECK(s.connected());
    send_all(s, Ms(2));
    REQUIRE(s.disconnect().ok());
    CHECK(s.state() == SmallSession::State::disconnecting);
    CHECK(s.disconnect().error() == Error::not_connected);
    CHECK(same(s.pending_output(), bytes({0xE0, 0x00})));
}

TEST_CASE("the transport closing after DISCONNECT went out is a clean disconnect, before it an error") {
    SECTION("DISCONNECT sent") {
        SmallSession s;
        connect(s);
        REQUIRE(s.disconnect().ok());
        send_all(s, Ms(1));
        const Event e = s.connection_lost(Error::connection_closed);
        CHECK(e.kind == EventKind::disconnected);
        CHECK(e.error == Error{});
    }
    SECTION("DISCONNECT still queued") {
        SmallSession s;
        connect(s);
        REQUIRE(s.disconnect().ok());
        const Event e = s.connection_lost(Error::connection_closed);
        CHECK(e.kind == EventKind::disconnected);
        CHECK(e.error == Error::connection_closed);
    }
}

TEST_CASE("a zero-byte send is not traffic: the keepalive PINGREQ still falls due") {
    SmallSession s;
    connect(s, Ms(0), 10);
    feed(s, publish("in", "x")); // received at 8 s: the link is alive
    REQUIRE(s.next_event(Ms(8000)).kind == EventKind::message);
    s.output_sent(0, Ms(9000)); // nothing went out at 9 s
    CHECK(s.next_event(Ms(10000)).kind == EventKind::none);
    CHECK(same(s.pending_output(), bytes({0xC0, 0x00})));
}

TEST_CASE("a PINGREQ goes out when nothing was received for the keepalive even while the client keeps sending") {
    SmallSession s;
    connect(s, Ms(0), 10);
    REQUIRE(s.publish(kTopic, text("x"), QoS::at_most_once).ok());
    send_all(s, Ms(6000)); // sent at 6 s: not quiet on the sending side
    CHECK(s.next_event(Ms(9999)).kind == EventKind::none);
    CHECK(s.pending_output().empty());
    CHECK(s.next_event(Ms(10000)).kind == EventKind::none);
    CHECK(same(s.pending_output(), bytes({0xC0, 0x00})));
}

TEST_CASE("with keepalive 0 a connected session has no timer at all") {
    SmallSession s;
    connect(s, Ms(0), 0);
    CHECK(s.next_deadline() == SmallSession::Time::max());
    CHECK(s.next_event(Ms(10'000'000)).kind == EventKind::none);
    CHECK(s.pending_output().empty());
    CHECK(s.connected());
}

TEST_CASE("packet id 0 is never used: it is never outstanding and set_next_packet_id(0) starts at 1") {
    SmallSession s;
    connect(s);
    CHECK_FALSE(s.outstanding(0));
    s.set_next_packet_id(500);
    s.set_next_packet_id(0);
    CHECK(*s.publish(kTopic, text("x"), QoS::at_least_once) == 1);
}

TEST_CASE("a packet id held by an unanswered SUBSCRIBE is skipped by the next publish") {
    SmallSession s;
    connect(s);
    const std::array<TopicSubscription, 1> one{{{"a", QoS::at_most_once}}};
    REQUIRE(*s.subscribe(one, [](const Publish&) {}, Ms(0), Ms(1000)) == 1);
    s.set_next_packet_id(1);
    CHECK(*s.publish(kTopic, text("x"), QoS::at_least_once) == 2);
    CHECK(s.outstanding(1));
}

TEST_CASE("input waits while the send queue has no room for an acknowledgement") {
    SmallSession s;
    connect(s);
    REQUIRE(s.publish(kTopic, text(std::string(247, 'q')), QoS::at_most_once).ok()); // 253 of 256 bytes
    feed(s, publish("in", "m", 1, 7));
    CHECK(s.next_event(Ms(1)).kind == EventKind::none); // 3 bytes free < a 4-byte PUBACK
    send_all(s, Ms(2));
    const Event e = s.next_event(Ms(2));
    CHECK(e.kind == EventKind::message);
    CHECK(e.message.packet_id == 7);
    CHECK(same(s.pending_output(), puback(7)));
}

TEST_CASE("resends after a reconnect wait for queue room in order: PUBLISH, PUBREL, then SUBSCRIBE") {
    // The CONNECT is still queued when the CONNACK is handled, so the resends
    // compete for the `room` bytes left of the 256-byte queue. The 8-byte
    // PUBLISH always fits; the 4-byte PUBREL fits only with room 13.
    for (const std::size_t room : {std::size_t{11}, std::size_t{13}}) {
        CAPTURE(room);
        SmallSession s;
        connect(s, Ms(0), 60, false);
        const std::array<TopicSubscription, 1> one{{{"s", QoS::at_least_once}}};
        REQUIRE(s.subscribe(one, [](const Publish&) {}, Ms(0), Ms(1000)).ok());
        REQUIRE(*s.publish(kTopic, text("x"), QoS::at_least_once) == 2);
        REQUIRE(*s.publish(kTopic, text("x"), QoS::exactly_once) == 3);
        send_all(s, Ms(1));
        feed(s, suback(1, {0x01}));
        REQUIRE(s.next_event(Ms(1)).kind == EventKind::subscribed);
        feed(s, pubrec(3));
        REQUIRE(s.next_event(Ms(1)).kind == EventKind::none);
        REQUIRE(same(s.pending_output(), pubrel(3)));
        send_all(s, Ms(2));
        REQUIRE(s.connection_lost(Error::connection_closed).kind == EventKind::disconnected);

        std::string storage;
        const Connect c = connect_of_size(256 - room, storage);
        REQUIRE(s.start_connect(c, Ms(3), Ms(5000)).ok());
        feed(s, connack(false, 0)); // session lost: "s" must be subscribed again
        REQUIRE(s.next_event(Ms(3)).kind == EventKind::connected);
        const Wire publish_dup = bytes({0x3A, 0x06, 0x00, 0x01, 't', 0x00, 0x02, 'x'});
        const Wire subscribe_again = bytes({0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 's', 0x01}); // id: a fresh one
        Frames f = queued(s);
        REQUIRE(f.size() == (room == 13 ? 3u : 2u));
        CHECK(f.type(0) == 1);
        CHECK(same(f[1], publish_dup));
        if (room == 13) CHECK(same(f[2], pubrel(3)));
        send_all(s, Ms(4));
        CHECK(s.next_event(Ms(4)).kind == EventKind::none);
        f = queued(s);
        if (room == 11) {
            REQUIRE(f.size() == 2);
            CHECK(same(f[0], pubrel(3)));
            CHECK(same_but_fresh_id(f[1], subscribe_again, 3));
        } else {
            REQUIRE(f.size() == 1);
            CHECK(same_but_fresh_id(f[0], subscribe_again, 3));
        }
    }
}

TEST_CASE("an UNSUBSCRIBE cut off by a reconnect is resent once the send queue has room") {
    SmallSession s;
    connect(s, Ms(0), 60, false);
    const std::array<TopicSubscription, 1> one{{{"s", QoS::at_least_once}}};
    REQUIRE(s.subscribe(one, [](const Publish&) {}, Ms(0), Ms(1000)).ok());
    send_all(s, Ms(1));
    feed(s, suback(1, {0x01}));
    REQUIRE(s.next_event(Ms(1)).kind == EventKind::subscribed);
    const std::array<std::string_view, 1> filter{"s"};
    REQUIRE(*s.unsubscribe(filter, Ms(1), Ms(9000)) == 2);
    send_all(s, Ms(2));
    REQUIRE(s.connection_lost(Error::connection_closed).kind == EventKind::disconnected);

    std::string storage;
    const Connect c = connect_of_size(251, storage); // 5 bytes left
    REQUIRE(s.start_connect(c, Ms(3), Ms(5000)).ok());
    feed(s, connack(true, 0)); // the server kept the session and the subscription
    REQUIRE(s.next_event(Ms(3)).kind == EventKind::connected);
    CHECK(queued(s).size() == 1); // only the CONNECT: the 7-byte UNSUBSCRIBE waits
    send_all(s, Ms(4));
    CHECK(s.next_event(Ms(4)).kind == EventKind::none);
    const Frames f = queued(s);
    REQUIRE(f.size() == 1);
    CHECK(same_but_fresh_id(f[0], bytes({0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, 's'}), 2));
    send_all(s, Ms(5));
    feed(s, unsuback(id_of(f[0])));
    const Event e = s.next_event(Ms(5));
    CHECK(e.kind == EventKind::unsubscribed);
    CHECK(e.filter == "s");
    CHECK(s.subscription_count() == 0);
}
