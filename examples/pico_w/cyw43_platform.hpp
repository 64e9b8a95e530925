// cyw43_platform.hpp — how the lwIP transport locks and sleeps on a Pico W: the
// cyw43_arch lwIP lock and cyw43_arch_poll/wait_for_work_until (poll or background mode).
#pragma once

#include "pico/cyw43_arch.h"

#include "pico_clock.hpp"

namespace alimqtt::pico {

/// lwip::Platform for the cyw43 architecture. In `pico_cyw43_arch_lwip_poll`
/// the lock calls are no-ops and poll() runs lwIP; in
/// `pico_cyw43_arch_lwip_threadsafe_background` lwIP runs from an interrupt,
/// the lock keeps it out, and poll() does nothing.
struct Cyw43Platform {
    using clock = PicoClock;
    static void lock() noexcept { cyw43_arch_lwip_begin(); }
    static void unlock() noexcept { cyw43_arch_lwip_end(); }
    static void poll() noexcept { cyw43_arch_poll(); }
    static void wait_until(clock::time_point t) noexcept { cyw43_arch_wait_for_work_until(PicoClock::to_absolute(t)); }
    /// lwIP work is signalled through the async context's semaphore already.
    static void notify() noexcept {}
};

} // namespace alimqtt::pico
