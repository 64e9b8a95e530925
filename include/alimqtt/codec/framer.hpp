// alimqtt/codec/framer.hpp — cuts a received byte stream into complete MQTT
// frames inside caller storage, for any slicing of the stream; never overflows.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>

#include "../error.hpp"
#include "decode.hpp"
#include "packets.hpp"

namespace alimqtt {

/// What Framer::next() found.
struct FrameEvent {
    /// The kinds of result.
    enum class Kind : std::uint8_t {
        need_more, ///< no complete frame yet: receive more bytes
        packet,    ///< `frame` holds one whole packet (fixed header included)
        oversize,  ///< a packet of `total_size` bytes cannot fit the storage; it is being skipped
        error,     ///< the stream is corrupt (`error`); close the connection
    };
    Kind kind = Kind::need_more; ///< which of the results this is
    Bytes frame;                       ///< packet: the whole frame, valid until consume()/next()/free_space()/feed()
    PacketType type{};                 ///< packet, oversize: the packet type from the fixed header
    std::size_t total_size = 0;        ///< packet, oversize: fixed header + remaining length
    Error error = Error::need_more_data; ///< error: why the stream is unusable
};

/// Incremental framer over caller storage. Receive into free_space() and
/// commit(n) (or feed() a copy), then call next() until it says need_more.
/// A packet larger than the storage is reported once as `oversize` and its
/// bytes are dropped as they arrive, so the stream stays in step.
/// The storage should hold at least 5 bytes (the longest fixed header).
class Framer {
public:
    /// A Framer without storage (every frame is oversize); assign a real one.
    constexpr Framer() noexcept = default;
    /// Uses `storage` for buffering; it must outlive the Framer.
    constexpr explicit Framer(std::span<std::byte> storage) noexcept : buf_(storage) {}

    /// Where to receive the next bytes. Moves pending bytes to the front of
    /// the storage first (unless a returned packet is still held).
    std::span<std::byte> free_space() noexcept {
        compact();
        return buf_.subspan(tail_);
    }
    /// Marks `n` bytes written into free_space() as received (clamped to the free space).
    void commit(std::size_t n) noexcept {
        tail_ += std::min(n, buf_.size() - tail_);
        drop_skipped();
    }
    /// Copies as much of `in` as fits and returns how many bytes were taken.
    std::size_t feed(Bytes in) noexcept {
        auto space = free_space();
        const std::size_t n = std::min(space.size(), in.size());
        if (n > 0) std::memcpy(space.data(), in.data(), n);
        commit(n);
        return n;
    }

    /// The next event. A packet returned by the previous call is released first.
    FrameEvent next() noexcept {
        consume();
        FrameEvent ev;
        if (failed_) {
            ev.kind = FrameEvent::Kind::error;
            ev.error = error_;
            return ev;
        }
        drop_skipped();
        if (skip_ > 0) return ev; // still dropping an oversize packet
        const Bytes pending(buf_.data() + head_, tail_ - head_);
        auto h = parse_fixed_header(pending);
        if (!h) {
            if (h.error() != Error::need_more_data) return fail(h.error());
            if (pending.size() == buf_.size()) return fail(Error::packet_too_large); // storage < 5 bytes
            return ev;
        }
        const std::size_t total = h->frame_size();
        ev.type = h->type;
        ev.total_size = total;
        if (total > buf_.size()) {
            ev.kind = FrameEvent::Kind::oversize;
            skip_ = total;
            drop_skipped();
            return ev;
        }
        if (pending.size() < total) return ev;
        ev.kind = FrameEvent::Kind::packet;
        ev.frame = pending.first(total);
        held_ = total;
        return ev;
    }

    /// Releases the packet last returned by next(); its view becomes invalid.
    void consume() noexcept {
        head_ += held_;
        held_ = 0;
        if (head_ == tail_) head_ = tail_ = 0;
    }

    /// Bytes received but not yet returned or skipped.
    std::size_t buffered() const noexcept { return tail_ - head_ - held_; }
    /// Size of the storage: the largest frame the Framer can return.
    std::size_t capacity() const noexcept { return buf_.size(); }

private:
    void compact() noexcept {
        if (held_ != 0 || head_ == 0) return;
        std::memmove(buf_.data(), buf_.data() + head_, tail_ - head_);
        tail_ -= head_;
        head_ = 0;
    }
    void drop_skipped() noexcept {
        if (skip_ == 0 || held_ != 0) return;
        const std::size_t n = std::min(skip_, tail_ - head_);
        head_ += n;
        skip_ -= n;
        if (head_ == tail_) head_ = tail_ = 0;
    }
    FrameEvent fail(Error e) noexcept {
        failed_ = true;
        error_ = e;
        FrameEvent ev;
        ev.kind = FrameEvent::Kind::error;
        ev.error = e;
        return ev;
    }

    std::span<std::byte> buf_;
    std::size_t head_ = 0; ///< start of unreturned data
    std::size_t tail_ = 0; ///< end of received data
    std::size_t held_ = 0; ///< size of the frame returned by next(), until consume()
    std::size_t skip_ = 0; ///< bytes of an oversize packet still to drop
    Error error_ = Error::need_more_data;
    bool failed_ = false;
};

} // namespace alimqtt
