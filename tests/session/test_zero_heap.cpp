// Zero-heap proof: this binary replaces global operator new/delete and wraps
// malloc/calloc/realloc (-Wl,--wrap), counts every call while a window is
// open, and runs a full connect/subscribe/publish/reconnect scenario in it.
#include <atomic>
#include <cstdlib>
#include <new>

#include "alimqtt/client.hpp"
#include "catch.hpp"
#include "fake_clock.hpp"
#include "mqtt_bytes.hpp"
#include "scripted_transport.hpp"

namespace {
std::atomic<bool> counting{false};
std::atomic<int> news{0};
std::atomic<int> mallocs{0};
} // namespace

extern "C" {
void* __real_malloc(std::size_t);
void* __real_calloc(std::size_t, std::size_t);
void* __real_realloc(void*, std::size_t);
void* __wrap_malloc(std::size_t n) {
    if (counting) ++mallocs;
    return __real_malloc(n);
}
void* __wrap_calloc(std::size_t n, std::size_t m) {
    if (counting) ++mallocs;
    return __real_calloc(n, m);
}
void* __wrap_realloc(void* p, std::size_t n) {
    if (counting) ++mallocs;
    return __real_realloc(p, n);
}
}

static void* counted_new(std::size_t n) {
    if (counting) ++news;
    void* p = __real_malloc(n == 0 ? 1 : n);
    if (p == nullptr) std::abort();
    return p;
}
void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_new(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace alimqtt;
using namespace alimqtt::test;
using namespace std::chrono_literals;

namespace {
FakeClock g_clock;
WaitingTransport g_transport(g_clock);
Client<WaitingTransport, FakeClock> g_client(g_transport, g_clock);

struct Counts {
    int news = 0;
    int mallocs = 0;
};
template <class F>
Counts count_allocations(F&& f) {
    news = 0;
    mallocs = 0;
    counting = true;
    f();
    counting = false;
    return {news.load(), mallocs.load()};
}
} // namespace

TEST_CASE("the allocation counter counts: one deliberate new and one deliberate malloc are seen") {
    int* volatile sink = nullptr;
    void* volatile raw = nullptr;
    const Counts c = count_allocations([&] {
        sink = new int(5);
        raw = std::malloc(16);
    });
    delete sink;
    std::free(raw);
    CHECK(c.news == 1);
    CHECK(c.mallocs >= 1);
}

TEST_CASE("a full connect, subscribe, publish, reconnect scenario makes zero heap allocations") {
    int failures = 0;
    int messages = 0;
    auto expect = [&failures](bool ok) {
        if (!ok) ++failures;
    };
    const Counts c = count_allocations([&] {
        g_transport.play(connack(false, 0));
        Connect params;
        params.client_id = "zero-heap";
        params.keepalive_s = 30;
        params.clean_session = false;
        expect(g_client.connect(params).ok());

        g_transport.play(publish("z/1", "early", 2, 11));
        g_transport.play(pubrel(11));
        g_transport.play(suback(1, {0x01, 0x80}));
        const std::array<TopicSubscription, 2> filters{{{"z/+", QoS::at_least_once}, {"no", QoS::at_most_once}}};
        std::array<SubscribeOutcome, 2> out{};
        expect(g_client.subscribe(filters, [&messages](const Publish&) { ++messages; }, out).ok());
        expect(out[0].ok() && out[1].error == Error::subscription_refused);

        PublishOptions q1;
        q1.qos = QoS::at_least_once;
        q1.wait_for_ack = true;
        g_transport.play(puback(2));
        expect(g_client.publish("z/out", "ack me", q1).ok());
        q1.wait_for_ack = false;
        expect(g_client.publish("z/out", "in flight over reconnect", q1).ok());
        expect(g_client.publish("z/out", "qos0").ok());
        g_transport.play(publish("z/2", "hello", 1, 12));
        g_clock.advance(31s); // PINGREQ
        for (auto e = g_client.poll(); e.ok() && *e; e = g_client.poll()) {
        }

        // The link breaks; reconnect without a session: resubscribe + DUP resend.
        g_transport.close_when_drained = true;
        for (auto e = g_client.poll(); e.ok() && *e; e = g_client.poll()) {
        }
        expect(!g_client.connected());
        g_transport.reset_input();
        g_transport.close_when_drained = false;
        g_transport.play(connack(false, 0));
        g_transport.play(suback(4, {0x01}));
        g_transport.play(puback(3));
        expect(g_client.connect(params).ok());
        expect(g_client.run_for(2s).ok());
        expect(g_client.session().in_flight_count() == 0);
        expect(g_client.session().active_subscriptions() == 1);
        g_transport.play(unsuback(5));
        expect(g_client.unsubscribe("z/+").ok());
        expect(g_client.disconnect().ok());
    });
    CHECK(failures == 0);
    CHECK(messages == 2);
    CHECK(c.news == 0);
    CHECK(c.mallocs == 0);
}
