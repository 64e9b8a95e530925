// alimqtt/concepts.hpp — what the client needs from the outside world: a
// non-blocking byte stream (Transport) and a source of time (Clock).
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <span>

namespace alimqtt {

/// Outcome kind of one Transport call.
enum class IoStatus : unsigned char {
    ok,          ///< `bytes` were sent or received (recv: at least 1)
    would_block, ///< nothing can move now; try again after wait()
    closed,      ///< the peer closed the stream (recv) — no more data will come
    error,       ///< the stream is broken; `code` holds the platform error (errno, err_t)
};

/// Result of Transport::send / Transport::recv.
struct IoResult {
    IoStatus status = IoStatus::ok; ///< what happened
    std::size_t bytes = 0; ///< bytes moved when status == ok
    int code = 0;          ///< platform error number when status == error

    /// `n` bytes moved.
    static constexpr IoResult done(std::size_t n) noexcept { return {IoStatus::ok, n, 0}; }
    /// Nothing can move now (would block).
    static constexpr IoResult blocked() noexcept { return {IoStatus::would_block, 0, 0}; }
    /// The peer closed the stream.
    static constexpr IoResult eof() noexcept { return {IoStatus::closed, 0, 0}; }
    /// The stream failed with platform error `c`.
    static constexpr IoResult failed(int c) noexcept { return {IoStatus::error, 0, c}; }
};

/// A non-blocking, connected byte stream. `send` may accept fewer bytes than
/// offered; `recv` returns what is available now. Neither ever blocks.
template <class T>
concept Transport = requires(T& t, std::span<const std::byte> out, std::span<std::byte> in) {
    { t.send(out) } -> std::same_as<IoResult>;
    { t.recv(in) } -> std::same_as<IoResult>;
};

/// A source of monotonic (or, for the signer, Unix-epoch) time.
/// `std::chrono::steady_clock` satisfies it unchanged.
template <class C>
concept Clock = requires(C& c) {
    typename C::time_point;
    typename C::duration;
    { c.now() } -> std::same_as<typename C::time_point>;
};

/// Optional Transport extension: sleep until the stream may be readable (or,
/// with `want_write`, writable) or until `deadline`, whichever comes first.
/// Spurious wake-ups are allowed. Without it, blocking helpers spin on poll().
template <class T, class C>
concept WaitableTransport =
    Transport<T> && Clock<C> && requires(T& t, typename C::time_point deadline, bool want_write) {
        t.wait(deadline, want_write);
    };

} // namespace alimqtt
