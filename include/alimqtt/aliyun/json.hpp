// alimqtt/aliyun/json.hpp — a small JSON reader that needs no heap: it checks
// a whole document once, then hands out views into the text (RFC 8259).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>

#include "alimqtt/aliyun/fixed_string.hpp"
#include "alimqtt/codec/utf8.hpp"
#include "alimqtt/error.hpp"

namespace alimqtt::aliyun::json {

/// Deepest nesting of objects and arrays the reader accepts.
inline constexpr std::size_t max_depth = 32;

/// The type of a JSON value.
enum class Kind : std::uint8_t { object, array, string, number, boolean, null };

namespace detail {

constexpr bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
constexpr std::size_t skip_ws(std::string_view t, std::size_t i) noexcept {
    while (i < t.size() && is_ws(t[i])) ++i;
    return i;
}

/// Reads the 4 hex digits of a \u escape at t[i..i+4); -1 when malformed.
constexpr long read_u4(std::string_view t, std::size_t i) noexcept {
    if (t.size() < 4 || i > t.size() - 4) return -1;
    long v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
        const int h = hex_value(t[i + k]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/// Scans a string whose opening quote is at t[i]; returns the index just
/// past the closing quote. RFC 8259 section 7: no raw control characters,
/// only the listed escapes; \u surrogates must come as a proper pair.
/// Section 8.1: the text is UTF-8, so raw bytes 0x80 and up must form
/// well-formed UTF-8 (no overlongs, no encoded surrogates, nothing above
/// U+10FFFF, no cut sequence): json_invalid_utf8 otherwise.
constexpr Result<std::size_t> scan_string(std::string_view t, std::size_t i) noexcept {
    ++i; // opening quote
    const std::size_t first = i;
    bool non_ascii = false;
    while (i < t.size()) {
        const char c = t[i];
        if (c == '"') {
            // Escapes are ASCII and raw U+0000 is a control character refused
            // above, so the only failure left is ill-formed UTF-8.
            if (non_ascii && !alimqtt::validate_utf8(aliyun::detail::slice(t, first, i - first)))
                return Error::json_invalid_utf8;
            return i + 1;
        }
        if (static_cast<unsigned char>(c) < 0x20) return Error::json_syntax;
        if (c != '\\') {
            non_ascii = non_ascii || static_cast<unsigned char>(c) >= 0x80;
            ++i;
            continue;
        }
        if (++i >= t.size()) return Error::json_syntax;
        switch (t[i]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': ++i; break;
        case 'u': {
            const long cp = read_u4(t, i + 1);
            if (cp < 0) return Error::json_syntax;
            i += 5;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return Error::json_syntax; // lone low surrogate
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (i + 1 >= t.size() || t[i] != '\\' || t[i + 1] != 'u') return Error::json_syntax;
                const long low = read_u4(t, i + 2);
                if (low < 0xDC00 || low > 0xDFFF) return Error::json_syntax;
                i += 6;
            }
            break;
        }
        default: return Error::json_syntax;
        }
    }
    return Error::json_syntax; // unterminated
}

/// Scans a number at t[i] (the caller saw '-' or a digit there):
/// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
constexpr Result<std::size_t> scan_number(std::string_view t, std::size_t i) noexcept {
    if (t[i] == '-') ++i;
    if (i >= t.size() || !is_digit(t[i])) return Error::json_syntax;
    if (t[i] == '0') ++i;
    else while (i < t.size() && is_digit(t[i])) ++i;
    if (i < t.size() && t[i] == '.') {
        ++i;
        if (i >= t.size() || !is_digit(t[i])) return Error::json_syntax;
        while (i < t.size() && is_digit(t[i])) ++i;
    }
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
        if (i >= t.size() || !is_digit(t[i])) return Error::json_syntax;
        while (i < t.size() && is_digit(t[i])) ++i;
    }
    return i;
}

/// True when `word` is spelled at t[i], i <= t.size() (a char loop:
/// string_view's == links memcmp).
constexpr bool word_at(std::string_view t, std::size_t i, std::string_view word) noexcept {
    if (t.size() - i < word.size()) return false;
    for (std::size_t k = 0; k < word.size(); ++k)
        if (t[i + k] != word[k]) return false;
    return true;
}

/// Scans one complete value starting at t[i] (no leading whitespace) and
/// returns the index just past it. Nesting is tracked with a bit per level
/// instead of recursion, so hostile input cannot exhaust a small MCU stack.
constexpr Result<std::size_t> scan_value(std::string_view t, std::size_t i) noexcept {
    // Bit d set: level d is an object, else an array. 32 bits are enough (a
    // 64-bit mask costs libgcc shift calls on a Cortex-M0+).
    std::uint32_t in_object = 0;
    std::size_t depth = 0;
    static_assert(max_depth <= 32);
    for (;;) {
        // Expecting a value at t[i].
        i = skip_ws(t, i);
        if (i >= t.size()) return Error::json_syntax;
        bool value_done = true;
        const char c = t[i];
        if (c == '{' || c == '[') {
            if (depth == max_depth) return Error::json_too_deep;
            const bool obj = c == '{';
            if (obj) in_object |= std::uint32_t{1} << depth;
            else in_object &= ~(std::uint32_t{1} << depth);
            ++depth;
            i = skip_ws(t, i + 1);
            if (i < t.size() && t[i] == (obj ? '}' : ']')) {
                --depth;
                ++i;
            } else if (obj) {
                // First member: "key" ws ':'
                if (i >= t.size() || t[i] != '"') return Error::json_syntax;
                const auto k = scan_string(t, i);
                if (!k) return k.error();
                i = skip_ws(t, *k);
                if (i >= t.size() || t[i] != ':') return Error::json_syntax;
                ++i;
                value_done = false;
            } else {
                value_done = false;
            }
        } else if (c == '"') {
            const auto e = scan_string(t, i);
            if (!e) return e.error();
            i = *e;
        } else if (c == '-' || is_digit(c)) {
            const auto e = scan_number(t, i);
            if (!e) return e.error();
            i = *e;
        } else if (word_at(t, i, "true") || word_at(t, i, "null")) {
            i += 4;
        } else if (word_at(t, i, "false")) {
            i += 5;
        } else {
            return Error::json_syntax;
        }
        if (!value_done) continue;
        // A value ended: close containers or move to the next element.
        for (;;) {
            if (depth == 0) return i;
            const bool obj = (in_object >> (depth - 1)) & 1u;
            i = skip_ws(t, i);
            if (i >= t.size()) return Error::json_syntax;
            if (t[i] == (obj ? '}' : ']')) {
                --depth;
                ++i;
                continue;
            }
            if (t[i] != ',') return Error::json_syntax;
            i = skip_ws(t, i + 1);
            if (obj) {
                if (i >= t.size() || t[i] != '"') return Error::json_syntax;
                const auto k = scan_string(t, i);
                if (!k) return k.error();
                i = skip_ws(t, *k);
                if (i >= t.size() || t[i] != ':') return Error::json_syntax;
                ++i;
            }
            break;
        }
    }
}

/// Appends the UTF-8 encoding of code point `cp` through `put`.
template <class Put>
constexpr bool put_utf8(unsigned long cp, Put& put) noexcept {
    if (cp < 0x80) return put(static_cast<char>(cp));
    if (cp < 0x800)
        return put(static_cast<char>(0xC0 | (cp >> 6))) && put(static_cast<char>(0x80 | (cp & 0x3F)));
    if (cp < 0x10000)
        return put(static_cast<char>(0xE0 | (cp >> 12))) && put(static_cast<char>(0x80 | ((cp >> 6) & 0x3F))) &&
               put(static_cast<char>(0x80 | (cp & 0x3F)));
    return put(static_cast<char>(0xF0 | (cp >> 18))) && put(static_cast<char>(0x80 | ((cp >> 12) & 0x3F))) &&
           put(static_cast<char>(0x80 | ((cp >> 6) & 0x3F))) && put(static_cast<char>(0x80 | (cp & 0x3F)));
}

/// Decodes the raw contents of a string (between the quotes) char by char
/// into `put`; stops and returns false when `put` does or the text is bad.
template <class Put>
constexpr bool decode(std::string_view raw, Put&& put) noexcept {
    for (std::size_t i = 0; i < raw.size();) {
        const char c = raw[i];
        if (c != '\\') {
            if (!put(c)) return false;
            ++i;
            continue;
        }
        if (i + 1 >= raw.size()) return false;
        const char e = raw[i + 1];
        i += 2;
        char out = 0;
        switch (e) {
        case '"': out = '"'; break;
        case '\\': out = '\\'; break;
        case '/': out = '/'; break;
        case 'b': out = '\b'; break;
        case 'f': out = '\f'; break;
        case 'n': out = '\n'; break;
        case 'r': out = '\r'; break;
        case 't': out = '\t'; break;
        case 'u': {
            const long hi = read_u4(raw, i);
            if (hi < 0) return false;
            i += 4;
            unsigned long cp = static_cast<unsigned long>(hi);
            if (hi >= 0xD800 && hi <= 0xDBFF) {
                // UTF-16 surrogate pair -> one supplementary code point.
                if (i + 1 >= raw.size() || raw[i] != '\\' || raw[i + 1] != 'u') return false;
                const long lo = read_u4(raw, i + 2);
                if (lo < 0xDC00 || lo > 0xDFFF) return false;
                i += 6;
                cp = 0x10000 + ((static_cast<unsigned long>(hi) - 0xD800) << 10) +
                     (static_cast<unsigned long>(lo) - 0xDC00);
            } else if (hi >= 0xDC00 && hi <= 0xDFFF) {
                return false;
            }
            if (!put_utf8(cp, put)) return false;
            continue;
        }
        default: return false;
        }
        if (!put(out)) return false;
    }
    return true;
}

} // namespace detail

/// A JSON string as written in the text: the characters between the quotes,
/// escapes not yet decoded. Decoding happens on demand, into your storage.
class String {
public:
    constexpr String() noexcept = default;
    /// Wraps raw (still escaped) string contents, without the quotes.
    constexpr explicit String(std::string_view raw) noexcept : raw_(raw) {}

    /// The contents as written, escapes included.
    constexpr std::string_view raw() const noexcept { return raw_; }
    /// True when the text has no escapes, so raw() is the decoded value.
    constexpr bool is_plain() const noexcept { return raw_.find('\\') == std::string_view::npos; }

    /// Compares the decoded contents with `plain`, without storage.
    constexpr bool equals(std::string_view plain) const noexcept {
        std::size_t n = 0;
        const bool all = detail::decode(raw_, [&](char c) {
            if (n >= plain.size() || plain[n] != c) return false;
            ++n;
            return true;
        });
        return all && n == plain.size();
    }

    /// Decodes into `out`; the view covers the written part.
    constexpr Result<std::string_view> decode_into(std::span<char> out) const noexcept {
        std::size_t n = 0;
        bool overflow = false;
        const bool all = detail::decode(raw_, [&](char c) {
            if (n == out.size()) {
                overflow = true;
                return false;
            }
            out[n++] = c;
            return true;
        });
        if (overflow) return Error::buffer_too_small;
        if (!all) return Error::json_syntax;
        return std::string_view(out.data(), n);
    }

    /// Decodes into a FixedString<N>.
    template <std::size_t N>
    constexpr Result<FixedString<N>> decode() const noexcept {
        FixedString<N> s;
        bool overflow = false;
        const bool all = detail::decode(raw_, [&](char c) {
            if (!s.push_back(c)) overflow = true;
            return !overflow;
        });
        if (overflow) return Error::buffer_too_small;
        if (!all) return Error::json_syntax;
        return s;
    }

private:
    std::string_view raw_;
};

class Members;
class Elements;
namespace detail {
struct MemberStep;
struct ElementStep;
} // namespace detail

/// One JSON value: a view into a document already checked by parse().
class Value {
public:
    constexpr Value() noexcept = default;

    /// Which kind of JSON value this is (from its first character; raw_ is
    /// never empty: "null" by default, else a value parse() checked).
    constexpr Kind kind() const noexcept {
        switch (raw_[0]) {
        case '{': return Kind::object;
        case '[': return Kind::array;
        case '"': return Kind::string;
        case 't': case 'f': return Kind::boolean;
        case 'n': return Kind::null;
        default: return Kind::number;
        }
    }
    /// The value's exact text in the document (strings keep their quotes).
    constexpr std::string_view raw() const noexcept { return raw_; }

    /// True for an object.
    constexpr bool is_object() const noexcept { return kind() == Kind::object; }
    /// True for an array.
    constexpr bool is_array() const noexcept { return kind() == Kind::array; }
    /// True for a string.
    constexpr bool is_string() const noexcept { return kind() == Kind::string; }
    /// True for a number.
    constexpr bool is_number() const noexcept { return kind() == Kind::number; }
    /// True for `true` or `false`.
    constexpr bool is_bool() const noexcept { return kind() == Kind::boolean; }
    /// True for `null`.
    constexpr bool is_null() const noexcept { return kind() == Kind::null; }

    /// The string (escaped form); json_wrong_type for other kinds.
    constexpr Result<String> as_string() const noexcept {
        if (!is_string()) return Error::json_wrong_type;
        return String(aliyun::detail::slice(raw_, 1, raw_.size() - 2));
    }
    /// true/false; json_wrong_type for other kinds.
    constexpr Result<bool> as_bool() const noexcept {
        if (!is_bool()) return Error::json_wrong_type;
        return raw_[0] == 't';
    }
    /// A whole number in int64 range; json_wrong_type for anything else
    /// (fraction, exponent, out of range, not a number).
    constexpr Result<std::int64_t> as_int() const noexcept {
        if (!is_number()) return Error::json_wrong_type;
        std::size_t i = 0;
        const bool negative = raw_[0] == '-';
        if (negative) ++i;
        // Accumulate as a negative number: -2^63 is representable, 2^63 is not.
        std::int64_t v = 0;
        constexpr std::int64_t min = -9223372036854775807LL - 1;
        // v * 10 - d >= min exactly when v >= (min + d) / 10, which is
        // min / 10 for d <= 8 and min / 10 + 1 for d == 9 (constants: no
        // run-time 64-bit division, which a Cortex-M0+ does in libgcc).
        constexpr std::int64_t low = min / 10;
        static_assert((min + 8) / 10 == low && (min + 9) / 10 == low + 1);
        for (; i < raw_.size(); ++i) {
            const char c = raw_[i];
            if (!detail::is_digit(c)) return Error::json_wrong_type;
            const int d = c - '0';
            if (v < (d == 9 ? low + 1 : low)) return Error::json_wrong_type;
            v = v * 10 - d;
        }
        if (!negative) {
            if (v == min) return Error::json_wrong_type;
            v = -v;
        }
        return v;
    }

    /// Members of an object (empty range for other kinds).
    constexpr Members members() const noexcept;
    /// Elements of an array (empty range for other kinds).
    constexpr Elements elements() const noexcept;
    /// The first member named `name`, if this is an object that has one.
    constexpr std::optional<Value> find(std::string_view name) const noexcept;

private:
    friend constexpr Result<Value> parse(std::string_view) noexcept;
    friend struct detail::MemberStep;
    friend struct detail::ElementStep;
    constexpr explicit Value(std::string_view raw) noexcept : raw_(raw) {}
    std::string_view raw_ = "null";
};

/// One member of an object: its name (still escaped) and its value.
struct Member {
    String name; ///< member name (escaped form)
    Value value; ///< member value
};

namespace detail {

/// What the member and element iterators share: a walk over the items of a
/// container whose text is already checked, from just past its opening
/// bracket. `Step::read(text, i, item)` reads the item starting at text[i]
/// (the separating comma and whitespace already skipped) into `item` and
/// returns the index just past it, or 0 at the closing bracket (or on text
/// that is not a checked container): the iterator is then done.
template <class Item, class Step>
class ItemIterator {
public:
    using value_type = Item;                ///< what it yields
    using difference_type = std::ptrdiff_t; ///< iterator requirement

    constexpr ItemIterator() noexcept = default;
    /// Starts at the first item of `container` (its text, brackets included).
    constexpr explicit ItemIterator(std::string_view container) noexcept : text_(container), pos_(1) { read(); }

    /// The current item.
    constexpr const Item& operator*() const noexcept { return current_; }
    /// The current item.
    constexpr const Item* operator->() const noexcept { return &current_; }
    /// Moves to the next item.
    constexpr ItemIterator& operator++() noexcept {
        read();
        return *this;
    }
    /// Moves to the next item.
    constexpr void operator++(int) noexcept { read(); }
    /// True past the last item.
    friend constexpr bool operator==(const ItemIterator& it, std::default_sentinel_t) noexcept { return it.done_; }

private:
    constexpr void read() noexcept {
        std::size_t i = skip_ws(text_, pos_);
        if (i < text_.size() && text_[i] == ',') i = skip_ws(text_, i + 1);
        const std::size_t end = i < text_.size() ? Step::read(text_, i, current_) : 0;
        if (end == 0) {
            done_ = true;
            return;
        }
        pos_ = end;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    Item current_{};
    bool done_ = false;
};

/// One member of an object: `"name" ws ':' ws value`.
struct MemberStep {
    /// Reads the member at text[i] into `m`; 0 at '}' or on bad text.
    static constexpr std::size_t read(std::string_view text, std::size_t i, Member& m) noexcept {
        if (text[i] != '"') return 0;
        const auto key_end = scan_string(text, i);
        if (!key_end) return 0;
        m.name = String(aliyun::detail::slice(text, i + 1, *key_end - i - 2));
        i = skip_ws(text, *key_end) + 1; // past ':'
        i = skip_ws(text, i);
        const auto value_end = scan_value(text, i);
        if (!value_end) return 0;
        m.value = Value(aliyun::detail::slice(text, i, *value_end - i));
        return *value_end;
    }
};

/// One element of an array: a value.
struct ElementStep {
    /// Reads the element at text[i] into `v`; 0 at ']' or on bad text.
    static constexpr std::size_t read(std::string_view text, std::size_t i, Value& v) noexcept {
        if (text[i] == ']') return 0;
        const auto end = scan_value(text, i);
        if (!end) return 0;
        v = Value(aliyun::detail::slice(text, i, *end - i));
        return *end;
    }
};

} // namespace detail

/// Walks the members of a checked object.
using MemberIterator = detail::ItemIterator<Member, detail::MemberStep>;
/// Walks the elements of a checked array.
using ElementIterator = detail::ItemIterator<Value, detail::ElementStep>;

/// Range over an object's members: `for (const json::Member& m : v.members())`.
class Members {
public:
    /// The members of `object` (its text, braces included).
    constexpr explicit Members(std::string_view object) noexcept : object_(object) {}
    /// First member.
    constexpr MemberIterator begin() const noexcept {
        if (object_.empty()) {
            MemberIterator it(std::string_view("{}"));
            return it;
        }
        return MemberIterator(object_);
    }
    /// Past the last member.
    constexpr std::default_sentinel_t end() const noexcept { return {}; }

private:
    std::string_view object_;
};

/// Range over an array's elements: `for (json::Value e : v.elements())`.
class Elements {
public:
    /// The elements of `array` (its text, brackets included).
    constexpr explicit Elements(std::string_view array) noexcept : array_(array) {}
    /// First element.
    constexpr ElementIterator begin() const noexcept {
        return ElementIterator(array_.empty() ? std::string_view("[]") : array_);
    }
    /// Past the last element.
    constexpr std::default_sentinel_t end() const noexcept { return {}; }

private:
    std::string_view array_;
};

constexpr Members Value::members() const noexcept { return Members(is_object() ? raw_ : std::string_view{}); }
constexpr Elements Value::elements() const noexcept { return Elements(is_array() ? raw_ : std::string_view{}); }
constexpr std::optional<Value> Value::find(std::string_view name) const noexcept {
    for (const Member& m : members())
        if (m.name.equals(name)) return m.value;
    return std::nullopt;
}

/// Checks that `text` is exactly one JSON value (whitespace around it is
/// allowed) and returns it. Errors: json_syntax, json_too_deep,
/// json_trailing_garbage (anything but whitespace after the value).
constexpr Result<Value> parse(std::string_view text) noexcept {
    const std::size_t start = detail::skip_ws(text, 0);
    if (start >= text.size()) return Error::json_syntax;
    const auto end = detail::scan_value(text, start);
    if (!end) return end.error();
    if (detail::skip_ws(text, *end) != text.size()) return Error::json_trailing_garbage;
    return Value(aliyun::detail::slice(text, start, *end - start));
}

} // namespace alimqtt::aliyun::json
