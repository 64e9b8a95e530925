// alimqtt/codec/writer.hpp — where encoders put bytes: a ByteSink concept, a
// sink that only counts (exact sizes) and a bounded writer into a caller span.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <span>
#include <string_view>

#include "packets.hpp"

namespace alimqtt {

/// Anything encoders can write to: put one byte, write a run of bytes, and
/// say whether everything written so far fitted.
template <class S>
concept ByteSink = requires(S& s, std::byte b, Bytes bytes) {
    s.put(b);
    s.write(bytes);
    { s.ok() } -> std::convertible_to<bool>;
};

/// Counts the bytes an encoder would write, writing none: gives exact sizes.
class CountingSink {
public:
    /// Counts one byte.
    constexpr void put(std::byte) noexcept { ++count_; }
    /// Counts `b.size()` bytes.
    constexpr void write(Bytes b) noexcept { count_ += b.size(); }
    /// Always true: counting cannot overflow.
    constexpr bool ok() const noexcept { return true; }
    /// Bytes "written" so far.
    constexpr std::size_t size() const noexcept { return count_; }

private:
    std::size_t count_ = 0;
};

/// Writes into a caller-provided span. Never writes past its end: once a
/// write does not fit, ok() turns false and later writes are dropped.
class SpanWriter {
public:
    /// A writer that fills `out` from its start.
    constexpr explicit SpanWriter(std::span<std::byte> out) noexcept : out_(out) {}
    /// Appends one byte, or records an overflow.
    constexpr void put(std::byte b) noexcept {
        if (overflow_ || pos_ == out_.size()) {
            overflow_ = true;
            return;
        }
        out_[pos_++] = b;
    }
    /// Appends `b` whole, or records an overflow and writes nothing.
    constexpr void write(Bytes b) noexcept {
        if (overflow_ || out_.size() - pos_ < b.size()) {
            overflow_ = true;
            return;
        }
        if (std::is_constant_evaluated()) {
            for (std::byte x : b) out_[pos_++] = x;
        } else if (!b.empty()) {
            std::memcpy(out_.data() + pos_, b.data(), b.size());
            pos_ += b.size();
        }
    }
    /// False once something did not fit (Error::buffer_too_small).
    constexpr bool ok() const noexcept { return !overflow_; }
    /// Bytes written so far.
    constexpr std::size_t size() const noexcept { return pos_; }
    /// The bytes written so far.
    constexpr std::span<std::byte> written() const noexcept { return out_.first(pos_); }

private:
    std::span<std::byte> out_;
    std::size_t pos_ = 0;
    bool overflow_ = false;
};

/// Views a string's characters as bytes (no copy).
inline Bytes as_bytes(std::string_view s) noexcept {
    return Bytes(reinterpret_cast<const std::byte*>(s.data()), s.size());
}

} // namespace alimqtt
