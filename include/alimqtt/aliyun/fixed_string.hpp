// alimqtt/aliyun/fixed_string.hpp — a string with a capacity fixed at compile
// time, for credentials, hosts and topics built without a heap.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace alimqtt::aliyun {

namespace detail {
/// Divides `v` by 10 in place and returns the remainder, without a 64-bit
/// division: on a Cortex-M0+ that links about 1 KB of libgcc helpers.
/// Shifts and adds estimate v / 10 from below (Hacker's Delight, divu10);
/// one correction step makes it exact for every 64-bit value.
constexpr unsigned divmod10(std::uint64_t& v) noexcept {
    std::uint64_t q = (v >> 1) + (v >> 2);
    q += q >> 4;
    q += q >> 8;
    q += q >> 16;
    q += q >> 32;
    q >>= 3;
    std::uint64_t r = v - ((q << 2) + q) * 2; // v - 10q, in [0, 19]
    if (r > 9) {
        ++q;
        r -= 10;
    }
    v = q;
    return static_cast<unsigned>(r);
}
/// FixedString's append, shared by every capacity: copies `s` after the
/// `size` chars at `data` (room for `capacity` plus a NUL) unless it does not fit.
constexpr bool append_chars(char* data, std::size_t& size, std::size_t capacity, std::string_view s) noexcept {
    if (s.size() > capacity - size) return false;
    for (char c : s) data[size++] = c;
    data[size] = '\0';
    return true;
}
} // namespace detail

/// A string of at most N chars stored inline (plus a terminating NUL so that
/// c_str() can be handed to C APIs). Appends that do not fit fail as a whole.
template <std::size_t N>
class FixedString {
public:
    static constexpr std::size_t capacity = N; ///< most chars it can hold

    constexpr FixedString() noexcept = default;

    /// Text without the terminating NUL.
    constexpr std::string_view view() const noexcept { return {data_.data(), size_}; }
    /// NUL-terminated text.
    constexpr const char* c_str() const noexcept { return data_.data(); }
    /// Number of chars held.
    constexpr std::size_t size() const noexcept { return size_; }
    /// True when it holds no chars.
    constexpr bool empty() const noexcept { return size_ == 0; }
    /// Makes it empty.
    constexpr void clear() noexcept { size_ = 0; data_[0] = '\0'; }

    /// Appends `s`; returns false (and changes nothing) when it does not fit.
    [[nodiscard]] constexpr bool append(std::string_view s) noexcept {
        return detail::append_chars(data_.data(), size_, N, s);
    }
    /// Appends one char; returns false when full.
    [[nodiscard]] constexpr bool push_back(char c) noexcept {
        return detail::append_chars(data_.data(), size_, N, std::string_view(&c, 1));
    }
    /// Appends the decimal digits of `v`; returns false when they do not fit.
    [[nodiscard]] constexpr bool append_decimal(unsigned long long v) noexcept {
        char digits[20]{};
        std::size_t n = 0;
        std::uint64_t rest = v;
        do {
            digits[n++] = static_cast<char>('0' + detail::divmod10(rest));
        } while (rest != 0);
        if (n > N - size_) return false;
        while (n != 0) data_[size_++] = digits[--n];
        data_[size_] = '\0';
        return true;
    }

    /// Same text as `b`.
    friend constexpr bool operator==(const FixedString& a, std::string_view b) noexcept {
        return a.view() == b;
    }

private:
    std::array<char, N + 1> data_{};
    std::size_t size_ = 0;
};

namespace detail {
/// `s.substr(pos, n)` without the out_of_range throw path (which drags
/// exception machinery into -fno-exceptions firmware): pos is clamped.
constexpr std::string_view slice(std::string_view s, std::size_t pos,
                                 std::size_t n = std::string_view::npos) noexcept {
    if (pos > s.size()) pos = s.size();
    const std::size_t rest = s.size() - pos;
    return {s.data() + pos, n < rest ? n : rest};
}
} // namespace detail

} // namespace alimqtt::aliyun
