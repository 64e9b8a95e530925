// alimqtt/backoff.hpp — when to try reconnecting: exponential delay, capped,
// with deterministic (seedable) jitter, measured on the application's Clock.
#pragma once

#include <chrono>
#include <cstdint>

#include "alimqtt/concepts.hpp"

namespace alimqtt {

/// Small deterministic PRNG (xorshift32) so jitter is reproducible in tests.
class XorShift32 {
public:
    /// Seed 0 is mapped to a fixed non-zero value (xorshift needs one).
    constexpr explicit XorShift32(std::uint32_t seed = 0x9E3779B9u) noexcept
        : state_(seed != 0 ? seed : 0x9E3779B9u) {}
    /// Next pseudo-random 32-bit value.
    constexpr std::uint32_t next() noexcept {
        std::uint32_t x = state_;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        state_ = x;
        return x;
    }
    /// Uniform-ish value in [0, bound] (bound inclusive; modulo bias is fine for jitter).
    constexpr std::uint64_t up_to(std::uint64_t bound) noexcept {
        if (bound == 0) return 0;
        const std::uint64_t wide = (static_cast<std::uint64_t>(next()) << 32) | next();
        return wide % (bound + 1);
    }

private:
    std::uint32_t state_;
};

/// Reconnect pacing: the n-th consecutive failure waits
/// `min(cap, initial * 2^n)`, of which the upper half is random ("equal
/// jitter"), so a fleet of devices does not reconnect in lock-step.
/// Usage: `if (backoff.ready()) { if (connect()) backoff.succeeded(); else backoff.failed(); }`
template <Clock C>
class Backoff {
public:
    using duration = std::chrono::milliseconds;  ///< unit of the delays
    using time_point = typename C::time_point;   ///< the Clock's time point

    /// `initial`: first delay; `cap`: largest delay; `seed`: jitter PRNG seed.
    Backoff(C& clock, duration initial, duration cap, std::uint32_t seed = 1) noexcept
        : clock_(&clock), initial_(initial), cap_(cap < initial ? initial : cap), rng_(seed),
          next_at_(clock.now()) {}

    /// True when the next attempt may start (immediately after construction or success).
    bool ready() const noexcept { return clock_->now() >= next_at_; }

    /// When the next attempt may start.
    time_point next_attempt() const noexcept { return next_at_; }

    /// Records a failed attempt and schedules the next one; returns the delay chosen.
    duration failed() noexcept {
        const duration delay = next_delay();
        if (failures_ < 62) ++failures_;
        next_at_ = clock_->now() + std::chrono::duration_cast<typename C::duration>(delay);
        return delay;
    }

    /// Records a success: the next failure starts again from `initial`.
    void succeeded() noexcept {
        failures_ = 0;
        next_at_ = clock_->now();
    }

    /// Consecutive failures recorded so far.
    unsigned failures() const noexcept { return failures_; }

private:
    duration next_delay() noexcept {
        const auto init = static_cast<std::uint64_t>(initial_.count());
        const auto cap = static_cast<std::uint64_t>(cap_.count());
        std::uint64_t base = init;
        for (unsigned i = 0; i < failures_ && base < cap; ++i) base *= 2;
        if (base > cap) base = cap;
        const std::uint64_t half = base / 2;
        return duration(static_cast<duration::rep>(base - half + rng_.up_to(half)));
    }

    C* clock_;
    duration initial_;
    duration cap_;
    XorShift32 rng_;
    time_point next_at_;
    unsigned failures_ = 0;
};

} // namespace alimqtt
