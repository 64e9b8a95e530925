// tests/support/fake_clock.hpp — a manual Clock for tests: time moves only when
// the test says so (advance/set), or by a fixed step per now() call if asked.
#pragma once

#include <chrono>
#include <cstdint>
#include <ratio>

namespace alimqtt::test {

/// Satisfies alimqtt::Clock. Starts at 1000 s so "time zero" bugs show up.
class FakeClock {
public:
    using rep = std::int64_t;
    using period = std::micro;
    using duration = std::chrono::duration<rep, period>;
    using time_point = std::chrono::time_point<FakeClock, duration>;
    static constexpr bool is_steady = true;

    /// Current time; then advances by step() (0 unless set: for spinning clients).
    time_point now() noexcept {
        const time_point t = now_;
        now_ += step_;
        return t;
    }
    /// Current time without stepping.
    time_point peek() const noexcept { return now_; }
    void advance(duration d) noexcept { now_ += d; }
    template <class Rep, class Period>
    void advance(std::chrono::duration<Rep, Period> d) noexcept {
        now_ += std::chrono::duration_cast<duration>(d);
    }
    void set(time_point t) noexcept { now_ = t; }
    /// Amount each now() call moves time forward (simulates a spinning wait).
    void set_step(duration d) noexcept { step_ = d; }

private:
    time_point now_{std::chrono::seconds(1000)};
    duration step_{0};
};

} // namespace alimqtt::test
