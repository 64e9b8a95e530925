// alimqtt/session.hpp — the sans-I/O MQTT 3.1.1 client protocol core: fed bytes
// and the time, it yields bytes to send and events. No sockets, no clocks.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <variant>

#include "alimqtt/codec/decode.hpp"
#include "alimqtt/codec/encode.hpp"
#include "alimqtt/codec/framer.hpp"
#include "alimqtt/codec/packets.hpp"
#include "alimqtt/codec/server_packet.hpp"
#include "alimqtt/error.hpp"
#include "alimqtt/inplace_function.hpp"
#include "alimqtt/topic.hpp"

namespace alimqtt {

/// Compile-time capacities of a Session / Client. Derive and override what
/// you need: `struct MyConfig : alimqtt::DefaultConfig { static constexpr std::size_t rx_buffer_size = 4096; };`
struct DefaultConfig {
    /// Largest incoming packet (fixed header included); bigger ones are skipped and reported.
    static constexpr std::size_t rx_buffer_size = 1024;
    /// Outbound byte queue; every packet sent must fit in it whole.
    static constexpr std::size_t tx_buffer_size = 1024;
    /// Subscription table entries (one per topic filter).
    static constexpr std::size_t max_subscriptions = 8;
    /// Outbound QoS 1/2 messages awaiting acknowledgement.
    static constexpr std::size_t max_in_flight = 8;
    /// Bytes that hold the encoded in-flight PUBLISH packets for retransmission.
    static constexpr std::size_t in_flight_arena_size = 2048;
    /// Inbound QoS 2 packet ids remembered between PUBREC and PUBREL.
    static constexpr std::size_t max_inbound_qos2 = 8;
    /// Highest QoS the session handles. QoS::at_least_once compiles the QoS 2
    /// exchanges out (smaller code and RAM; Aliyun IoT has no QoS 2): publishing
    /// or subscribing at QoS 2 then fails with Error::qos2_disabled, and so
    /// does the connection if the server sends a QoS 2 PUBLISH or a
    /// PUBREC/PUBREL/PUBCOMP.
    static constexpr QoS max_qos = QoS::exactly_once;
    /// Longest topic name or filter accepted (bytes).
    static constexpr std::size_t max_topic_length = 128;
    /// Inline storage for a handler's captures (bytes).
    static constexpr std::size_t handler_capacity = 2 * sizeof(void*);
    /// Deadline for the SUBSCRIBE/UNSUBSCRIBE packets resent after a reconnect.
    static constexpr std::chrono::milliseconds resubscribe_timeout{10000};
};

/// Direction of a traced packet.
enum class Direction : std::uint8_t { in, out };

/// The default Tracer: does nothing and costs nothing. A custom tracer is any
/// type with `void on_packet(Direction, const Packet&, Bytes raw)`.
struct NoTracer {
    /// Ignores the packet.
    void on_packet(Direction, const Packet&, Bytes) noexcept {}
};

/// Everything the session (and Client::poll) can report.
enum class EventKind : std::uint8_t {
    none,                  ///< nothing happened
    connected,             ///< CONNACK 0 received; `session_present` set
    disconnected,          ///< connection over; `error` says why (Error{} after disconnect())
    message,               ///< an application message arrived: `message`
    subscribed,            ///< `filter` granted at QoS `qos`
    subscription_refused,  ///< SUBACK 0x80 for `filter`; its handler was dropped
    subscription_timeout,  ///< no SUBACK for `filter` by its deadline; its handler was dropped
    unsubscribed,          ///< UNSUBACK for `filter`
    unsubscribe_timeout,   ///< no UNSUBACK for `filter` by its deadline; it is forgotten anyway
    published,             ///< outbound QoS 1/2 message `packet_id` acknowledged (PUBACK/PUBCOMP)
    oversize_packet,       ///< an incoming packet of `size` bytes did not fit the receive buffer; skipped
};

/// Stable name of an event kind, for logs.
constexpr std::string_view to_string(EventKind k) noexcept {
    switch (k) {
    case EventKind::none: return "none";
    case EventKind::connected: return "connected";
    case EventKind::disconnected: return "disconnected";
    case EventKind::message: return "message";
    case EventKind::subscribed: return "subscribed";
    case EventKind::subscription_refused: return "subscription refused";
    case EventKind::subscription_timeout: return "subscription timeout";
    case EventKind::unsubscribed: return "unsubscribed";
    case EventKind::unsubscribe_timeout: return "unsubscribe timeout";
    case EventKind::published: return "published";
    case EventKind::oversize_packet: return "oversize packet skipped";
    }
    return "unknown";
}

/// One outcome reported by Session::next_event / Client::poll. Views
/// (`filter`, `message`) stay valid until the next call into the session.
struct Event {
    EventKind kind = EventKind::none; ///< what happened; the fields below depend on it
    Error error{};              ///< disconnected: reason; refused/timeout: the matching Error
    PacketId packet_id = 0;     ///< subscription events, published
    std::string_view filter{};  ///< subscription events
    std::uint8_t index = 0;     ///< position of `filter` in its SUBSCRIBE/UNSUBSCRIBE
    QoS qos{};                  ///< subscribed: granted QoS
    bool session_present = false; ///< connected
    Publish message{};          ///< message
    std::size_t size = 0;       ///< oversize_packet: its total size in bytes
    PacketType type{};          ///< oversize_packet: its type

    /// True for any event but none.
    explicit operator bool() const noexcept { return kind != EventKind::none; }
};

/// Maps a CONNACK return code (3.2.2.3) to its named Error.
constexpr Error connack_error(ConnackCode c) noexcept {
    switch (c) {
    case ConnackCode::accepted: break;
    case ConnackCode::unacceptable_protocol_version: return Error::refused_protocol_version;
    case ConnackCode::identifier_rejected: return Error::refused_identifier_rejected;
    case ConnackCode::server_unavailable: return Error::refused_server_unavailable;
    case ConnackCode::bad_username_or_password: return Error::refused_bad_credentials;
    case ConnackCode::not_authorized: return Error::refused_not_authorized;
    }
    return Error::bad_connack_code;
}

namespace detail {

/// Every data member of a Session except its Tracer. All of them start at
/// zero, so Session value-initialises this base: one memset, which a Client
/// in .bss makes redundant, instead of a store per member in the constructor.
/// No member has an initialiser: the few that start non-zero are set in
/// Session's constructor.
template <class Config, class Handler>
struct SessionState {
    /// Time as milliseconds since any fixed epoch (monotonic).
    using Time = std::chrono::milliseconds;
    /// Connection state.
    enum class State : std::uint8_t { disconnected, connecting, connected, disconnecting };

    enum class SubState : std::uint8_t {
        free,
        pending_subscribe,   ///< SUBSCRIBE to be (re)sent when the queue has room
        awaiting_suback,
        active,
        refused,             ///< reported then freed
        pending_unsubscribe, ///< UNSUBSCRIBE to be resent after reconnect
        awaiting_unsuback,
        expired,             ///< timed out; waits for the late ack (or reconnect) to free the id
        gone,                ///< unsubscribed; reported then freed
    };

    struct Subscription {
        std::array<char, Config::max_topic_length> buf;
        std::uint16_t len;
        QoS requested;
        QoS granted;
        SubState state;
        EventKind report;
        PacketId packet_id;
        std::uint8_t index;
        Time deadline;
        std::uint32_t serial;
        Handler handler;

        std::string_view filter() const noexcept { return {buf.data(), len}; }
        void set_filter(std::string_view f) noexcept {
            std::memcpy(buf.data(), f.data(), f.size());
            len = static_cast<std::uint16_t>(f.size());
        }
        bool dispatchable() const noexcept {
            return state == SubState::pending_subscribe || state == SubState::awaiting_suback ||
                   state == SubState::active || state == SubState::pending_unsubscribe ||
                   state == SubState::awaiting_unsuback;
        }
    };

    enum class Stage : std::uint8_t { await_puback, await_pubrec, await_pubcomp };
    struct Outbound {
        PacketId id;
        Stage stage;
        bool needs_send; ///< PUBLISH (or PUBREL in await_pubcomp) to be (re)sent
        bool attempted;  ///< some byte reached the transport: a resend carries DUP=1 (3.3.1.1)
        std::uint64_t queued_at; ///< tx stream position of its first byte, when queued
        std::uint32_t offset; ///< encoded PUBLISH in arena_ (length 0 once PUBREC came)
        std::uint32_t length;
    };

    State state_;
    bool holding_frame_;
    bool ping_outstanding_;
    bool clean_session_; ///< CleanSession flag of the CONNECT in progress
    bool pending_disconnect_event_;
    PacketId next_id_;
    std::uint32_t next_serial_;
    Time keepalive_;
    Time connack_deadline_;
    Time last_rx_;
    Time last_tx_;
    Time ping_sent_;
    Time last_now_;
    std::array<std::byte, Config::rx_buffer_size> rx_;
    Framer framer_;
    std::array<std::byte, Config::tx_buffer_size> tx_;
    std::size_t tx_head_;
    std::size_t tx_len_;
    std::uint64_t tx_queued_total_; ///< bytes ever queued (stream position)
    std::uint64_t tx_sent_total_;   ///< bytes ever accepted by the transport
    std::array<Subscription, Config::max_subscriptions> subs_;
    std::array<Outbound, Config::max_in_flight> out_;
    std::size_t out_count_;
    std::array<std::byte, Config::in_flight_arena_size> arena_;
    std::size_t arena_used_;
    std::array<PacketId, Config::max_qos == QoS::exactly_once ? Config::max_inbound_qos2 : 0> inbound_;
    std::size_t inbound_count_;
};

} // namespace detail

/// The protocol core of one MQTT client. Feed it received bytes
/// (input_space/input_received), hand its pending_output() to the network
/// (then output_sent), and call next_event(now) until it returns none.
/// Capacities come from `Config`; nothing is allocated.
template <class Config = DefaultConfig, class Tracer = NoTracer>
class Session : private detail::SessionState<Config, InplaceFunction<void(const Publish&), Config::handler_capacity>> {
    using Base = detail::SessionState<Config, InplaceFunction<void(const Publish&), Config::handler_capacity>>;

public:
    /// Time as milliseconds since any fixed epoch (monotonic).
    using Time = typename Base::Time;
    /// A message handler: called with every PUBLISH whose topic matches its filter.
    using Handler = InplaceFunction<void(const Publish&), Config::handler_capacity>;

    /// Connection state: disconnected, connecting, connected, disconnecting.
    using State = typename Base::State;

    /// A disconnected session with empty tables; `tracer` sees every packet.
    explicit Session(Tracer tracer = {}) noexcept : Base(), tracer_(tracer) {
        this->clean_session_ = true;
        this->next_id_ = 1;
        this->next_serial_ = 1;
        this->framer_ = Framer(std::span<std::byte>(this->rx_));
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    /// Where the connection stands.
    State state() const noexcept { return state_; }
    /// True once CONNACK 0 arrived and until the connection ends.
    bool connected() const noexcept { return state_ == State::connected; }
    /// The Tracer given to the constructor.
    Tracer& tracer() noexcept { return tracer_; }

    // ---------------------------------------------------------------- commands

    /// Queues CONNECT (3.1) and waits for CONNACK until `deadline`.
    Status start_connect(const Connect& c, Time now, Time deadline) noexcept {
        if (state_ != State::disconnected) return Error::already_connected;
        reset_connection();
        if (auto s = queue(c); !s) return s;
        keepalive_ = Time(std::int64_t{std::uint32_t{c.keepalive_s} * 1000u}); // <= 65,535,000: 32 bits do
        clean_session_ = c.clean_session;
        connack_deadline_ = deadline;
        last_rx_ = last_tx_ = now;
        state_ = State::connecting;
        return {};
    }

    /// Publishes a message. QoS 0 is queued at once (Error::send_buffer_full if
    /// the queue has no room now). QoS 1/2 is stored for retransmission and
    /// gets a packet id, returned; it is sent as soon as the queue has room.
    Result<PacketId> publish(std::string_view topic, Bytes payload, QoS qos, bool retain = false) noexcept {
        if (state_ != State::connected) return Error::not_connected;
        if (topic.size() > Config::max_topic_length) return Error::topic_too_long;
        if (auto s = validate_topic_name(topic); !s) return s.error();
        if (qos != QoS::at_most_once && qos != QoS::at_least_once && qos != QoS::exactly_once) return Error::bad_qos;
        if (!kQos2 && qos == QoS::exactly_once) return Error::qos2_disabled;
        Publish p{topic, payload, qos, retain, false, 0};
        // Topic and QoS were validated above: the size without detail::body_size's second pass.
        const std::size_t body = detail::publish_body_size(topic, qos, payload.size());
        if (qos == QoS::at_most_once) {
            if (auto s = queue_frame(body, detail::first_byte(p), &p, &write_body_of<Publish>); !s) return s.error();
            return PacketId{0};
        }
        if (body > max_remaining_length) return Error::string_too_long;
        const std::size_t size = detail::frame_size(body);
        if (size > arena_.size() || size > tx_.size()) return Error::buffer_too_small;
        if (out_count_ == Config::max_in_flight || arena_used_ + size > arena_.size()) return Error::in_flight_full;
        p.packet_id = allocate_packet_id();
        write_frame(std::span<std::byte>(arena_.data() + arena_used_, size), body, detail::first_byte(p), &p,
                    &write_body_of<Publish>);
        Outbound& o = out_[out_count_++];
        o = Outbound{};
        o.id = p.packet_id;
        o.stage = kQos2 && qos == QoS::exactly_once ? Stage::await_pubrec : Stage::await_puback;
        o.needs_send = true;
        o.offset = static_cast<std::uint32_t>(arena_used_);
        o.length = static_cast<std::uint32_t>(size);
        arena_used_ += size;
        flush_pending(last_now_);
        return p.packet_id;
    }

    /// Subscribes to `filters`, all with `handler`. The handler is registered
    /// before SUBSCRIBE is queued, so a PUBLISH arriving ahead of the SUBACK is
    /// delivered. Each filter is resolved by a later event (subscribed,
    /// subscription_refused or subscription_timeout at `deadline`).
    Result<PacketId> subscribe(std::span<const TopicSubscription> filters, const Handler& handler, Time now,
                               Time deadline) noexcept {
        if (state_ != State::connected) return Error::not_connected;
        if (filters.empty()) return Error::empty_subscribe;
        if (filters.size() > 255) return Error::subscriptions_full;
        for (const TopicSubscription& f : filters) {
            if (f.filter.size() > Config::max_topic_length) return Error::topic_too_long;
            if (auto s = validate_topic_filter(f.filter); !s) return s.error();
            if (static_cast<unsigned>(f.qos) > 2) return Error::bad_qos;
            if (!kQos2 && f.qos == QoS::exactly_once) return Error::qos2_disabled;
        }
        if (free_subscription_slots() < filters.size()) return Error::subscriptions_full;
        const PacketId id = allocate_packet_id();
        if (auto s = queue_subscribe(id, filters); !s) return s.error();
        std::uint8_t index = 0;
        for (const TopicSubscription& f : filters) {
            Subscription& e = *free_subscription();
            e.set_filter(f.filter);
            e.requested = f.qos;
            e.granted = f.qos;
            e.state = SubState::awaiting_suback;
            e.packet_id = id;
            e.index = index++;
            e.deadline = deadline;
            e.serial = next_serial_++;
            e.report = EventKind::none;
            e.handler = handler;
        }
        (void)now;
        return id;
    }

    /// Unsubscribes from active `filters` (every table entry with that filter).
    /// Resolved by `unsubscribed` or `unsubscribe_timeout` events.
    Result<PacketId> unsubscribe(std::span<const std::string_view> filters, Time now, Time deadline) noexcept {
        if (state_ != State::connected) return Error::not_connected;
        if (filters.empty()) return Error::empty_unsubscribe;
        if (filters.size() > 255) return Error::subscriptions_full;
        for (std::string_view f : filters) {
            bool found = false;
            for (const Subscription& e : subs_)
                if (unsubscribable(e, f)) found = true;
            if (!found) return Error::not_subscribed;
        }
        const PacketId id = allocate_packet_id();
        if (auto s = queue_unsubscribe(id, filters); !s) return s.error();
        std::uint8_t index = 0;
        for (std::string_view f : filters) {
            for (Subscription& e : subs_) {
                if (unsubscribable(e, f)) {
                    e.state = SubState::awaiting_unsuback;
                    e.packet_id = id;
                    e.index = index;
                    e.deadline = deadline;
                }
            }
            ++index;
        }
        (void)now;
        return id;
    }

    /// Queues DISCONNECT (3.14); once it has been sent, next_event reports
    /// `disconnected` with no error.
    Status disconnect() noexcept {
        if (state_ == State::disconnected || state_ == State::disconnecting) return Error::not_connected;
        if (state_ == State::connecting) {
            fail(Error{});
            pending_disconnect_event_ = true;
            return {};
        }
        if (auto s = queue(Disconnect{}); !s) return s;
        state_ = State::disconnecting;
        return {};
    }

    /// The transport closed or failed: the connection is over. Returns the
    /// `disconnected` event (kind none if it was already down).
    Event connection_lost(Error reason) noexcept {
        if (state_ == State::disconnected) return {};
        if (state_ == State::disconnecting && tx_len_ == 0) reason = Error{};
        return fail(reason);
    }

    // ---------------------------------------------------------------- byte I/O

    /// Bytes waiting to be sent, whole packets in order (a prefix may already
    /// have been taken by a partial send).
    Bytes pending_output() const noexcept { return Bytes(tx_.data() + tx_head_, tx_len_); }

    /// `n` bytes of pending_output() were accepted by the transport at `now`.
    void output_sent(std::size_t n, Time now) noexcept {
        n = std::min(n, tx_len_);
        tx_head_ += n;
        tx_len_ -= n;
        tx_sent_total_ += n;
        if (tx_len_ == 0) tx_head_ = 0;
        if (n > 0) last_tx_ = now;
    }

    /// Whether the session reads from the network now.
    bool wants_input() const noexcept { return state_ == State::connecting || state_ == State::connected; }

    /// Where to receive bytes (empty while a returned packet is still held).
    std::span<std::byte> input_space() noexcept {
        release_frame();
        return framer_.free_space();
    }

    /// `n` bytes were written into input_space().
    void input_received(std::size_t n) noexcept { framer_.commit(n); }

    /// Advances the protocol to `now` and returns the next event, or kind none
    /// when there is nothing to report until more input or time passes.
    Event next_event(Time now) noexcept {
        last_now_ = now;
        release_frame();
        if (pending_disconnect_event_) {
            pending_disconnect_event_ = false;
            return Event{EventKind::disconnected};
        }
        if (Event e = take_report(); e) return e;
        if (Event e = check_timers(now); e) return e;
        if (Event e = take_report(); e) return e;
        if (state_ == State::disconnecting && tx_len_ == 0) return fail(Error{});
        flush_pending(now);
        while (wants_input() && tx_free() >= kAckReserve) {
            FrameEvent f = framer_.next();
            switch (f.kind) {
            case FrameEvent::Kind::need_more: return {};
            case FrameEvent::Kind::error: return fail(f.error);
            case FrameEvent::Kind::oversize: {
                // [MQTT-3.2.0-1]: the server's first packet is a 4-byte CONNACK; a
                // frame too big for the buffer is something else, not to be skipped.
                if (state_ == State::connecting) return fail(Error::protocol_error);
                last_rx_ = now;
                Event e{EventKind::oversize_packet, Error::packet_too_large};
                e.size = f.total_size;
                e.type = f.type;
                return e;
            }
            case FrameEvent::Kind::packet: break;
            }
            holding_frame_ = true;
            auto decoded = decode_server_packet(f.frame);
            if (!decoded) return fail(decoded.error());
            if constexpr (!std::is_same_v<Tracer, NoTracer>) {
                if (auto traced = decode_packet(f.frame)) tracer_.on_packet(Direction::in, *traced, f.frame);
            }
            last_rx_ = now;
            if (Event e = handle(*decoded, now); e) return e;
            if (Event e = take_report(); e) return e;
            release_frame();
        }
        return {};
    }

    /// The earliest time at which next_event has something to do without new
    /// input (a timer); Time::max() when none.
    Time next_deadline() const noexcept {
        Time t = Time::max();
        for (const Subscription& e : subs_) {
            if (e.report != EventKind::none) return Time::min();
            if (e.state == SubState::awaiting_suback || e.state == SubState::awaiting_unsuback) t = std::min(t, e.deadline);
        }
        if (state_ == State::connecting) t = std::min(t, connack_deadline_);
        if (state_ == State::connected && keepalive_.count() > 0) {
            t = std::min(t, last_rx_ + dead_after());
            // check_timers pings when the link is quiet, no earlier ping is younger
            // than the keepalive, and the queue is empty (it drains on an I/O
            // event, which wakes the caller anyway). Naming any earlier time
            // makes Client::wait return at once: a busy loop.
            if (tx_len_ == 0) {
                Time ping_at = std::min(last_tx_, last_rx_) + keepalive_;
                if (ping_outstanding_) ping_at = std::max(ping_at, ping_sent_ + keepalive_);
                t = std::min(t, ping_at);
            }
        }
        return t;
    }

    /// Calls `invoke(handler, message)` for every subscription whose filter
    /// matches the message topic (4.7.2). Entries added during the call are
    /// not invoked for this message.
    template <class F>
    std::size_t dispatch(const Publish& message, F&& invoke) {
        const std::uint32_t limit = next_serial_;
        std::size_t calls = 0;
        for (Subscription& e : subs_) {
            if (!e.dispatchable() || e.serial >= limit || !e.handler) continue;
            if (!topic_matches(e.filter(), message.topic)) continue;
            ++calls;
            invoke(e.handler, message);
        }
        return calls;
    }

    // ---------------------------------------------------------------- queries

    /// True while a SUBSCRIBE/UNSUBSCRIBE `id` still has a filter unresolved or unreported.
    bool outstanding(PacketId id) const noexcept {
        if (id == 0) return false;
        for (const Subscription& e : subs_) {
            if (e.packet_id != id) continue;
            if (e.report != EventKind::none || e.state == SubState::awaiting_suback ||
                e.state == SubState::awaiting_unsuback)
                return true;
        }
        return false;
    }
    /// True while outbound message `id` awaits its acknowledgement.
    bool in_flight(PacketId id) const noexcept { return find_outbound(id) != nullptr; }
    /// Number of outbound QoS 1/2 messages not yet acknowledged.
    std::size_t in_flight_count() const noexcept { return out_count_; }
    /// Number of used subscription-table entries (any state).
    std::size_t subscription_count() const noexcept {
        return static_cast<std::size_t>(std::count_if(subs_.begin(), subs_.end(),
                                                      [](const Subscription& e) { return e.state != SubState::free; }));
    }
    /// Number of active (granted) subscriptions.
    std::size_t active_subscriptions() const noexcept {
        return static_cast<std::size_t>(std::count_if(subs_.begin(), subs_.end(),
                                                      [](const Subscription& e) { return e.state == SubState::active; }));
    }
    /// The next packet id allocate would try (for tests and state restore).
    void set_next_packet_id(PacketId id) noexcept { next_id_ = id == 0 ? 1 : id; }

private:
    using SubState = typename Base::SubState;
    using Subscription = typename Base::Subscription;
    using Stage = typename Base::Stage;
    using Outbound = typename Base::Outbound;
    using Base::state_;
    using Base::holding_frame_;
    using Base::ping_outstanding_;
    using Base::clean_session_;
    using Base::pending_disconnect_event_;
    using Base::next_id_;
    using Base::next_serial_;
    using Base::keepalive_;
    using Base::connack_deadline_;
    using Base::last_rx_;
    using Base::last_tx_;
    using Base::ping_sent_;
    using Base::last_now_;
    using Base::rx_;
    using Base::framer_;
    using Base::tx_;
    using Base::tx_head_;
    using Base::tx_len_;
    using Base::tx_queued_total_;
    using Base::tx_sent_total_;
    using Base::subs_;
    using Base::out_;
    using Base::out_count_;
    using Base::arena_;
    using Base::arena_used_;
    using Base::inbound_;
    using Base::inbound_count_;

    static constexpr std::size_t kAckReserve = 4; // room for PUBACK/PUBREC/PUBREL/PUBCOMP
    /// Whether the QoS 2 exchanges (4.3.3) are compiled in (Config::max_qos).
    static constexpr bool kQos2 = Config::max_qos == QoS::exactly_once;
    static_assert(Config::max_qos == QoS::at_least_once || Config::max_qos == QoS::exactly_once,
                  "Config::max_qos is QoS::at_least_once or QoS::exactly_once");
    static_assert(Config::tx_buffer_size >= 16, "tx buffer too small for control packets");
    static_assert(Config::rx_buffer_size >= 5, "rx buffer must hold a fixed header");
    static_assert(Config::max_topic_length <= 65535, "topics are at most 65535 bytes (1.5.3)");

    /// 1.5 x the keepalive (3.1.2.10), computed in 32 bits: the keepalive is
    /// at most 65,535 s, so three times it in ms still fits (no 64-bit
    /// multiply, which a Cortex-M0+ does in libgcc).
    Time dead_after() const noexcept {
        return Time(std::int64_t{static_cast<std::uint32_t>(keepalive_.count()) * 3u / 2u});
    }

    // ------------------------------------------------------------ output queue

    std::size_t tx_free() const noexcept { return tx_.size() - tx_len_; }

    bool tx_make_room(std::size_t n) noexcept {
        if (tx_free() < n) return false;
        if (tx_head_ + tx_len_ + n > tx_.size()) {
            std::memmove(tx_.data(), tx_.data() + tx_head_, tx_len_);
            tx_head_ = 0;
        }
        return true;
    }

    void trace_out(Bytes raw) noexcept {
        if constexpr (!std::is_same_v<Tracer, NoTracer>) {
            if (auto p = decode_packet(raw)) tracer_.on_packet(Direction::out, *p, raw);
        } else {
            (void)raw;
        }
    }

    /// Writes the body of a packet of type P (the queue's per-type part).
    using BodyWriter = void (*)(SpanWriter&, const void* packet) noexcept;

    /// Encodes a whole packet at the end of the queue, or nothing at all.
    /// Only the size check and the body writer depend on P; the rest is
    /// queue_frame(), shared by every packet type.
    template <class P>
    Status queue(const P& packet) noexcept {
        return queue_frame(detail::body_size(packet), detail::first_byte(packet), &packet, &write_body_of<P>);
    }

    /// Queues SUBSCRIBE `id` (3.8) for filters already validated (by
    /// subscribe(), or when they entered the table): the body size is summed
    /// without detail::body_size's second validation pass.
    Status queue_subscribe(PacketId id, std::span<const TopicSubscription> filters) noexcept {
        std::size_t body = 2;
        for (const TopicSubscription& f : filters) body += detail::subscribe_entry_size(f);
        const Subscribe p{id, TopicSubscriptionList(filters)};
        return queue_frame(body, detail::first_byte(p), &p, &write_body_of<Subscribe>);
    }

    /// Queues UNSUBSCRIBE `id` (3.10) for filters of table entries (valid).
    Status queue_unsubscribe(PacketId id, std::span<const std::string_view> filters) noexcept {
        std::size_t body = 2;
        for (std::string_view f : filters) body += detail::unsubscribe_entry_size(f);
        const Unsubscribe p{id, TopicFilterList(filters)};
        return queue_frame(body, detail::first_byte(p), &p, &write_body_of<Unsubscribe>);
    }

    /// The BodyWriter of packet type P.
    template <class P>
    static void write_body_of(SpanWriter& w, const void* packet) noexcept {
        detail::write_body(w, *static_cast<const P*>(packet));
    }

    /// Writes a whole frame into `dst`, which is exactly its size: the first
    /// byte, the remaining length `body` (2.2.3), then `write`'s body.
    static void write_frame(std::span<std::byte> dst, std::size_t body, std::uint8_t first, const void* packet,
                            BodyWriter write) noexcept {
        SpanWriter w(dst); // exactly the frame's size: cannot overflow
        detail::put_u8(w, first);
        detail::put_remaining_length(w, static_cast<std::uint32_t>(body));
        write(w, packet);
    }

    /// Queues the frame of a packet whose body_size() is `body` and whose
    /// first byte is `first`; `write` writes its body.
    Status queue_frame(const Result<std::size_t>& body, std::uint8_t first, const void* packet,
                       BodyWriter write) noexcept {
        if (!body || *body > max_remaining_length) return Error::string_too_long;
        const std::size_t size = detail::frame_size(*body);
        if (size > tx_.size()) return Error::buffer_too_small;
        if (!tx_make_room(size)) return Error::send_buffer_full;
        const std::span<std::byte> dst(tx_.data() + tx_head_ + tx_len_, size);
        write_frame(dst, *body, first, packet, write);
        tx_len_ += size;
        tx_queued_total_ += size;
        trace_out(dst);
        return {};
    }

    bool queue_bytes(Bytes raw) noexcept {
        if (!tx_make_room(raw.size())) return false;
        std::byte* dst = tx_.data() + tx_head_ + tx_len_;
        std::memcpy(dst, raw.data(), raw.size());
        tx_len_ += raw.size();
        tx_queued_total_ += raw.size();
        trace_out(Bytes(dst, raw.size()));
        return true;
    }

    /// Sends what waits for room, oldest first: in-flight PUBLISH/PUBREL
    /// (4.6: resent in the original order), then SUBSCRIBE/UNSUBSCRIBE.
    void flush_pending(Time now) noexcept {
        if (state_ != State::connected) return;
        for (std::size_t i = 0; i < out_count_; ++i) {
            Outbound& o = out_[i];
            if (!o.needs_send) continue;
            const std::uint64_t at = tx_queued_total_;
            if (kQos2 && o.stage == Stage::await_pubcomp) {
                if (!queue(Pubrel{o.id})) return;
            } else {
                if (o.attempted) arena_[o.offset] |= std::byte{0x08}; // DUP on re-delivery (3.3.1.1)
                if (!queue_bytes(Bytes(arena_.data() + o.offset, o.length))) return;
            }
            o.needs_send = false;
            o.queued_at = at;
        }
        for (Subscription& e : subs_) {
            if (e.state == SubState::pending_subscribe) {
                const TopicSubscription one{e.filter(), e.requested};
                const PacketId id = allocate_packet_id();
                if (!queue_subscribe(id, std::span<const TopicSubscription>(&one, 1))) return;
                e.state = SubState::awaiting_suback;
                e.packet_id = id;
                e.index = 0;
                e.deadline = now + std::chrono::duration_cast<Time>(Config::resubscribe_timeout);
            } else if (e.state == SubState::pending_unsubscribe) {
                const std::string_view one = e.filter();
                const PacketId id = allocate_packet_id();
                if (!queue_unsubscribe(id, std::span<const std::string_view>(&one, 1))) return;
                e.state = SubState::awaiting_unsuback;
                e.packet_id = id;
                e.index = 0;
                e.deadline = now + std::chrono::duration_cast<Time>(Config::resubscribe_timeout);
            }
        }
    }

    // ------------------------------------------------------------ bookkeeping

    bool packet_id_in_use(PacketId id) const noexcept {
        if (find_outbound(id) != nullptr) return true;
        for (const Subscription& e : subs_)
            if (e.state != SubState::free && e.packet_id == id) return true;
        return false;
    }

    /// Packet ids run 1..65535 and wrap, skipping ids still in use (2.3.1).
    PacketId allocate_packet_id() noexcept {
        for (;;) {
            const PacketId id = next_id_;
            next_id_ = next_id_ == 65535 ? PacketId{1} : static_cast<PacketId>(next_id_ + 1);
            if (!packet_id_in_use(id)) return id;
        }
    }

    /// An active entry for `f` whose `subscribed` event has been reported:
    /// until then its packet id and index still belong to that report.
    static bool unsubscribable(const Subscription& e, std::string_view f) noexcept {
        return e.state == SubState::active && e.report == EventKind::none && e.filter() == f;
    }

    std::size_t free_subscription_slots() const noexcept {
        return Config::max_subscriptions - subscription_count();
    }
    Subscription* free_subscription() noexcept {
        for (Subscription& e : subs_)
            if (e.state == SubState::free) return &e;
        return nullptr;
    }
    void free_entry(Subscription& e) noexcept {
        e.state = SubState::free;
        e.report = EventKind::none;
        e.packet_id = 0;
        e.handler.reset();
    }

    const Outbound* find_outbound(PacketId id) const noexcept {
        for (std::size_t i = 0; i < out_count_; ++i)
            if (out_[i].id == id) return &out_[i];
        return nullptr;
    }
    Outbound* find_outbound(PacketId id) noexcept {
        return const_cast<Outbound*>(static_cast<const Session*>(this)->find_outbound(id));
    }

    /// Drops the stored PUBLISH bytes of `o`, keeping the arena contiguous.
    void release_bytes(Outbound& o) noexcept {
        if (o.length == 0) return;
        const std::size_t end = o.offset + o.length;
        std::memmove(arena_.data() + o.offset, arena_.data() + end, arena_used_ - end);
        arena_used_ -= o.length;
        // Entries whose bytes were released have offset 0, before `end` (> 0).
        for (std::size_t i = 0; i < out_count_; ++i)
            if (out_[i].offset >= end) out_[i].offset -= o.length;
        o.length = 0;
        o.offset = 0;
    }
    void remove_outbound(Outbound& o) noexcept {
        release_bytes(o);
        const std::size_t i = static_cast<std::size_t>(&o - out_.data());
        for (std::size_t j = i + 1; j < out_count_; ++j) out_[j - 1] = out_[j];
        --out_count_;
    }

    bool inbound_qos2_known(PacketId id) const noexcept {
        return std::find(inbound_.begin(), inbound_.begin() + static_cast<std::ptrdiff_t>(inbound_count_), id) !=
               inbound_.begin() + static_cast<std::ptrdiff_t>(inbound_count_);
    }
    void inbound_qos2_forget(PacketId id) noexcept {
        for (std::size_t i = 0; i < inbound_count_; ++i) {
            if (inbound_[i] == id) {
                inbound_[i] = inbound_[--inbound_count_];
                return;
            }
        }
    }

    void release_frame() noexcept {
        if (holding_frame_) {
            framer_.consume();
            holding_frame_ = false;
        }
    }

    void reset_connection() noexcept {
        for (std::size_t i = 0; i < out_count_; ++i) {
            Outbound& o = out_[i];
            if (!o.needs_send && o.queued_at < tx_sent_total_) o.attempted = true;
        }
        tx_queued_total_ -= tx_len_; // unsent bytes are dropped with the connection
        tx_head_ = tx_len_ = 0;
        framer_ = Framer(std::span<std::byte>(rx_));
        holding_frame_ = false;
        ping_outstanding_ = false;
    }

    /// Ends the connection (4.8: a protocol violation closes it).
    Event fail(Error reason) noexcept {
        state_ = State::disconnected;
        reset_connection();
        return Event{EventKind::disconnected, reason};
    }

    /// The next subscription outcome waiting to be reported.
    Event take_report() noexcept {
        for (Subscription& e : subs_) {
            if (e.report == EventKind::none) continue;
            Event ev{e.report};
            ev.packet_id = e.packet_id;
            ev.filter = e.filter();
            ev.index = e.index;
            ev.qos = e.granted;
            if (e.report == EventKind::subscription_refused) ev.error = Error::subscription_refused;
            if (e.report == EventKind::subscription_timeout) ev.error = Error::subscription_timeout;
            if (e.report == EventKind::unsubscribe_timeout) ev.error = Error::unsubscribe_timeout;
            e.report = EventKind::none;
            if (e.state == SubState::refused || e.state == SubState::gone) free_entry(e);
            return ev;
        }
        return {};
    }

    Event check_timers(Time now) noexcept {
        if (state_ == State::connecting && now >= connack_deadline_) return fail(Error::connack_timeout);
        for (Subscription& e : subs_) {
            const bool sub = e.state == SubState::awaiting_suback;
            if ((sub || e.state == SubState::awaiting_unsuback) && now >= e.deadline) {
                e.state = SubState::expired;
                e.report = sub ? EventKind::subscription_timeout : EventKind::unsubscribe_timeout;
                e.handler.reset();
            }
        }
        if (state_ == State::connected && keepalive_.count() > 0) {
            // 3.1.2.10: the server closes a link silent for 1.5 x keepalive; we
            // declare it dead on the same bound, counting any received packet.
            if (now - last_rx_ >= dead_after()) return fail(Error::keepalive_timeout);
            const bool quiet = now - last_tx_ >= keepalive_ || now - last_rx_ >= keepalive_;
            const bool may_ping = !ping_outstanding_ || now - ping_sent_ >= keepalive_;
            if (quiet && may_ping && tx_len_ == 0 && queue(Pingreq{})) {
                ping_outstanding_ = true;
                ping_sent_ = now;
            }
        }
        return {};
    }

    // ------------------------------------------------------------ input

    Event handle(const ServerPacket& packet, Time now) noexcept {
        if (state_ == State::connecting) {
            // 3.2.0: CONNACK comes first
            if (packet.type != PacketType::connack) return fail(Error::protocol_error);
            return on_connack(packet.connack, now);
        }
        switch (packet.type) {
        case PacketType::publish: return on_publish(packet.publish);
        case PacketType::puback: return on_puback(packet.packet_id);
        // Without QoS 2 (Config::max_qos) we never start these exchanges.
        case PacketType::pubrec:
            if constexpr (kQos2) return on_pubrec(packet.packet_id);
            else return fail(Error::qos2_disabled);
        case PacketType::pubrel:
            if constexpr (kQos2) return on_pubrel(packet.packet_id);
            else return fail(Error::qos2_disabled);
        case PacketType::pubcomp:
            if constexpr (kQos2) return on_pubcomp(packet.packet_id);
            else return fail(Error::qos2_disabled);
        case PacketType::suback: return on_suback(packet.packet_id, packet.codes);
        case PacketType::unsuback: return on_unsuback(packet.packet_id);
        case PacketType::pingresp: ping_outstanding_ = false; return {};
        // A second CONNACK, and the packets a server must never send (3.1,
        // 3.8, 3.10, 3.12, 3.14: CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT).
        default: return fail(Error::unexpected_packet);
        }
    }

    Event on_connack(const Connack& ack, Time now) noexcept {
        if (ack.code != ConnackCode::accepted) return fail(connack_error(ack.code));
        // [MQTT-3.2.2-1]: CleanSession=1 must be answered with Session Present 0.
        // Trusting a 1 here would skip every re-subscription and lose the filters.
        if (clean_session_ && ack.session_present) return fail(Error::protocol_error);
        state_ = State::connected;
        last_rx_ = now;
        for (Subscription& e : subs_) {
            switch (e.state) {
            case SubState::expired: free_entry(e); break;
            case SubState::active:
                if (!ack.session_present) e.state = SubState::pending_subscribe;
                break;
            case SubState::awaiting_suback: e.state = SubState::pending_subscribe; break;
            case SubState::awaiting_unsuback:
            case SubState::pending_unsubscribe:
                if (ack.session_present) {
                    e.state = SubState::pending_unsubscribe;
                } else { // the server forgot every subscription
                    e.state = SubState::gone;
                    e.report = EventKind::unsubscribed;
                }
                break;
            default: break;
            }
        }
        if (!ack.session_present) inbound_count_ = 0;
        for (std::size_t i = 0; i < out_count_; ++i) out_[i].needs_send = true; // 4.4
        flush_pending(now);
        Event e{EventKind::connected};
        e.session_present = ack.session_present;
        return e;
    }

    Event on_publish(const Publish& p) noexcept {
        Event e{EventKind::message};
        e.message = p;
        switch (p.qos) {
        case QoS::at_most_once: break;
        case QoS::at_least_once: (void)queue(Puback{p.packet_id}); break; // 4.3.2
        case QoS::exactly_once: {                                          // 4.3.3, method B
            // Without QoS 2 we never subscribe at 2, so the server may not send it
            // ([MQTT-3.8.4-6]); unacknowledged, it is not lost by closing.
            // The else branch is discarded then: nothing indexes the empty id table.
            if constexpr (!kQos2) {
                return fail(Error::qos2_disabled);
            } else {
                const bool duplicate = inbound_qos2_known(p.packet_id);
                if (!duplicate) {
                    if (inbound_count_ == inbound_.size()) return fail(Error::in_flight_full);
                    inbound_[inbound_count_++] = p.packet_id;
                }
                (void)queue(Pubrec{p.packet_id});
                if (duplicate) return {}; // delivered already
                break;
            }
        }
        }
        return e;
    }

    Event on_puback(PacketId id) noexcept {
        Outbound* o = find_outbound(id);
        if (o == nullptr) return fail(Error::unknown_packet_id);
        if (o->stage != Stage::await_puback) return fail(Error::protocol_error);
        remove_outbound(*o);
        Event e{EventKind::published};
        e.packet_id = id;
        return e;
    }

    Event on_pubrec(PacketId id) noexcept {
        Outbound* o = find_outbound(id);
        if (o == nullptr) return fail(Error::unknown_packet_id);
        if (o->stage == Stage::await_puback) return fail(Error::protocol_error);
        if (o->stage == Stage::await_pubrec) {
            o->stage = Stage::await_pubcomp;
            release_bytes(*o);
        }
        o->needs_send = !queue(Pubrel{id}); // 4.3.3
        return {};
    }

    Event on_pubrel(PacketId id) noexcept {
        inbound_qos2_forget(id);
        (void)queue(Pubcomp{id}); // 4.3.3: answer every PUBREL
        return {};
    }

    Event on_pubcomp(PacketId id) noexcept {
        Outbound* o = find_outbound(id);
        if (o == nullptr) return fail(Error::unknown_packet_id);
        if (o->stage != Stage::await_pubcomp) return fail(Error::protocol_error);
        remove_outbound(*o);
        Event e{EventKind::published};
        e.packet_id = id;
        return e;
    }

    Event on_suback(PacketId id, const SubackCodeList& codes) noexcept {
        std::size_t awaiting = 0;
        std::size_t expired = 0;
        for (const Subscription& e : subs_) {
            if (e.packet_id != id) continue;
            if (e.state == SubState::awaiting_suback) ++awaiting;
            if (e.state == SubState::expired) ++expired;
        }
        if (awaiting == 0 && expired == 0) return fail(Error::unknown_packet_id);
        if (awaiting == 0) { // late SUBACK after the timeout was reported
            for (Subscription& e : subs_)
                if (e.state == SubState::expired && e.packet_id == id) free_entry(e);
            return {};
        }
        if (codes.size() != awaiting) return fail(Error::suback_count_mismatch); // 3.9.3
        for (Subscription& e : subs_) {
            if (e.state != SubState::awaiting_suback || e.packet_id != id) continue;
            if (e.index >= codes.size()) return fail(Error::suback_count_mismatch);
            const SubackCode code = codes[e.index];
            if (code == SubackCode::failure) {
                e.state = SubState::refused;
                e.report = EventKind::subscription_refused;
                e.handler.reset();
            } else {
                e.state = SubState::active;
                e.granted = static_cast<QoS>(code);
                e.report = EventKind::subscribed;
            }
        }
        return {};
    }

    Event on_unsuback(PacketId id) noexcept {
        bool known = false;
        for (Subscription& e : subs_) {
            if (e.packet_id != id) continue;
            if (e.state == SubState::awaiting_unsuback) {
                known = true;
                e.state = SubState::gone;
                e.report = EventKind::unsubscribed;
                e.handler.reset();
            } else if (e.state == SubState::expired) {
                known = true;
                free_entry(e);
            }
        }
        if (!known) return fail(Error::unknown_packet_id);
        return {};
    }

    // ------------------------------------------------------------ state

    [[no_unique_address]] Tracer tracer_;
};

} // namespace alimqtt
