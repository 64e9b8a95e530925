// Randomized model-based test: thousands of seeded runs of the Client against
// a scripted broker model with random slicing, partial sends, delays,
// refusals, timeouts and broken links, checked against protocol invariants.
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "alimqtt/client.hpp"
#include "alimqtt/codec/decode.hpp"
#include "catch.hpp"
#include "fake_clock.hpp"
#include "mqtt_bytes.hpp"

using namespace alimqtt;
using namespace alimqtt::test;
using namespace std::chrono_literals;

namespace {

struct ModelConfig : DefaultConfig {
    static constexpr std::size_t rx_buffer_size = 256;
    static constexpr std::size_t tx_buffer_size = 256;
    static constexpr std::size_t max_subscriptions = 8;
    static constexpr std::size_t max_in_flight = 4;
    static constexpr std::size_t in_flight_arena_size = 512;
    static constexpr std::size_t max_inbound_qos2 = 8;
};

std::vector<std::byte> to_bytes(const Wire& w) { return {w.b.begin(), w.b.begin() + static_cast<long>(w.n)}; }

/// The broker side plus the wire between it and the client.
struct World {
    explicit World(std::uint32_t seed) : rng(seed) {}

    std::mt19937 rng;
    FakeClock clock;
    std::vector<std::string> violations;

    bool chance(int percent) { return std::uniform_int_distribution<int>(0, 99)(rng) < percent; }
    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
    void violation(std::string what) { violations.push_back(std::move(what)); }

    // --- link state
    enum class Link { up, closed, stalled } link = Link::up;
    bool stalled_once = false; ///< this connection went silent at some point
    bool cooperative = false; ///< final phase: no faults, no delays
    bool quiet = false;       ///< the broker stops publishing (end of the run)
    std::vector<std::byte> from_client; ///< bytes not yet framed
    struct Out {
        std::vector<std::byte> bytes;
        int hold = 0; ///< steps before it may be read
    };
    std::deque<Out> queue;            ///< frames not yet readable
    std::vector<std::byte> readable;  ///< bytes the client may read now
    bool connect_seen = false;
    bool disconnect_seen = false;
    FakeClock::time_point last_delivery{};

    // --- broker session
    std::map<std::string, int> subs;           ///< filter -> granted QoS
    using Msg = std::pair<std::string, std::string>; ///< topic, payload
    std::map<unsigned, Msg> out_q1;             ///< broker -> client QoS 1 awaiting PUBACK
    std::map<unsigned, Msg> out_q2;             ///< QoS 2 awaiting PUBREC
    std::set<unsigned> out_q2_rel;              ///< QoS 2 awaiting PUBCOMP
    unsigned next_id = 1;
    int msg_counter = 0;
    std::set<std::string> received_payloads;    ///< client -> broker messages seen

    void emit(const Wire& w, int hold = 0) { queue.push_back(Out{to_bytes(w), hold}); }

    unsigned broker_id() {
        for (;;) {
            unsigned id = next_id;
            next_id = next_id == 65535 ? 1 : next_id + 1;
            if (!out_q1.count(id) && !out_q2.count(id) && !out_q2_rel.count(id)) return id;
        }
    }

    static std::string topic_for(const std::string& filter) {
        if (filter.size() > 2 && filter.substr(filter.size() - 2) == "/#") return filter.substr(0, filter.size() - 1) + "t";
        return filter;
    }

    void broker_publish(const std::string& filter, int hold) {
        const int qos = std::min(pick(0, 2), subs.count(filter) ? subs[filter] : 0);
        const std::string payload = "b" + std::to_string(++msg_counter) + "q" + std::to_string(qos);
        unsigned id = 0;
        if (qos > 0) {
            id = broker_id();
            (qos == 1 ? out_q1 : out_q2)[id] = Msg{topic_for(filter), payload};
        }
        emit(publish(topic_for(filter), payload, static_cast<unsigned>(qos), id), hold);
    }

    int hold() { return cooperative ? 0 : (chance(20) ? pick(1, 6) : 0); }

    /// One complete client frame arrived at the broker.
    void on_frame(Bytes frame) {
        auto decoded = decode_packet(frame);
        if (!decoded) {
            violation("client sent an invalid packet: " + std::string(to_string(decoded.error())));
            return;
        }
        const Packet& p = *decoded;
        if (disconnect_seen) violation("bytes after DISCONNECT");
        if (!connect_seen) {
            if (!std::holds_alternative<Connect>(p)) violation("first packet is not CONNECT");
            connect_seen = true;
            const bool refuse = !cooperative && chance(5);
            const bool present = !refuse && !subs.empty() && (cooperative ? chance(50) : chance(50));
            if (!present) {
                subs.clear();
                out_q1.clear();
                out_q2.clear();
                out_q2_rel.clear();
            }
            emit(connack(present, refuse ? 3 : 0), hold());
            if (present) { // 4.4: resend our un-acknowledged messages
                for (auto& [id, m] : out_q1) emit(publish(m.first, m.second, 1, id, true));
                for (auto& [id, m] : out_q2) emit(publish(m.first, m.second, 2, id, true));
                for (unsigned id : out_q2_rel) emit(pubrel(id));
            }
            return;
        }
        std::visit(
            [&](const auto& x) {
                using X = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<X, Connect>) {
                    violation("second CONNECT on one connection");
                } else if constexpr (std::is_same_v<X, Publish>) {
                    received_payloads.insert(std::string(reinterpret_cast<const char*>(x.payload.data()), x.payload.size()));
                    if (x.qos == QoS::at_least_once) emit(puback(x.packet_id), hold());
                    if (x.qos == QoS::exactly_once) emit(pubrec(x.packet_id), hold());
                } else if constexpr (std::is_same_v<X, Pubrel>) {
                    emit(pubcomp(x.packet_id), hold());
                } else if constexpr (std::is_same_v<X, Puback>) {
                    if (!out_q1.erase(x.packet_id)) violation("PUBACK for a packet the broker did not send");
                } else if constexpr (std::is_same_v<X, Pubrec>) {
                    if (out_q2.erase(x.packet_id)) out_q2_rel.insert(x.packet_id);
                    emit(pubrel(x.packet_id), hold());
                } else if constexpr (std::is_same_v<X, Pubcomp>) {
                    out_q2_rel.erase(x.packet_id);
                } else if constexpr (std::is_same_v<X, Subscribe>) {
                    Wire ack;
                    ack.put(0x90);
                    ack.put_len(2 + x.filters.size());
                    ack.put16(x.packet_id);
                    const int h = (!cooperative && chance(10)) ? pick(8, 20) : hold(); // sometimes very late
                    for (const TopicSubscription& f : x.filters) {
                        const std::string filter(f.filter);
                        const bool refuse = !cooperative && chance(20);
                        if (refuse) {
                            ack.put(0x80);
                            subs.erase(filter);
                        } else {
                            const int granted = std::min(static_cast<int>(f.qos), pick(0, 2));
                            ack.put(static_cast<unsigned>(granted));
                            subs[filter] = granted;
                            if (chance(40)) broker_publish(filter, 0); // PUBLISH before SUBACK
                        }
                    }
                    emit(ack, h);
                } else if constexpr (std::is_same_v<X, Unsubscribe>) {
                    for (std::string_view f : x.filters) subs.erase(std::string(f));
                    emit(unsuback(x.packet_id), hold());
                } else if constexpr (std::is_same_v<X, Pingreq>) {
                    // Answered at once, ahead of held frames: a broker may be slow
                    // with a SUBACK, but its PINGRESP proves the link is alive.
                    const Wire r = pingresp();
                    readable.insert(readable.end(), r.b.begin(), r.b.begin() + static_cast<long>(r.n));
                } else if constexpr (std::is_same_v<X, Disconnect>) {
                    disconnect_seen = true;
                } else {
                    violation("client sent a server-only packet");
                }
            },
            p);
    }

    /// Client bytes reach the broker; complete frames are handled.
    void absorb(Bytes b) {
        from_client.insert(from_client.end(), b.begin(), b.end());
        const Frames f = split_frames(from_client);
        std::size_t used = 0;
        for (std::size_t i = 0; i < f.size(); ++i) {
            on_frame(f[i]);
            used += f[i].size();
        }
        from_client.erase(from_client.begin(), from_client.begin() + static_cast<long>(used));
        if (from_client.size() > 4096) violation("unparseable client byte stream");
    }

    /// A new TCP connection: whatever was in transit is lost.
    void new_connection() {
        link = Link::up;
        stalled_once = false;
        from_client.clear();
        queue.clear();
        readable.clear();
        connect_seen = false;
        disconnect_seen = false;
    }

    /// Moves due frames to the readable stream; the broker may publish.
    void tick() {
        if (link != Link::up || !connect_seen) return;
        for (auto& o : queue)
            if (o.hold > 0) --o.hold;
        while (!queue.empty() && queue.front().hold == 0) {
            readable.insert(readable.end(), queue.front().bytes.begin(), queue.front().bytes.end());
            queue.pop_front();
        }
        if (!out_q2.empty() && chance(5)) { // a duplicate QoS 2 PUBLISH (DUP=1) while no PUBREC came
            auto it = out_q2.begin();
            std::advance(it, pick(0, static_cast<int>(out_q2.size()) - 1));
            emit(publish(it->second.first, it->second.second, 2, it->first, true), hold());
        }
        if (!quiet && !subs.empty() && chance(10)) {
            auto it = subs.begin();
            std::advance(it, pick(0, static_cast<int>(subs.size()) - 1));
            broker_publish(it->first, hold());
        }
    }
};

/// The Transport the client sees: random partial sends and read slices.
struct ModelTransport {
    World* w;
    IoResult send(Bytes out) {
        if (w->link == World::Link::closed) return IoResult::failed(104);
        if (!w->cooperative && w->chance(15)) return IoResult::blocked();
        const std::size_t n = w->cooperative ? out.size() : std::min<std::size_t>(out.size(), static_cast<std::size_t>(w->pick(1, 40)));
        if (w->link == World::Link::up) w->absorb(out.first(n));
        return IoResult::done(n); // a stalled link swallows bytes
    }
    IoResult recv(std::span<std::byte> in) {
        if (w->link == World::Link::closed) return IoResult::eof();
        if (w->link == World::Link::stalled || w->readable.empty()) return IoResult::blocked();
        std::size_t n = std::min(in.size(), w->readable.size());
        if (!w->cooperative) n = std::min<std::size_t>(n, static_cast<std::size_t>(w->pick(1, 24)));
        std::copy_n(w->readable.begin(), n, in.begin());
        w->readable.erase(w->readable.begin(), w->readable.begin() + static_cast<long>(n));
        w->last_delivery = w->clock.peek();
        return IoResult::done(n);
    }
};

using ModelClient = Client<ModelTransport, FakeClock, ModelConfig>;

/// The application side: random calls, bookkeeping of what must happen.
struct App {
    World& w;
    ModelClient& client;
    int filters_made = 0;
    int reconnects = 0;
    struct FilterState {
        int first_resolutions = 0; ///< refused/timeout/subscribed events
        int subscribed = 0;
        bool dead = false;         ///< refused or timed out: its handler must never run again
        int reconnects_at_request = 0;
        bool unsubscribing = false;
        bool gone = false;
    };
    std::map<std::string, FilterState> filters{};
    std::set<PacketId> unacked{}; ///< our QoS 1/2 publishes not yet reported published
    std::map<std::string, int> delivered_q2{}; ///< QoS 2 payload -> deliveries
    int publishes = 0;
    int messages = 0;

    void handler_call(const std::string& filter, const Publish& m) {
        ++messages;
        auto it = filters.find(filter);
        if (it == filters.end()) {
            w.violation("handler for an unknown filter");
            return;
        }
        if (it->second.dead) w.violation("handler ran for refused/timed-out filter " + filter);
        if (it->second.gone) w.violation("handler ran after UNSUBACK for " + filter);
        if (!topic_matches(filter, m.topic)) w.violation("handler got a topic its filter does not match");
        if (m.qos == QoS::exactly_once) {
            const std::string payload(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
            if (++delivered_q2[payload] > 1) w.violation("QoS 2 message delivered twice: " + payload);
        }
    }

    void on_event(const Event& e) {
        switch (e.kind) {
        case EventKind::subscribed:
        case EventKind::subscription_refused:
        case EventKind::subscription_timeout: {
            auto it = filters.find(std::string(e.filter));
            if (it == filters.end()) {
                w.violation("resolution for an unknown filter");
                break;
            }
            FilterState& f = it->second;
            if (f.dead) w.violation("filter resolved again after refusal/timeout: " + std::string(e.filter));
            if (e.kind == EventKind::subscribed) {
                ++f.subscribed;
                if (f.subscribed > 1 + (reconnects - f.reconnects_at_request))
                    w.violation("SUBSCRIBE resolved more than once: " + std::string(e.filter));
            } else {
                f.dead = true;
            }
            ++f.first_resolutions;
            break;
        }
        case EventKind::unsubscribed:
        case EventKind::unsubscribe_timeout: {
            auto it = filters.find(std::string(e.filter));
            if (it == filters.end() || !it->second.unsubscribing) w.violation("unexpected unsubscribe outcome");
            else it->second.gone = true;
            break;
        }
        case EventKind::published:
            if (!unacked.erase(e.packet_id)) w.violation("published event for an id not in flight");
            break;
        case EventKind::connected: ++reconnects; break;
        case EventKind::disconnected:
            if (e.error == Error::keepalive_timeout) {
                if (w.clock.peek() - w.last_delivery > 45s + 2s) w.violation("dead link detected too late");
                if (!w.stalled_once) w.violation("keepalive_timeout on a live link");
            }
            if (w.link == World::Link::up && e.error != Error::refused_server_unavailable &&
                e.error != Error::connack_timeout && e.error != Error::keepalive_timeout)
                w.violation("disconnected on a healthy link: " + std::string(to_string(e.error)));
            break;
        default: break;
        }
    }

    void subscribe() {
        const int count = w.pick(1, 2);
        std::vector<std::string> names;
        std::vector<TopicSubscription> subs;
        for (int i = 0; i < count; ++i) {
            const int n = filters_made++;
            names.push_back(w.chance(50) ? "m/" + std::to_string(n) : "w/" + std::to_string(n) + "/#");
        }
        for (const auto& n : names) subs.push_back(TopicSubscription{n, static_cast<QoS>(w.pick(0, 2))});
        for (const auto& n : names) filters[n].reconnects_at_request = reconnects;
        // One SUBSCRIBE, one handler for all its filters: it routes by matching.
        App* self = this;
        auto r = client.start_subscribe(subs, [self](const Publish& m) {
            for (auto& [name, st] : self->filters)
                if (topic_matches(name, m.topic) && !st.dead && !st.gone) return self->handler_call(name, m);
            for (auto& [name, st] : self->filters)
                if (topic_matches(name, m.topic)) return self->handler_call(name, m);
            self->w.violation("handler called for a topic no filter matches");
        }, 5s);
        if (!r) {
            for (const auto& n : names) filters.erase(n);
            if (r.error() != Error::subscriptions_full && r.error() != Error::send_buffer_full &&
                r.error() != Error::not_connected)
                w.violation("subscribe failed: " + std::string(to_string(r.error())));
        }
    }

    void unsubscribe() {
        for (auto& [name, st] : filters) {
            if (st.subscribed > 0 && !st.dead && !st.unsubscribing) {
                const std::string_view f = name;
                auto r = client.start_unsubscribe(std::span<const std::string_view>(&f, 1), 5s);
                if (r) st.unsubscribing = true;
                return;
            }
        }
    }

    void publish_one() {
        PublishOptions o;
        o.qos = static_cast<QoS>(w.pick(0, 2));
        o.timeout = 0ms;
        const std::string payload = "c" + std::to_string(++publishes);
        auto r = client.publish("up/data", payload, o);
        if (r && o.qos != QoS::at_most_once) {
            if (!unacked.insert(*r).second) w.violation("packet id reused while in flight");
        }
        if (!r && r.error() != Error::in_flight_full && r.error() != Error::send_buffer_full &&
            r.error() != Error::not_connected)
            w.violation("publish failed: " + std::string(to_string(r.error())));
    }

    void poll_all() {
        for (int i = 0; i < 200; ++i) {
            auto e = client.poll();
            if (!e) {
                w.violation("poll failed");
                return;
            }
            if (!*e) return;
        }
    }

    void check_in_flight() {
        for (PacketId id : unacked)
            if (!client.session().in_flight(id)) w.violation("un-acked publish lost from the in-flight table");
    }
};

void run(std::uint32_t seed, int steps) {
    World w(seed);
    ModelTransport t{&w};
    ModelClient client(t, w.clock);
    App app{w, client};
    client.on_event([&app](const Event& e) { app.on_event(e); });
    auto connect = [&] {
        w.new_connection();
        Connect c;
        c.client_id = "model";
        c.keepalive_s = 30;
        c.clean_session = false;
        (void)client.start_connect(c, 5s);
    };
    connect();
    for (int step = 0; step < steps; ++step) {
        const bool final_phase = step >= steps - 150;
        w.quiet = step >= steps - 40;
        if (final_phase && !w.cooperative) {
            w.cooperative = true;
            if (w.link != World::Link::up) w.link = World::Link::closed;
        }
        if (client.session().state() == ModelClient::SessionType::State::disconnected) {
            if (w.cooperative || w.chance(30)) connect();
        } else if (!w.cooperative && w.link == World::Link::up && w.chance(2)) {
            w.link = w.chance(50) ? World::Link::closed : World::Link::stalled;
            w.stalled_once = w.link == World::Link::stalled;
        }
        if (client.connected() && !final_phase) {
            if (w.chance(8)) app.subscribe();
            if (w.chance(20)) app.publish_one();
            if (w.chance(3)) app.unsubscribe();
        }
        app.poll_all();
        w.tick();
        app.poll_all();
        app.check_in_flight();
        w.clock.advance(std::chrono::milliseconds(w.pick(0, w.cooperative ? 200 : 1500)));
        if (!w.violations.empty()) break;
    }
    // Invariants at the end of a cooperative phase.
    if (w.violations.empty()) {
        if (!client.connected()) w.violation("not connected after the cooperative phase");
        for (auto& [name, st] : app.filters)
            if (st.first_resolutions == 0) w.violation("SUBSCRIBE never resolved: " + name);
        if (!app.unacked.empty()) w.violation("outbound QoS 1/2 never acknowledged");
        if (!w.out_q1.empty()) w.violation("inbound QoS 1 not acknowledged");
        if (!w.out_q2.empty() || !w.out_q2_rel.empty()) w.violation("inbound QoS 2 handshake not completed");
    }
    if (!w.violations.empty()) {
        INFO("seed " << seed << ": " << w.violations.front());
        CHECK(w.violations.empty());
    }
}

} // namespace

TEST_CASE("randomized broker behaviour never breaks the session invariants (thousands of seeded runs)") {
    const std::uint32_t runs = 1500;
    for (std::uint32_t seed = 1; seed <= runs; ++seed) run(seed, 450);
    SUCCEED("ran " << runs << " seeds");
}
