// libFuzzer target for the session and client: the fuzz input is a program of
// steps — inbound bytes (raw or well-formed), clock advances, API calls
// (connect, subscribe, unsubscribe, publish, poll, disconnect, reconnect) and
// transport behaviour (short sends, short reads, peer close, reset) — run
// against a real alimqtt::Client over an in-memory transport and a manual
// microsecond clock. After every step the invariants below are checked; a
// violation prints what broke and aborts (a libFuzzer finding).
//
// Invariants:
//  I1 every byte the client writes parses, packet by packet, with the codec's
//     validating decoder; each connection starts with CONNECT, carries only
//     packets a client may send, and nothing follows DISCONNECT;
//  I2 every subscription/unsubscription outcome event refers to a filter the
//     client asked for (by API or by a resubscribe it sent) and each is
//     reported at most once; a blocking subscribe() result agrees with the
//     events already reported;
//  I3 at the end, with the connection up, a jump past every deadline resolves
//     every outstanding subscribe/unsubscribe of that connection;
//  I4 a `published` event is reported once, for a QoS 1/2 message in flight;
//  I5 the in-flight count and subscription count stay within the Config;
//  I6 a handler runs only for messages whose topic matches one of its filters
//     that has not been refused or timed out;
//  I7 only with QoS 2 compiled out (FUZZ_SESSION_MAX_QOS1, target
//     fuzz_session_qos1: Config::max_qos = QoS 1, as the Aliyun devices ship):
//     a publish or subscribe asking for QoS 2 fails with qos2_disabled
//     (not_connected when offline) and changes nothing: no packet, byte or
//     event, no in-flight or subscription entry; the client never queues a
//     QoS 2 PUBLISH or SUBSCRIBE, nor PUBREC/PUBREL/PUBCOMP; a QoS 2 PUBLISH or
//     a PUBREC/PUBREL/PUBCOMP received on a CONNACKed link is followed, within
//     the same step and before anything else, by a `disconnected` event whose
//     error is qos2_disabled: nothing queued (no PUBACK/PUBREC), no handler run,
//     no `message` event. No handler or `message` event ever sees QoS 2.
// One source, two targets: fuzz_session (QoS 2 on) and fuzz_session_qos1.
#include <alimqtt/client.hpp>
#include <alimqtt/codec/decode.hpp>
#include <alimqtt/topic.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using alimqtt::Error;
using alimqtt::EventKind;
using alimqtt::QoS;

/// FUZZ_SESSION_TRACE=1 prints every step, event and queued packet (to read a finding).
const bool kTrace = std::getenv("FUZZ_SESSION_TRACE") != nullptr;

[[noreturn]] void violation(const char* what, long a = 0, long b = 0) {
    std::fprintf(stderr, "fuzz_session invariant violated: %s (%ld, %ld)\n", what, a, b);
    std::abort();
}
#define FUZZ_CHECK(cond, ...) \
    do {                      \
        if (!(cond)) violation(#cond __VA_OPT__(, ) __VA_ARGS__); \
    } while (0)

/// Small capacities so the fuzzer reaches every limit.
struct FuzzConfig : alimqtt::DefaultConfig {
    static constexpr std::size_t rx_buffer_size = 128;
    static constexpr std::size_t tx_buffer_size = 256;
    static constexpr std::size_t max_subscriptions = 4;
    static constexpr std::size_t max_in_flight = 3;
    static constexpr std::size_t in_flight_arena_size = 384;
    static constexpr std::size_t max_inbound_qos2 = 3;
    static constexpr std::size_t max_topic_length = 32;
    static constexpr std::chrono::milliseconds resubscribe_timeout{2000};
#ifdef FUZZ_SESSION_MAX_QOS1
    static constexpr QoS max_qos = QoS::at_least_once;
#endif
};
/// Whether this build fuzzes the QoS 2 exchanges (else invariant I7 holds).
constexpr bool kQos2 = FuzzConfig::max_qos == QoS::exactly_once;

/// A manual clock with microsecond ticks (so sub-millisecond rounding shows).
struct FuzzClock {
    using rep = std::int64_t;
    using period = std::micro;
    using duration = std::chrono::duration<rep, period>;
    using time_point = std::chrono::time_point<FuzzClock, duration>;
    time_point now() const noexcept { return t; }
    time_point t{std::chrono::seconds(1000) + std::chrono::microseconds(1)};
};

/// Cuts the outbound byte stream of one connection into packets and checks them (I1).
class OutboundChecker {
public:
    struct Sent {
        alimqtt::PacketType type;
        unsigned packet_id;
        std::size_t filters;
    };

    /// Appends `bytes`; returns the packets completed by them.
    std::vector<Sent> feed(alimqtt::Bytes bytes) {
        buf_.insert(buf_.end(), bytes.begin(), bytes.end());
        std::vector<Sent> out;
        for (;;) {
            auto h = alimqtt::parse_fixed_header(alimqtt::Bytes(buf_.data(), buf_.size()));
            if (!h) {
                FUZZ_CHECK(h.error() == Error::need_more_data, static_cast<long>(h.error()));
                break;
            }
            if (buf_.size() < h->frame_size()) break;
            const alimqtt::Bytes frame(buf_.data(), h->frame_size());
            auto p = alimqtt::decode_packet(frame);
            FUZZ_CHECK(p.ok(), static_cast<long>(p.error()), static_cast<long>(h->type));
            const auto type = alimqtt::packet_type(*p);
            FUZZ_CHECK(!after_disconnect_, static_cast<long>(type));
            FUZZ_CHECK((packets_ == 0) == (type == alimqtt::PacketType::connect), static_cast<long>(type), packets_);
            switch (type) {
            case alimqtt::PacketType::connack:
            case alimqtt::PacketType::suback:
            case alimqtt::PacketType::unsuback:
            case alimqtt::PacketType::pingresp: violation("client sent a server-only packet", static_cast<long>(type));
            default: break;
            }
            Sent s{type, 0, 0};
            if (auto* sub = std::get_if<alimqtt::Subscribe>(&*p)) s = {type, sub->packet_id, sub->filters.size()};
            if (auto* uns = std::get_if<alimqtt::Unsubscribe>(&*p)) s = {type, uns->packet_id, uns->filters.size()};
            if (type == alimqtt::PacketType::disconnect) after_disconnect_ = true;
            ++packets_;
            out.push_back(s);
            buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(h->frame_size()));
        }
        return out;
    }
    /// A new connection: a partial packet cut by the close is allowed.
    void reset() {
        buf_.clear();
        packets_ = 0;
        after_disconnect_ = false;
    }

private:
    std::vector<std::byte> buf_;
    long packets_ = 0;
    bool after_disconnect_ = false;
};

struct Checker;

/// In-memory transport: inbound bytes come from the fuzz program, outbound
/// bytes go to the checker; short sends and reads as the program says.
/// wait() moves the clock to the deadline, so blocking calls always end.
struct FuzzTransport {
    alimqtt::IoResult send(std::span<const std::byte> out);
    alimqtt::IoResult recv(std::span<std::byte> in) {
        if (!open) return alimqtt::IoResult::failed(EBADF);
        if (reset) return alimqtt::IoResult::failed(ECONNRESET);
        if (inbound.empty()) return peer_closed ? alimqtt::IoResult::eof() : alimqtt::IoResult::blocked();
        const std::size_t n = std::min({in.size(), inbound.size(), read_chunk});
        std::memcpy(in.data(), inbound.data(), n);
        inbound.erase(inbound.begin(), inbound.begin() + static_cast<std::ptrdiff_t>(n));
        return alimqtt::IoResult::done(n);
    }
    bool wait(FuzzClock::time_point deadline, bool) {
        if (deadline > clock->t && deadline != FuzzClock::time_point::max()) clock->t = deadline;
        else clock->t += 1ms; // never spin forever on a deadline in the past
        return true;
    }
    void close() { open = false; }

    FuzzClock* clock = nullptr;
    Checker* checker = nullptr;
    std::vector<std::byte> inbound;
    std::size_t send_budget = SIZE_MAX;
    std::size_t read_chunk = 4096;
    bool open = false;
    bool peer_closed = false;
    bool reset = false;
};

/// Sees every packet the session queues (and receives) and tells the checker.
struct FuzzTracer {
    Checker* checker = nullptr;
    void on_packet(alimqtt::Direction d, const alimqtt::Packet& p, alimqtt::Bytes raw);
};

using FuzzClient = alimqtt::Client<FuzzTransport, FuzzClock, FuzzConfig, FuzzTracer>;

/// Topic names and filters the program picks from (index = one input byte).
constexpr std::string_view kFilters[] = {"a/b", "a/+", "a/#", "#", "+/b", "c", "a/b/c", "+", "$SYS/x", "c/#"};
constexpr std::string_view kTopics[] = {"a/b", "a/c", "c", "a/b/c", "x/b", "$SYS/x", "c/d", "a"};

/// One subscribe call: its filters and which of them still may dispatch (I6).
struct SubscribeCall {
    std::vector<std::string> filters;
    std::vector<bool> dead; ///< refused or timed out
};

/// The model of what the client owes and has reported (I2..I6).
struct Checker {
    FuzzClient* client = nullptr;
    OutboundChecker out;
    std::map<std::pair<unsigned, unsigned>, int> sub_pending;   ///< (packet id, index) -> outstanding count
    std::map<std::pair<unsigned, unsigned>, int> unsub_pending; ///< same for UNSUBSCRIBE
    std::map<std::pair<unsigned, unsigned>, int> sub_epoch;     ///< connection number of the newest issue
    std::map<std::pair<unsigned, unsigned>, int> unsub_epoch;
    std::map<unsigned, int> in_flight;     ///< outbound QoS 1/2 ids not yet `published`
    std::map<unsigned, std::pair<std::size_t, std::size_t>> sub_calls; ///< packet id -> (call index, filter count)
    std::vector<SubscribeCall> calls;
    std::vector<std::pair<unsigned, std::size_t>> queued_subscribes; ///< (id, filters) queued since last cleared
    int epoch = 0;
    bool connected = false;
    std::size_t queued = 0, sent = 0, events = 0; ///< packets queued, bytes sent, events seen
    bool qos2_close_due = false; ///< I7: a QoS 2 packet came in; the link must end with qos2_disabled

    void on_sent(alimqtt::Bytes bytes) {
        sent += bytes.size();
        (void)out.feed(bytes);
    }

    /// Tracer hook: every packet the session took in, before it acts on it.
    void on_received(const alimqtt::Packet& p) {
        if constexpr (!kQos2) {
            const auto* pub = std::get_if<alimqtt::Publish>(&p);
            const bool qos2 = (pub && pub->qos == QoS::exactly_once) || std::holds_alternative<alimqtt::Pubrec>(p) ||
                              std::holds_alternative<alimqtt::Pubrel>(p) || std::holds_alternative<alimqtt::Pubcomp>(p);
            // Before the CONNACK any other packet is a protocol_error instead.
            if (qos2 && client->session().state() != FuzzClient::SessionType::State::connecting) qos2_close_due = true;
        }
    }
    /// I7: the QoS-1-only client never starts or answers a QoS 2 exchange.
    static void check_no_qos2(const alimqtt::Packet& p) {
        const auto type = alimqtt::packet_type(p);
        FUZZ_CHECK(type != alimqtt::PacketType::pubrec && type != alimqtt::PacketType::pubrel &&
                       type != alimqtt::PacketType::pubcomp,
                   static_cast<long>(type));
        if (auto* pub = std::get_if<alimqtt::Publish>(&p)) FUZZ_CHECK(pub->qos != QoS::exactly_once);
        if (auto* sub = std::get_if<alimqtt::Subscribe>(&p))
            for (const auto& f : sub->filters) FUZZ_CHECK(f.qos != QoS::exactly_once, static_cast<long>(sub->packet_id));
    }

    /// Tracer hook: every packet the session queues. SUBSCRIBE / UNSUBSCRIBE
    /// (from the API or a resubscribe after reconnect) create what must later
    /// resolve; a QoS 1/2 PUBLISH puts its id in flight.
    void on_queued(const alimqtt::Packet& p) {
        ++queued;
        FUZZ_CHECK(!qos2_close_due, static_cast<long>(alimqtt::packet_type(p))); // I7: not even a PUBACK
        if constexpr (!kQos2) check_no_qos2(p);
        if (auto* sub = std::get_if<alimqtt::Subscribe>(&p)) {
            queued_subscribes.emplace_back(sub->packet_id, sub->filters.size());
            for (unsigned i = 0; i < sub->filters.size(); ++i) issue_sub(sub->packet_id, i);
        } else if (auto* uns = std::get_if<alimqtt::Unsubscribe>(&p)) {
            FUZZ_CHECK(uns->filters.size() == 1, static_cast<long>(uns->filters.size()));
            unsub_pending[{uns->packet_id, 0}] += 1;
            unsub_epoch[{uns->packet_id, 0}] = epoch;
        } else if (auto* pub = std::get_if<alimqtt::Publish>(&p); pub && pub->qos != QoS::at_most_once) {
            in_flight[pub->packet_id] = 1; // a resend of an id in flight is the same message
        }
    }
    void issue_sub(unsigned id, unsigned index) {
        sub_pending[{id, index}] += 1;
        sub_epoch[{id, index}] = epoch;
    }
    void resolve(std::map<std::pair<unsigned, unsigned>, int>& m, const alimqtt::Event& e) {
        auto it = m.find({e.packet_id, e.index});
        FUZZ_CHECK(it != m.end() && it->second > 0, static_cast<long>(e.packet_id), static_cast<long>(e.index));
        --it->second;
    }
    void mark_dead(unsigned id, unsigned index) {
        if (auto it = sub_calls.find(id); it != sub_calls.end() && index < calls[it->second.first].dead.size())
            calls[it->second.first].dead[index] = true;
    }

    void on_event(const alimqtt::Event& e) {
        if (kTrace)
            std::fprintf(stderr, "  event %s %s id=%u index=%u\n", std::string(alimqtt::to_string(e.kind)).c_str(),
                         e.error == Error{} ? "" : std::string(alimqtt::to_string(e.error)).c_str(),
                         static_cast<unsigned>(e.packet_id), static_cast<unsigned>(e.index));
        ++events;
        if (qos2_close_due) { // I7: the QoS 2 packet ends the link, first thing
            FUZZ_CHECK(e.kind == EventKind::disconnected && e.error == Error::qos2_disabled, static_cast<long>(e.kind),
                       static_cast<long>(e.error));
            qos2_close_due = false;
        }
        switch (e.kind) {
        case EventKind::connected:
            FUZZ_CHECK(!connected);
            connected = true;
            break;
        case EventKind::disconnected:
            FUZZ_CHECK(client->session().state() == FuzzClient::SessionType::State::disconnected,
                       static_cast<long>(client->session().state()));
            connected = false;
            break;
        case EventKind::subscribed: resolve(sub_pending, e); break;
        case EventKind::subscription_refused:
        case EventKind::subscription_timeout:
            resolve(sub_pending, e);
            mark_dead(e.packet_id, e.index);
            break;
        case EventKind::unsubscribed:
        case EventKind::unsubscribe_timeout: resolve(unsub_pending, e); break;
        case EventKind::published: {
            auto it = in_flight.find(e.packet_id);
            FUZZ_CHECK(it != in_flight.end(), static_cast<long>(e.packet_id));
            in_flight.erase(it);
            break;
        }
        case EventKind::message:
            if constexpr (!kQos2) FUZZ_CHECK(e.message.qos != QoS::exactly_once); // I7
            break;
        case EventKind::oversize_packet:
        case EventKind::none: break;
        }
        check_bounds();
    }

    void on_handler(std::size_t call, const alimqtt::Publish& m) {
        FUZZ_CHECK(!qos2_close_due, static_cast<long>(call)); // I7: a QoS 2 PUBLISH is never delivered
        if constexpr (!kQos2) FUZZ_CHECK(m.qos != QoS::exactly_once, static_cast<long>(call));
        const SubscribeCall& c = calls.at(call);
        bool live_match = false;
        for (std::size_t i = 0; i < c.filters.size(); ++i)
            live_match = live_match || (!c.dead[i] && alimqtt::topic_matches(c.filters[i], m.topic));
        FUZZ_CHECK(live_match, static_cast<long>(call));
    }

    void check_bounds() {
        auto& s = client->session();
        FUZZ_CHECK(s.in_flight_count() <= FuzzConfig::max_in_flight, static_cast<long>(s.in_flight_count()));
        FUZZ_CHECK(s.subscription_count() <= FuzzConfig::max_subscriptions, static_cast<long>(s.subscription_count()));
    }
};

void FuzzTracer::on_packet(alimqtt::Direction d, const alimqtt::Packet& p, alimqtt::Bytes raw) {
    if (kTrace)
        std::fprintf(stderr, "  %s type %d\n", d == alimqtt::Direction::out ? "queued" : "received",
                     static_cast<int>(alimqtt::packet_type(p)));
    if (d != alimqtt::Direction::out) return checker->on_received(p);
    // The bytes queued must be exactly one valid packet (I1, before the wire).
    auto again = alimqtt::decode_packet(raw);
    FUZZ_CHECK(again.ok(), static_cast<long>(again.error()));
    checker->on_queued(p);
}

alimqtt::IoResult FuzzTransport::send(std::span<const std::byte> out) {
    if (!open || reset) return alimqtt::IoResult::failed(EPIPE);
    const std::size_t n = std::min(out.size(), send_budget);
    if (n == 0) return alimqtt::IoResult::blocked();
    if (send_budget != SIZE_MAX) send_budget -= n;
    checker->on_sent(out.first(n));
    return alimqtt::IoResult::done(n);
}

/// Reads the fuzz program.
class Program {
public:
    Program(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
    bool done() const { return i_ >= n_; }
    std::uint8_t u8() { return i_ < n_ ? d_[i_++] : 0; }
    unsigned u16() { return (unsigned{u8()} << 8) | u8(); }
    std::vector<std::byte> bytes(std::size_t k) {
        k = std::min(k, n_ - i_);
        std::vector<std::byte> v(reinterpret_cast<const std::byte*>(d_ + i_), reinterpret_cast<const std::byte*>(d_ + i_ + k));
        i_ += k;
        return v;
    }

private:
    const std::uint8_t* d_;
    std::size_t n_;
    std::size_t i_ = 0;
};

void put(std::vector<std::byte>& v, unsigned b) { v.push_back(static_cast<std::byte>(b & 0xFF)); }
void put16(std::vector<std::byte>& v, unsigned x) {
    put(v, x >> 8);
    put(v, x);
}
std::vector<std::byte> frame(unsigned first, const std::vector<std::byte>& body) {
    std::vector<std::byte> v;
    put(v, first);
    std::size_t n = body.size();
    do {
        unsigned d = n % 128;
        n /= 128;
        put(v, n ? d | 0x80 : d);
    } while (n);
    v.insert(v.end(), body.begin(), body.end());
    return v;
}

/// Picks an id the client probably knows (so acks hit real state), or any id.
unsigned pick_id(Checker& c, Program& p) {
    const unsigned sel = p.u8();
    std::vector<unsigned> ids;
    for (auto& [id, n] : c.in_flight) ids.push_back(id);
    for (auto& [k, n] : c.sub_pending)
        if (n > 0) ids.push_back(k.first);
    for (auto& [k, n] : c.unsub_pending)
        if (n > 0) ids.push_back(k.first);
    if (sel < 200 && !ids.empty()) return ids[sel % ids.size()];
    return p.u16();
}

/// A well-formed broker packet chosen by the program.
std::vector<std::byte> broker_packet(Checker& c, Program& p) {
    const unsigned kind = p.u8() % 9;
    std::vector<std::byte> body;
    switch (kind) {
    case 0: { // CONNACK
        const unsigned b = p.u8();
        const unsigned code = (b >> 1) % 8 < 6 ? ((b >> 1) % 8 < 3 ? 0 : (b >> 1) % 6) : 0;
        put(body, code == 0 ? (b & 0x01) : 0); // a refusal has Session Present 0 [MQTT-3.2.2-4]
        put(body, code);
        return frame(0x20, body);
    }
    case 1: { // SUBACK
        put16(body, pick_id(c, p));
        const unsigned n = 1 + p.u8() % 3;
        for (unsigned i = 0; i < n; ++i) {
            const unsigned code = p.u8() % 4;
            put(body, code == 3 ? 0x80 : code);
        }
        return frame(0x90, body);
    }
    case 2: put16(body, pick_id(c, p)); return frame(0x40, body); // PUBACK
    case 3: put16(body, pick_id(c, p)); return frame(0x50, body); // PUBREC
    case 4: put16(body, pick_id(c, p)); return frame(0x70, body); // PUBCOMP
    case 5: put16(body, pick_id(c, p)); return frame(0xB0, body); // UNSUBACK
    case 6: put16(body, 1 + p.u8() % 8); return frame(0x62, body);  // PUBREL
    case 7: return frame(0xD0, body);                               // PINGRESP
    default: { // PUBLISH
        const unsigned b = p.u8();
        const unsigned qos = b % 3;
        const std::string_view topic = kTopics[(b >> 2) % std::size(kTopics)];
        put16(body, static_cast<unsigned>(topic.size()));
        for (char ch : topic) put(body, static_cast<unsigned char>(ch));
        if (qos) put16(body, 1 + p.u8() % 8);
        const auto payload = p.bytes(p.u8() % 24);
        body.insert(body.end(), payload.begin(), payload.end());
        return frame(0x30 | (qos << 1) | ((b & 0x80) && qos ? 0x08 : 0) | ((b >> 6) & 1), body);
    }
    }
}

struct Harness {
    bool trace = kTrace;
    FuzzClock clock;
    Checker checker;
    FuzzTransport transport;
    FuzzClient client{transport, clock, FuzzTracer{&checker}};

    Harness() {
        transport.clock = &clock;
        transport.checker = &checker;
        checker.client = &client;
        client.on_event([c = &checker](const alimqtt::Event& e) { c->on_event(e); });
    }

    void open_connection() {
        transport.inbound.clear();
        transport.open = true;
        transport.peer_closed = false;
        transport.reset = false;
        checker.out.reset();
        ++checker.epoch;
    }

    alimqtt::Connect connect_params(Program& p) {
        static constexpr std::uint16_t keepalives[] = {0, 1, 2, 5, 30, 60, 1200, 65535};
        const unsigned b = p.u8();
        alimqtt::Connect c;
        c.client_id = (b & 0x80) ? "" : "fuzz-client";
        c.keepalive_s = keepalives[b % 8];
        c.clean_session = (b & 0x08) != 0 || c.client_id.empty();
        return c;
    }

    FuzzClient::Handler handler_for(std::size_t call) {
        struct Ref {
            Checker* c;
            std::size_t call;
        };
        return [r = Ref{&checker, call}](const alimqtt::Publish& m) { r.c->on_handler(r.call, m); };
    }

    /// Registers a subscribe call; returns its index.
    std::size_t new_call(const std::vector<alimqtt::TopicSubscription>& subs) {
        SubscribeCall call;
        for (const auto& s : subs) call.filters.emplace_back(s.filter);
        call.dead.assign(subs.size(), false);
        checker.calls.push_back(std::move(call));
        return checker.calls.size() - 1;
    }
    void subscribed(unsigned id, std::size_t call, std::size_t n) { checker.sub_calls[id] = {call, n}; }

    /// What a call may change; a refused QoS 2 call changes none of it (I7).
    struct Footprint {
        std::size_t queued, sent, events, in_flight, subscriptions, active, pending_out;
        FuzzClient::SessionType::State state;
        FuzzClock::rep t;
        bool operator==(const Footprint&) const = default;
    };
    Footprint footprint() {
        auto& s = client.session();
        return {checker.queued, checker.sent, checker.events, s.in_flight_count(), s.subscription_count(),
                s.active_subscriptions(), s.pending_output().size(), s.state(), clock.t.time_since_epoch().count()};
    }
    /// Whether this build must refuse a call asking for `qos` (I7).
    static bool refused(QoS qos) { return !kQos2 && qos == QoS::exactly_once; }
    static bool refused(const std::vector<alimqtt::TopicSubscription>& subs) {
        bool any = false;
        for (const auto& s : subs) any = any || refused(s.qos);
        return any;
    }
    /// I7: a refused call returned `e` and left everything as in `before`.
    void check_refused(const Footprint& before, Error e) {
        const bool online = before.state == FuzzClient::SessionType::State::connected;
        FUZZ_CHECK(e == (online ? Error::qos2_disabled : Error::not_connected), static_cast<long>(e), online);
        FUZZ_CHECK(footprint() == before);
    }

    std::vector<alimqtt::TopicSubscription> pick_filters(Program& p) {
        const unsigned n = 1 + p.u8() % 3;
        std::vector<alimqtt::TopicSubscription> subs;
        for (unsigned i = 0; i < n; ++i) {
            const unsigned b = p.u8();
            subs.push_back({kFilters[b % std::size(kFilters)], static_cast<QoS>((b >> 4) % 3)});
        }
        return subs;
    }

    void step(Program& p) {
        const unsigned op = p.u8() % 16;
        if (trace) std::fprintf(stderr, "op %2u ...\n", op);
        switch (op) {
        case 0: { // raw inbound bytes
            auto b = p.bytes(p.u8());
            if (transport.open) transport.inbound.insert(transport.inbound.end(), b.begin(), b.end());
            break;
        }
        case 1:
        case 2: { // a well-formed broker packet, possibly cut short
            auto b = broker_packet(checker, p);
            if (op == 2) b.resize(b.size() - std::min<std::size_t>(b.size(), p.u8() % 4));
            if (transport.open) transport.inbound.insert(transport.inbound.end(), b.begin(), b.end());
            break;
        }
        case 3: clock.t += std::chrono::microseconds(p.u16() * 37); break; // up to ~2.4 s, odd steps
        case 4: clock.t += std::chrono::seconds(p.u8()); break;
        case 5: { // non-blocking subscribe
            const auto subs = pick_filters(p);
            const std::size_t call = new_call(subs);
            const Footprint before = footprint();
            auto id = client.start_subscribe(subs, handler_for(call), std::chrono::milliseconds(50 * p.u8()));
            if (refused(subs)) check_refused(before, id.ok() ? Error{} : id.error());
            if (id) subscribed(*id, call, subs.size());
            break;
        }
        case 6: { // blocking subscribe: a filter it reports as refused or timed out never dispatches
            const auto subs = pick_filters(p);
            const std::size_t call = new_call(subs);
            std::vector<alimqtt::SubscribeOutcome> outcomes(subs.size());
            checker.queued_subscribes.clear();
            const Footprint before = footprint();
            auto s = client.subscribe(subs, handler_for(call), outcomes, std::chrono::milliseconds(50 * p.u8()));
            if (refused(subs)) check_refused(before, s.ok() ? Error{} : s.error());
            if (s.ok()) {
                for (std::size_t i = 0; i < subs.size(); ++i)
                    if (!outcomes[i].ok()) checker.calls[call].dead[i] = true;
                // With one SUBSCRIBE queued during the call it is ours: every
                // outcome the call returned must have been reported as an event.
                const auto& q = checker.queued_subscribes;
                if (q.size() == 1 && q[0].second == subs.size()) {
                    checker.sub_calls[q[0].first] = {call, subs.size()};
                    for (unsigned i = 0; i < subs.size(); ++i) {
                        const auto it = checker.sub_pending.find({q[0].first, i});
                        if (it != checker.sub_pending.end() && it->second != 0)
                            violation("blocking subscribe() returned an outcome no event reported",
                                      static_cast<long>(q[0].first), static_cast<long>(i));
                    }
                }
            }
            break;
        }
        case 7: { // unsubscribe one filter
            const std::string_view f = kFilters[p.u8() % std::size(kFilters)];
            const auto active = client.session().active_subscriptions();
            auto id = client.start_unsubscribe(std::span<const std::string_view>(&f, 1), std::chrono::milliseconds(50 * p.u8()));
            if (id) { // the tracer counted one table entry; the filter may have several
                const int entries = static_cast<int>(active - client.session().active_subscriptions());
                FUZZ_CHECK(entries >= 1, entries);
                checker.unsub_pending[{*id, 0}] += entries - 1;
            }
            break;
        }
        case 8: { // publish (non-blocking, or waiting for the ack)
            const unsigned b = p.u8();
            alimqtt::PublishOptions opt;
            opt.qos = static_cast<QoS>(b % 3);
            opt.retain = (b & 0x04) != 0;
            opt.wait_for_ack = (b & 0x08) != 0;
            opt.timeout = std::chrono::milliseconds((b & 0x10) ? 100 * p.u8() : 0);
            const std::string_view topic = kTopics[(b >> 5) % std::size(kTopics)];
            const auto payload = p.bytes(p.u8() % 64);
            const Footprint before = footprint();
            auto id = client.publish(topic, alimqtt::Bytes(payload.data(), payload.size()), opt);
            if (refused(opt.qos)) check_refused(before, id.ok() ? Error{} : id.error());
            if (id.ok() && opt.qos != QoS::at_most_once && !opt.wait_for_ack)
                FUZZ_CHECK(client.session().in_flight(*id), static_cast<long>(*id));
            break;
        }
        case 9:
        case 10: { // poll
            const unsigned n = 1 + p.u8() % 8;
            for (unsigned i = 0; i < n; ++i) (void)client.poll();
            break;
        }
        case 11: transport.send_budget = p.u8() == 255 ? SIZE_MAX : p.u8(); break;
        case 12: transport.read_chunk = 1 + p.u8(); break;
        case 13: { // (re)connect, non-blocking or blocking
            const unsigned b = p.u8();
            if (client.session().state() != FuzzClient::SessionType::State::disconnected) break;
            open_connection();
            const auto c = connect_params(p);
            if (b & 1) {
                (void)client.connect(c, std::chrono::milliseconds(100 * (b >> 1)));
            } else {
                (void)client.start_connect(c, std::chrono::milliseconds(100 * (b >> 1)));
            }
            break;
        }
        case 14: { // the network misbehaves
            const unsigned b = p.u8() % 3;
            if (b == 0) transport.peer_closed = true;
            if (b == 1) transport.reset = true;
            if (b == 2) transport.send_budget = 0;
            break;
        }
        case 15: (void)client.disconnect(std::chrono::milliseconds(10 * p.u8())); break;
        }
        if (trace)
            std::fprintf(stderr, "op %2u -> state %d, in flight %zu, subs %zu, pending out %zu, next deadline %lld ms, t=%lld us\n", op,
                         static_cast<int>(client.session().state()), client.session().in_flight_count(),
                         client.session().subscription_count(), client.session().pending_output().size(),
                         static_cast<long long>(client.session().next_deadline().count()),
                         static_cast<long long>(clock.t.time_since_epoch().count()));
        checker.check_bounds();
        FUZZ_CHECK(!checker.qos2_close_due, static_cast<long>(op)); // I7: the step ended the link
    }

    /// I3: jumping past every deadline resolves everything the connection
    /// owes, if it is still up afterwards (pending input may legitimately end it).
    void finish() {
        if (!client.connected()) return;
        const int epoch = checker.epoch;
        for (int round = 0; round < 3; ++round) { // resubscriptions queued late get fresh deadlines
            clock.t += std::chrono::hours(2);
            for (int i = 0; i < 64; ++i) (void)client.poll();
        }
        FUZZ_CHECK(!checker.qos2_close_due); // I7
        if (!client.connected()) return;
        for (auto& [k, n] : checker.sub_pending)
            if (n > 0 && checker.sub_epoch[k] == epoch) violation("SUBSCRIBE never resolved", k.first, k.second);
        for (auto& [k, n] : checker.unsub_pending)
            if (n > 0 && checker.unsub_epoch[k] == epoch) violation("UNSUBSCRIBE never resolved", k.first, k.second);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Program program(data, size);
    Harness h;
    int steps = 0;
    while (!program.done() && steps++ < 1024) h.step(program);
    h.finish();
    return 0;
}
