// alimqtt/client.hpp — Client<Transport, Clock, Config>: drives a Session over
// a non-blocking Transport; non-blocking poll() plus deadline-bounded blocking calls.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "alimqtt/concepts.hpp"
#include "alimqtt/error.hpp"
#include "alimqtt/inplace_function.hpp"
#include "alimqtt/session.hpp"

namespace alimqtt {

/// How to publish one message.
struct PublishOptions {
    QoS qos = QoS::at_most_once; ///< delivery guarantee (Aliyun: 0 or 1)
    bool retain = false;         ///< ask the broker to keep it for future subscribers
    /// QoS 1/2: block until PUBACK/PUBCOMP (Error::ack_timeout after `timeout`;
    /// the message then stays in flight and is resent after a reconnect).
    bool wait_for_ack = false;
    /// Bound on the whole call (waiting for queue room and, if asked, the ack).
    std::chrono::milliseconds timeout{10000};
};

/// Outcome of one filter of a blocking subscribe(): `error` is Error{} when
/// granted (at `granted`), else subscription_refused or subscription_timeout.
struct SubscribeOutcome {
    QoS granted = QoS::at_most_once;           ///< QoS the broker granted, when ok()
    Error error = Error::subscription_timeout; ///< Error{} when granted
    /// True when the filter was granted.
    bool ok() const noexcept { return error == Error{}; }
};

/// What connect() learned from the CONNACK.
struct Connected {
    bool session_present = false; ///< the server kept our session (3.2.2.2)
};

/// An MQTT 3.1.1 client over `T` (a non-blocking byte stream) timed by `C`.
/// Every call pumps the same receive path, so messages and acknowledgements
/// that arrive while a blocking call waits are handled normally. Handlers run
/// inside poll() or a blocking call; from a handler, publish() without
/// waiting is allowed, and any blocking call returns Error::reentrant_call.
template <Transport T, Clock C, class Config = DefaultConfig, class Tracer = NoTracer>
class Client {
public:
    using SessionType = Session<Config, Tracer>; ///< the protocol core it drives
    /// Message handler: `void(const Publish&)`, a small callable stored inline.
    using Handler = typename SessionType::Handler;
    /// Event observer: sees every event poll() or a blocking call produces.
    using EventHandler = InplaceFunction<void(const Event&), Config::handler_capacity>;
    using time_point = typename C::time_point;      ///< the Clock's time point
    using milliseconds = std::chrono::milliseconds; ///< unit of every timeout

    /// Borrows `transport` and `clock`; both must outlive the client.
    Client(T& transport, C& clock, Tracer tracer = {}) noexcept
        : transport_(&transport), clock_(&clock), session_(tracer) {}
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Uses `transport` from now on (e.g. a fresh connection for a reconnect).
    void set_transport(T& transport) noexcept { transport_ = &transport; }
    /// Observes every event (including those a blocking call consumes).
    void on_event(EventHandler h) noexcept { event_handler_ = h; }

    /// True while an MQTT connection is established (CONNACK 0 received).
    bool connected() const noexcept { return session_.connected(); }
    /// The sans-I/O session underneath (state, in-flight and subscription tables).
    SessionType& session() noexcept { return session_; }
    /// The Tracer given to the constructor.
    Tracer& tracer() noexcept { return session_.tracer(); }
    /// Platform error code of the last Transport failure (errno, err_t).
    int last_transport_error() const noexcept { return io_error_; }
    /// The Clock's current time: lets one deadline span several blocking calls.
    time_point now() const noexcept { return clock_->now(); }

    // ------------------------------------------------------------ non-blocking

    /// One round of I/O: sends what is queued, reads what is available, and
    /// returns the next event (kind none when idle). Call it until it returns
    /// none; views in the event stay valid until the next call.
    Result<Event> poll() noexcept {
        if (in_handler_ > 0) return Error::reentrant_call;
        return step();
    }

    /// Sends CONNECT; the outcome arrives as a connected/disconnected event.
    Status start_connect(const Connect& c, milliseconds timeout = std::chrono::seconds(10)) noexcept {
        if (in_handler_ > 0) return Error::reentrant_call;
        report_stale_disconnect();
        const time_point deadline = clock_->now() + to_clock(timeout);
        return session_.start_connect(c, session_now(), to_session(deadline));
    }

    /// Sends SUBSCRIBE for `filters` (handler registered first); each filter
    /// resolves as a subscribed / subscription_refused / subscription_timeout event.
    Result<PacketId> start_subscribe(std::span<const TopicSubscription> filters, const Handler& handler,
                                     milliseconds timeout = std::chrono::seconds(10)) noexcept {
        const time_point deadline = clock_->now() + to_clock(timeout);
        return session_.subscribe(filters, handler, session_now(), to_session(deadline));
    }

    /// Sends UNSUBSCRIBE; resolved by unsubscribed / unsubscribe_timeout events.
    Result<PacketId> start_unsubscribe(std::span<const std::string_view> filters,
                                       milliseconds timeout = std::chrono::seconds(10)) noexcept {
        const time_point deadline = clock_->now() + to_clock(timeout);
        return session_.unsubscribe(filters, session_now(), to_session(deadline));
    }

    // ------------------------------------------------------------ blocking

    /// Connects (CONNECT, then waits for CONNACK until `timeout`). Errors:
    /// refused_* (CONNACK 1..5), connack_timeout, connection_closed,
    /// transport_error, protocol_error, already_connected, reentrant_call.
    Result<Connected> connect(const Connect& c, milliseconds timeout = std::chrono::seconds(10)) noexcept {
        if (in_handler_ > 0) return Error::reentrant_call;
        report_stale_disconnect();
        const time_point deadline = clock_->now() + to_clock(timeout);
        if (auto s = session_.start_connect(c, session_now(), to_session(deadline)); !s) return s.error();
        Result<Connected> result = Error::connack_timeout;
        // pump() never times out first: once the clock reaches `deadline` its
        // last steps let the session see it, and the session ends the attempt
        // with its own connack_timeout (a disconnected event).
        (void)pump(deadline, [&](const Event& e) {
            if (e.kind == EventKind::connected) {
                result = Connected{e.session_present};
                return true;
            }
            if (e.kind == EventKind::disconnected) {
                result = e.error;
                return true;
            }
            return false;
        });
        if (result.ok()) stash(flush()); // resends queued by the CONNACK (pump left nothing stashed)
        return result;
    }

    /// Subscribes to one filter and waits for its SUBACK. Returns the granted
    /// QoS, or subscription_refused (0x80), subscription_timeout, not_connected,
    /// the disconnect reason, or a validation error.
    Result<QoS> subscribe(std::string_view filter, QoS qos, const Handler& handler,
                          milliseconds timeout = std::chrono::seconds(10)) noexcept {
        const TopicSubscription one{filter, qos};
        SubscribeOutcome out;
        if (auto s = subscribe(std::span<const TopicSubscription>(&one, 1), handler,
                               std::span<SubscribeOutcome>(&out, 1), timeout);
            !s)
            return s.error();
        if (!out.ok()) return out.error;
        return out.granted;
    }

    /// Subscribes to several filters with one SUBSCRIBE and waits until each
    /// is resolved; `outcomes[i]` tells filter i's fate. The Status is an error
    /// only when the call itself failed (not connected, disconnected, ...).
    Status subscribe(std::span<const TopicSubscription> filters, const Handler& handler,
                     std::span<SubscribeOutcome> outcomes, milliseconds timeout = std::chrono::seconds(10)) noexcept {
        if (in_handler_ > 0) return Error::reentrant_call;
        if (outcomes.size() < filters.size()) return Error::invalid_argument;
        const time_point deadline = clock_->now() + to_clock(timeout);
        for (SubscribeOutcome& o : outcomes) o = SubscribeOutcome{};
        Result<PacketId> id = Error::timeout;
        if (auto s = retry_while_full(deadline, [&] {
                id = session_.subscribe(filters, handler, session_now(), to_session(deadline));
                return id.ok() ? Status{} : Status{id.error()};
            });
            !s)
            return s;
        const PacketId pid = *id;
        Status pumped;
        const Error lost = pump_watching_link(deadline, pumped, [&](const Event& e) {
            if (e.packet_id == pid && e.index < filters.size()) {
                if (e.kind == EventKind::subscribed) outcomes[e.index] = SubscribeOutcome{e.qos, Error{}};
                if (e.kind == EventKind::subscription_refused || e.kind == EventKind::subscription_timeout)
                    outcomes[e.index] = SubscribeOutcome{QoS::at_most_once, e.error};
            }
            return !session_.outstanding(pid);
        });
        if (lost != Error{}) return lost;
        return {};
    }

    /// Unsubscribes from one active filter and waits for the UNSUBACK.
    Status unsubscribe(std::string_view filter, milliseconds timeout = std::chrono::seconds(10)) noexcept {
        return unsubscribe(std::span<const std::string_view>(&filter, 1), timeout);
    }

    /// Unsubscribes from active filters and waits for the UNSUBACK
    /// (unsubscribe_timeout if none came; the filters are forgotten anyway).
    Status unsubscribe(std::span<const std::string_view> filters,
                       milliseconds timeout = std::chrono::seconds(10)) noexcept {
        if (in_handler_ > 0) return Error::reentrant_call;
        const time_point deadline = clock_->now() + to_clock(timeout);
        Result<PacketId> id = Error::timeout;
        if (auto s = retry_while_full(deadline, [&] {
                id = session_.unsubscribe(filters, session_now(), to_session(deadline));
                return id.ok() ? Status{} : Status{id.error()};
            });
            !s)
            return s;
        Error timed_out{};
        const PacketId pid = *id;
        Status pumped; // never a timeout: the session reports unsubscribe_timeout by the deadline
        const Error lost = pump_watching_link(deadline, pumped, [&](const Event& e) {
            if (e.packet_id == pid && e.kind == EventKind::unsubscribe_timeout) timed_out = e.error;
            return !session_.outstanding(pid);
        });
        if (lost != Error{}) return lost;
        if (timed_out != Error{}) return timed_out;
        return {};
    }

    /// Publishes `payload` on `topic`. Returns the packet id (0 for QoS 0).
    /// Waits for queue room (send_buffer_full / in_flight_full after the
    /// timeout, at once from a handler) and, with wait_for_ack, for the ack.
    Result<PacketId> publish(std::string_view topic, Bytes payload, const PublishOptions& opt = {}) noexcept {
        if (opt.wait_for_ack && opt.qos != QoS::at_most_once && in_handler_ > 0) return Error::reentrant_call;
        const time_point deadline = clock_->now() + to_clock(opt.timeout);
        Result<PacketId> id = Error::timeout;
        if (auto s = retry_while_full(deadline, [&] {
                id = session_.publish(topic, payload, opt.qos, opt.retain);
                return id.ok() ? Status{} : Status{id.error()};
            });
            !s)
            return s.error();
        // On the wire now; a failure shows in the next poll. Nothing is stashed:
        // only a failed flush stashes, it ends the connection, and publish() needs one.
        if (in_handler_ == 0) stash(flush());
        if (!opt.wait_for_ack || opt.qos == QoS::at_most_once) return id;
        const PacketId pid = *id;
        Status pumped;
        const Error lost = pump_watching_link(deadline, pumped, [&](const Event&) { return !session_.in_flight(pid); });
        if (lost != Error{}) return lost;
        if (!pumped) return Error::ack_timeout;
        return pid;
    }

    /// Text-payload convenience overload.
    Result<PacketId> publish(std::string_view topic, std::string_view payload, const PublishOptions& opt = {}) noexcept {
        return publish(topic, Bytes(reinterpret_cast<const std::byte*>(payload.data()), payload.size()), opt);
    }

    /// Sends DISCONNECT and waits (until `timeout`) for it to leave; then the
    /// connection is closed. Subscriptions and in-flight messages are kept.
    Status disconnect(milliseconds timeout = std::chrono::seconds(5)) noexcept {
        if (in_handler_ > 0) return Error::reentrant_call;
        if (auto s = session_.disconnect(); !s) return s;
        const time_point deadline = clock_->now() + to_clock(timeout);
        const Status s = pump(deadline, [](const Event& e) { return e.kind == EventKind::disconnected; });
        if (!s) {
            deliver(session_.connection_lost(Error::timeout));
            return Error::timeout;
        }
        return {};
    }

    /// Pumps the connection (handlers and on_event run first) until
    /// `done(event)` returns true, e.g. for a message the server sends
    /// without a SUBSCRIBE. Errors: timeout when `timeout` passes first; the
    /// reason (or not_connected) when the connection drops and `done` did
    /// not accept that event; not_connected, reentrant_call.
    template <class Done>
        requires std::is_invocable_r_v<bool, Done&, const Event&>
    Status run_until_event(milliseconds timeout, Done&& done) noexcept {
        if (in_handler_ > 0) return Error::reentrant_call;
        if (!session_.connected()) return Error::not_connected;
        Error lost{};
        const time_point deadline = clock_->now() + to_clock(timeout);
        const Status s = pump(deadline, [&](const Event& e) {
            if (done(e)) return true;
            if (e.kind != EventKind::disconnected) return false;
            lost = lost_reason(e);
            return true;
        });
        if (lost != Error{}) return lost;
        return s;
    }

    /// Pumps the connection (handlers and on_event run) for `duration`.
    /// Returns early with the reason if the connection drops.
    Status run_for(milliseconds duration) noexcept {
        if (in_handler_ > 0) return Error::reentrant_call;
        if (!session_.connected()) return Error::not_connected;
        Status pumped;
        const Error lost = pump_watching_link(clock_->now() + to_clock(duration), pumped, [](const Event&) { return false; });
        if (lost != Error{}) return lost;
        return {};
    }

    /// Pumps the connection (handlers and on_event run) until `done()` is
    /// true or `deadline`. `done` is checked first and after every event, so
    /// a handler that records a result ends the wait at once. Returns {} when
    /// done, Error::timeout at the deadline, or the reason the connection
    /// dropped (not_connected if it was not up).
    template <class Done>
        requires std::is_invocable_r_v<bool, Done&>
    Status run_until(time_point deadline, Done&& done) noexcept {
        if (in_handler_ > 0) return Error::reentrant_call;
        if (!session_.connected()) return Error::not_connected;
        if (done()) return {};
        Status pumped;
        const Error lost = pump_watching_link(deadline, pumped, [&](const Event&) { return static_cast<bool>(done()); });
        if (lost != Error{}) return lost;
        return pumped;
    }

    /// Same, with the deadline `timeout` from now.
    template <class Done>
        requires std::is_invocable_r_v<bool, Done&>
    Status run_until(milliseconds timeout, Done&& done) noexcept {
        return run_until(clock_->now() + to_clock(timeout), done);
    }

private:
    typename C::duration to_clock(milliseconds d) const noexcept {
        return std::chrono::duration_cast<typename C::duration>(d);
    }
    typename SessionType::Time session_now() const noexcept {
        return std::chrono::duration_cast<typename SessionType::Time>(clock_->now().time_since_epoch());
    }
    typename SessionType::Time to_session(time_point t) const noexcept {
        // Round down, like session_now(): once the clock reaches a deadline the
        // session sees it too, so a blocking call never returns a timeout the
        // session has not reported (and later resolves otherwise).
        return std::chrono::floor<typename SessionType::Time>(t.time_since_epoch());
    }

    /// Sends queued bytes until the transport stops accepting them.
    Event flush() noexcept {
        for (;;) {
            const Bytes out = session_.pending_output();
            if (out.empty()) return {};
            const IoResult r = transport_->send(out);
            if (r.status != IoStatus::ok) return io_stopped(r);
            if (r.bytes == 0) return {};
            session_.output_sent(r.bytes, session_now());
        }
    }

    /// Reads once; returns the event it causes (if any). `got_data` tells
    /// whether bytes arrived (so reading again may find more).
    Event read(bool& got_data) noexcept {
        got_data = false;
        if (!session_.wants_input()) return {};
        const std::span<std::byte> space = session_.input_space();
        if (space.empty()) return {};
        const IoResult r = transport_->recv(space);
        if (r.status != IoStatus::ok) return io_stopped(r);
        got_data = r.bytes > 0;
        session_.input_received(r.bytes);
        return session_.next_event(session_now());
    }

    /// What a send or recv that moved nothing means: nothing yet (would_block),
    /// or the end of the connection (closed; any other status is an error).
    Event io_stopped(const IoResult& r) noexcept {
        if (r.status == IoStatus::would_block) return {};
        if (r.status == IoStatus::closed) return session_.connection_lost(Error::connection_closed);
        io_error_ = r.code;
        return session_.connection_lost(Error::transport_error);
    }

    /// The single receive path: flush, timers and buffered input, then reads.
    /// Returns (and delivers) at most one event.
    Event step() noexcept {
        Event e = take_stashed();
        if (!e) e = flush();
        if (!e) e = session_.next_event(session_now());
        while (!e) { // read until an event or nothing more is available now
            bool got_data = false;
            e = read(got_data);
            if (!got_data) break;
        }
        if (!e) e = flush(); // acknowledgements queued by the input
        deliver(e);
        return e;
    }

    /// Runs handlers for an event: message handlers, then the event observer.
    void deliver(const Event& e) noexcept {
        if (!e) return;
        ++in_handler_;
        if (e.kind == EventKind::message)
            (void)session_.dispatch(e.message, [](const Handler& h, const Publish& m) { h(m); });
        if (event_handler_) event_handler_(e);
        --in_handler_;
        if (e.kind == EventKind::disconnected) close_transport();
    }

    /// Keeps `e`, the result of flush() (none or `disconnected`), for the next step().
    void stash(const Event& e) noexcept {
        stashed_ = static_cast<bool>(e);
        stashed_error_ = e.error;
    }
    /// The stashed event (none if there is none); forgets it.
    Event take_stashed() noexcept {
        if (!stashed_) return {};
        stashed_ = false;
        return Event{EventKind::disconnected, stashed_error_};
    }

    /// A `disconnected` event stashed by publish() (its send failed) belongs to
    /// the connection that is over. When the application connects again before
    /// polling, tell the observer now, but without closing the transport: it
    /// is the new connection, and the old event must not end it or fail it.
    void report_stale_disconnect() noexcept {
        if (!stashed_) return;
        const Event e = take_stashed();
        ++in_handler_;
        if (event_handler_) event_handler_(e);
        --in_handler_;
    }

    /// Why the connection ended, as an error: the `disconnected` event's
    /// reason, or not_connected for a clean close (DISCONNECT sent).
    static Error lost_reason(const Event& disconnected) noexcept {
        return disconnected.error == Error{} ? Error::not_connected : disconnected.error;
    }

    void close_transport() noexcept {
        if constexpr (requires(T& t) { t.close(); }) transport_->close();
    }

    /// Pumps events until `done(event)` says so; Error::timeout at `deadline`.
    template <class Done>
    Status pump(time_point deadline, Done&& done) noexcept {
        using D = std::remove_reference_t<Done>;
        return pump_until(deadline, &done, [](void* d, const Event& e) noexcept -> bool { return (*static_cast<D*>(d))(e); });
    }

    /// pump() that also ends when the connection drops: returns the reason
    /// (not_connected for a clean close) or Error{} if it stayed up; `pumped`
    /// gets pump()'s own status. `done` never sees the disconnected event.
    template <class Done>
    Error pump_watching_link(time_point deadline, Status& pumped, Done&& done) noexcept {
        Error lost{};
        pumped = pump(deadline, [&](const Event& e) {
            if (e.kind != EventKind::disconnected) return static_cast<bool>(done(e));
            lost = lost_reason(e);
            return true;
        });
        return lost;
    }

    /// The loop of pump(), one copy for every caller: `done(ctx, event)` ends it.
    Status pump_until(time_point deadline, void* ctx, bool (*done)(void*, const Event&) noexcept) noexcept {
        for (;;) {
            const Event e = step();
            if (e) {
                if (done(ctx, e)) return {};
                continue;
            }
            if (clock_->now() >= deadline) {
                // Let the session see the deadline too, so it reports its own timeouts.
                for (Event late = step(); late; late = step())
                    if (done(ctx, late)) return {};
                return Error::timeout;
            }
            wait(deadline);
        }
    }

    /// Retries `attempt` while the session is out of queue or in-flight room.
    template <class Attempt>
    Status retry_while_full(time_point deadline, Attempt&& attempt) noexcept {
        using A = std::remove_reference_t<Attempt>;
        return retry_until(deadline, &attempt, [](void* a) noexcept -> Status { return (*static_cast<A*>(a))(); });
    }

    /// The loop of retry_while_full(), one copy for every caller.
    Status retry_until(time_point deadline, void* ctx, Status (*attempt)(void*) noexcept) noexcept {
        for (;;) {
            const Status s = attempt(ctx);
            if (s || (s.error() != Error::send_buffer_full && s.error() != Error::in_flight_full)) return s;
            if (in_handler_ > 0 || clock_->now() >= deadline) return s;
            if (const Event e = step(); e.kind == EventKind::disconnected) return lost_reason(e);
            if (clock_->now() < deadline) wait(deadline);
        }
    }

    /// Sleeps until the transport may move, the session has a timer due, or `deadline`.
    void wait(time_point deadline) noexcept {
        if constexpr (WaitableTransport<T, C>) {
            time_point until = deadline;
            const auto next = session_.next_deadline();
            if (next != SessionType::Time::max()) {
                if (next <= session_now()) return; // also Time::min(): converting it would overflow
                const time_point t{std::chrono::duration_cast<typename C::duration>(next)};
                until = std::min(until, t);
            }
            transport_->wait(until, !session_.pending_output().empty());
        }
    }

    T* transport_;
    C* clock_;
    SessionType session_;
    EventHandler event_handler_;
    int io_error_ = 0;
    int in_handler_ = 0;
    /// A `disconnected` event found outside step() (a failed flush), returned
    /// by the next one; only its reason is kept.
    bool stashed_ = false;
    Error stashed_error_{}; ///< the stashed event's reason
};

} // namespace alimqtt
