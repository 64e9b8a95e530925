// pico_clock.hpp — the alimqtt Clock of a Raspberry Pi Pico: microseconds since
// boot from the RP2040 timer (time_us_64), which never wraps in practice.
#pragma once

#include <chrono>
#include <cstdint>

#include "pico/time.h"

namespace alimqtt::pico {

/// Monotonic clock over `time_us_64()`; satisfies alimqtt::Clock.
struct PicoClock {
    using rep = std::int64_t;
    using period = std::micro;
    using duration = std::chrono::duration<rep, period>;
    using time_point = std::chrono::time_point<PicoClock>;
    static constexpr bool is_steady = true;

    /// Time since boot.
    static time_point now() noexcept { return time_point(duration(static_cast<rep>(time_us_64()))); }

    /// The SDK's absolute_time_t for a time point of this clock.
    static absolute_time_t to_absolute(time_point t) noexcept {
        const rep us = t.time_since_epoch().count();
        return from_us_since_boot(us > 0 ? static_cast<std::uint64_t>(us) : 0);
    }
};

} // namespace alimqtt::pico
