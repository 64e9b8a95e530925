// tests/support/scripted_transport.hpp — a Transport double that plays broker
// bytes in scripted chunks and records every byte the client sends. No heap.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <span>

#include "alimqtt/concepts.hpp"
#include "fake_clock.hpp"

namespace alimqtt::test {

/// Inbound chunks are returned by recv() without crossing a chunk boundary
/// (and at most `max_recv` bytes per call); a chunk can be held back until a
/// FakeClock time. Outbound bytes are appended to a record; `max_send` makes
/// sends partial and `block_send` makes them would-block.
class ScriptedTransport {
public:
    static constexpr std::size_t capacity = 32 * 1024;
    static constexpr std::size_t max_chunks = 512;
    using time_point = FakeClock::time_point;

    explicit ScriptedTransport(FakeClock* clock = nullptr) noexcept : clock_(clock) {}

    /// Queues broker bytes as one chunk, readable at once (or from `at`).
    void play(std::span<const std::byte> bytes, time_point at = time_point::min()) noexcept {
        if (in_len_ + bytes.size() > capacity || chunk_count_ == max_chunks) {
            overflow = true;
            return;
        }
        std::memcpy(in_.data() + in_len_, bytes.data(), bytes.size());
        in_len_ += bytes.size();
        chunks_[chunk_count_++] = Chunk{in_len_, at};
    }
    /// Same, from byte values written out by hand: play({0x20, 0x02, 0x00, 0x00}).
    void play(std::initializer_list<int> bytes, time_point at = time_point::min()) noexcept {
        std::array<std::byte, 512> tmp{};
        std::size_t n = 0;
        for (int b : bytes) tmp[n++] = static_cast<std::byte>(b);
        play(std::span<const std::byte>(tmp.data(), n), at);
    }

    /// After every queued byte has been read, recv() reports the stream closed.
    bool close_when_drained = false;
    /// recv() fails with this platform code (0: no failure).
    int recv_error = 0;
    /// send() fails with this platform code (0: no failure).
    int send_error = 0;
    /// send() reports the stream closed by the peer.
    bool send_closed = false;
    /// Largest number of bytes one recv() returns.
    std::size_t max_recv = std::numeric_limits<std::size_t>::max();
    /// Largest number of bytes one send() accepts.
    std::size_t max_send = std::numeric_limits<std::size_t>::max();
    /// send() returns would-block.
    bool block_send = false;
    /// send() reports success with 0 bytes taken.
    bool send_takes_nothing = false;
    /// A play() did not fit the script storage (a test bug).
    bool overflow = false;

    std::size_t send_calls = 0;
    std::size_t recv_calls = 0;
    std::size_t close_calls = 0;

    IoResult send(std::span<const std::byte> out) noexcept {
        ++send_calls;
        if (send_error != 0) return IoResult::failed(send_error);
        if (send_closed) return IoResult::eof();
        if (block_send) return IoResult::blocked();
        if (send_takes_nothing) return IoResult::done(0);
        const std::size_t n = std::min({out.size(), max_send, capacity - out_len_});
        if (n == 0) return IoResult::blocked();
        std::memcpy(out_.data() + out_len_, out.data(), n);
        out_len_ += n;
        return IoResult::done(n);
    }

    IoResult recv(std::span<std::byte> in) noexcept {
        ++recv_calls;
        if (recv_error != 0) return IoResult::failed(recv_error);
        const std::size_t avail = readable();
        if (avail == 0) {
            if (drained() && close_when_drained) return IoResult::eof();
            return IoResult::blocked();
        }
        const std::size_t n = std::min({in.size(), avail, max_recv});
        std::memcpy(in.data(), in_.data() + read_pos_, n);
        read_pos_ += n;
        while (next_chunk_ < chunk_count_ && read_pos_ >= chunks_[next_chunk_].end) ++next_chunk_;
        return IoResult::done(n);
    }

    void close() noexcept { ++close_calls; }

    /// Everything the client has sent so far.
    std::span<const std::byte> sent() const noexcept { return {out_.data(), out_len_}; }
    /// Forgets the recorded output.
    void clear_sent() noexcept { out_len_ = 0; }
    /// True when every queued byte has been read.
    bool drained() const noexcept { return read_pos_ == in_len_; }
    /// Forgets any unread input (e.g. for a fresh connection).
    void reset_input() noexcept {
        in_len_ = read_pos_ = 0;
        chunk_count_ = next_chunk_ = 0;
    }

protected:
    /// Bytes readable now: the rest of the current chunk, if it is due.
    std::size_t readable() const noexcept {
        if (next_chunk_ >= chunk_count_) return 0;
        if (!due(chunks_[next_chunk_])) return 0;
        return chunks_[next_chunk_].end - read_pos_;
    }
    struct Chunk {
        std::size_t end = 0;
        time_point at = time_point::min();
    };
    bool due(const Chunk& c) const noexcept { return clock_ == nullptr || clock_->peek() >= c.at; }
    /// When the next held-back chunk becomes due (max if none).
    time_point next_due() const noexcept {
        if (next_chunk_ >= chunk_count_) return time_point::max();
        return chunks_[next_chunk_].at;
    }

    FakeClock* clock_;
    std::array<std::byte, capacity> in_{};
    std::size_t in_len_ = 0;
    std::size_t read_pos_ = 0;
    std::array<Chunk, max_chunks> chunks_{};
    std::size_t chunk_count_ = 0;
    std::size_t next_chunk_ = 0;
    std::array<std::byte, capacity> out_{};
    std::size_t out_len_ = 0;
};

/// A ScriptedTransport that also satisfies WaitableTransport: wait() moves the
/// FakeClock forward to the next scripted chunk or to the deadline, so
/// blocking calls and timeouts run deterministically and without spinning.
class WaitingTransport : public ScriptedTransport {
public:
    explicit WaitingTransport(FakeClock& clock) noexcept : ScriptedTransport(&clock) {}

    std::size_t wait_calls = 0;

    void wait(time_point deadline, bool want_write) noexcept {
        ++wait_calls;
        if (readable() > 0) return;
        if (want_write && !block_send) return;
        const time_point until = std::min(deadline, next_due());
        if (until > clock_->peek()) clock_->set(until);
    }
};

} // namespace alimqtt::test
