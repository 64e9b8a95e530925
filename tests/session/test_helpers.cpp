// The small tools around the client: Backoff (exponential, capped, jittered,
// deterministic) and InplaceFunction (a handler that never allocates).
#include <vector>

#include "alimqtt/backoff.hpp"
#include "alimqtt/inplace_function.hpp"
#include "catch.hpp"
#include "fake_clock.hpp"

using namespace alimqtt;
using namespace std::chrono_literals;
using alimqtt::test::FakeClock;

TEST_CASE("backoff doubles from the initial delay up to the cap, each with up to half jitter") {
    FakeClock clock;
    Backoff<FakeClock> b(clock, 1000ms, 30000ms, 42);
    CHECK(b.ready());
    const long bases[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (long base : bases) {
        CAPTURE(base);
        const auto d = b.failed();
        CHECK(d.count() >= base / 2);
        CHECK(d.count() <= base);
        CHECK_FALSE(b.ready());
        clock.advance(d - 1ms);
        CHECK_FALSE(b.ready());
        clock.advance(1ms);
        CHECK(b.ready());
    }
    CHECK(b.failures() == 8);
    b.succeeded();
    CHECK(b.ready());
    CHECK(b.failed().count() <= 1000);
}

TEST_CASE("backoff jitter is deterministic per seed and differs between seeds") {
    FakeClock clock;
    auto run = [&clock](std::uint32_t seed) {
        Backoff<FakeClock> b(clock, 100ms, 100000ms, seed);
        std::vector<long> v;
        for (int i = 0; i < 10; ++i) v.push_back(static_cast<long>(b.failed().count()));
        return v;
    };
    CHECK(run(7) == run(7));
    CHECK(run(7) != run(8));
    XorShift32 zero(0);
    CHECK(zero.next() != 0);
}

TEST_CASE("InplaceFunction copies, moves and destroys its callable without the heap") {
    static int alive = 0;
    struct Probe {
        int* hits;
        Probe(int* h) : hits(h) { ++alive; }
        Probe(const Probe& o) noexcept : hits(o.hits) { ++alive; }
        Probe(Probe&& o) noexcept : hits(o.hits) { ++alive; }
        ~Probe() { --alive; }
        int operator()(int x) const { return *hits += x; }
    };
    int hits = 0;
    {
        InplaceFunction<int(int)> f{Probe{&hits}};
        CHECK(alive == 1);
        CHECK(f(2) == 2);
        InplaceFunction<int(int)> g = f;
        CHECK(alive == 2);
        InplaceFunction<int(int)> m = std::move(g);
        CHECK(m(3) == 5);
        g = m;
        g = std::move(m);
        CHECK(g(1) == 6);
        InplaceFunction<int(int)> empty;
        CHECK_FALSE(empty);
        empty = f;
        CHECK(empty);
        f.reset();
        CHECK_FALSE(f);
        InplaceFunction<int(int)> fp = +[](int x) { return x * 10; };
        CHECK(fp(4) == 40);
    }
    CHECK(alive == 0);
}
