// size_support.hpp — the do-nothing Transport and tick Clock the footprint
// firmwares link against, so that only alimqtt's own code is measured.
#pragma once

#include <alimqtt/concepts.hpp>
#include <alimqtt/session.hpp>

#include <chrono>
#include <cstdint>

namespace size_bench {

/// Accepts every byte, never receives: the wire is out of the picture.
struct NullTransport {
    alimqtt::IoResult send(std::span<const std::byte> out) noexcept { return alimqtt::IoResult::done(out.size()); }
    alimqtt::IoResult recv(std::span<std::byte>) noexcept { return alimqtt::IoResult::blocked(); }
    void close() noexcept {}
};

/// A millisecond clock read from a volatile counter (a timer ISR would bump it).
struct TickClock {
    using rep = std::int64_t;
    using period = std::milli;
    using duration = std::chrono::duration<rep, period>;
    using time_point = std::chrono::time_point<TickClock>;
    static constexpr bool is_steady = true;
    time_point now() noexcept { return time_point(duration(ticks)); }
    static inline volatile std::int64_t ticks = 0;
};

/// The client's Config: the defaults, or (built with -DSIZE_BENCH_MAX_QOS1)
/// the defaults with QoS 2 compiled out, as an Aliyun device (QoS 0/1 only) builds it.
#ifdef SIZE_BENCH_MAX_QOS1
struct SizeConfig : alimqtt::DefaultConfig {
    static constexpr alimqtt::QoS max_qos = alimqtt::QoS::at_least_once;
};
#else
using SizeConfig = alimqtt::DefaultConfig;
#endif

/// Keeps a value alive without emitting code for it.
template <class T>
inline void keep(const T& v) noexcept {
    asm volatile("" : : "r"(&v) : "memory");
}

} // namespace size_bench
