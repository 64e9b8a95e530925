// alimqtt/aliyun/alink.hpp — Alink JSON envelopes of the Thing Model: write a
// property post and a reply into caller storage, read incoming messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "alimqtt/aliyun/json.hpp"
#include "alimqtt/error.hpp"

namespace alimqtt::aliyun {

/// The method of a property post.
inline constexpr std::string_view property_post_method = "thing.event.property.post";
/// The method of a property set sent by the cloud.
inline constexpr std::string_view property_set_method = "thing.service.property.set";

namespace detail {
/// Appends text to a char span; remembers overflow.
class JsonOut {
public:
    constexpr explicit JsonOut(std::span<char> out) noexcept : out_(out) {}
    constexpr void raw(std::string_view s) noexcept {
        if (overflow_ || s.size() > out_.size() - size_) {
            overflow_ = true;
            return;
        }
        for (char c : s) out_[size_++] = c;
    }
    constexpr void ch(char c) noexcept { raw(std::string_view(&c, 1)); }
    /// A JSON string literal with quotes; RFC 8259 section 7 escapes.
    constexpr void quoted(std::string_view s) noexcept {
        ch('"');
        for (char c : s) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '"') raw("\\\"");
            else if (c == '\\') raw("\\\\");
            else if (c == '\n') raw("\\n");
            else if (c == '\r') raw("\\r");
            else if (c == '\t') raw("\\t");
            else if (u < 0x20) {
                const char* hex = "0123456789abcdef";
                raw("\\u00");
                ch(hex[u >> 4]);
                ch(hex[u & 0xF]);
            } else ch(c);
        }
        ch('"');
    }
    constexpr void integer(std::int64_t v) noexcept {
        char digits[20]{};
        std::size_t n = 0;
        // The magnitude as unsigned: -2^63 has no positive int64 twin.
        std::uint64_t x = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
        do {
            digits[n++] = static_cast<char>('0' + divmod10(x));
        } while (x != 0);
        if (v < 0) ch('-');
        while (n != 0) ch(digits[--n]);
    }
    constexpr bool overflow() const noexcept { return overflow_; }
    constexpr std::string_view text() const noexcept { return {out_.data(), size_}; }

private:
    std::span<char> out_;
    std::size_t size_ = 0;
    bool overflow_ = false;
};
} // namespace detail

namespace detail {
/// The `"name":value` members of one JSON object, shared by the request and
/// reply writers (`Self` is the writer, so calls chain on its own type).
/// Errors are sticky: error() keeps the first, overflow() says the buffer filled.
template <class Self>
class AlinkMembers {
public:
    /// Adds `"name":<integer>`.
    constexpr Self& add_int(std::string_view name, std::int64_t value) noexcept {
        key(name);
        out_.integer(value);
        return self();
    }
    /// Adds `"name":true|false`.
    constexpr Self& add_bool(std::string_view name, bool value) noexcept {
        key(name);
        out_.raw(value ? "true" : "false");
        return self();
    }
    /// Adds `"name":"<value, escaped>"`.
    constexpr Self& add_string(std::string_view name, std::string_view value) noexcept {
        key(name);
        out_.quoted(value);
        return self();
    }
    /// Adds `"name":<json>` with `json` copied as is after checking that it
    /// is one valid JSON value (e.g. `{"value":23.5,"time":1700000000000}`).
    constexpr Self& add_raw(std::string_view name, std::string_view json_value) noexcept {
        if (!json::parse(json_value)) error_ = Error::json_syntax;
        key(name);
        out_.raw(json_value);
        return self();
    }

protected:
    constexpr explicit AlinkMembers(std::span<char> out) noexcept : out_(out) {}
    /// The first error (json_syntax from add_raw, then buffer_too_small), or Error{}.
    constexpr Error error() const noexcept {
        if (error_ != Error{}) return error_;
        return out_.overflow() ? Error::buffer_too_small : Error{};
    }

    JsonOut out_;

private:
    constexpr Self& self() noexcept { return static_cast<Self&>(*this); }
    constexpr void key(std::string_view name) noexcept {
        if (!first_) out_.ch(',');
        first_ = false;
        out_.quoted(name);
        out_.ch(':');
    }

    Error error_{};
    bool first_ = true;
};
} // namespace detail

/// Writes an Alink request such as a property post into caller storage:
/// `{"id":"<id>","version":"1.0","params":{<members>},"method":"<method>"}`.
/// Errors are sticky and reported by finish().
class AlinkRequestWriter : public detail::AlinkMembers<AlinkRequestWriter> {
public:
    /// Starts a request with a decimal id (ids are 0..4294967295, unique per
    /// device per day) and a method, by default thing.event.property.post.
    constexpr AlinkRequestWriter(std::span<char> out, std::uint32_t id,
                                 std::string_view method = property_post_method) noexcept
        : AlinkMembers(out), method_(method) {
        out_.raw("{\"id\":\"");
        out_.integer(id);
        out_.raw("\",\"version\":\"1.0\",\"params\":{");
    }

    /// Adds `"sys":{"ack":0}`: the platform then sends no reply.
    constexpr AlinkRequestWriter& without_reply() noexcept {
        no_ack_ = true;
        return *this;
    }

    /// Closes the envelope; the view points into the caller's storage.
    /// Errors: buffer_too_small, json_syntax (a bad add_raw value).
    constexpr Result<std::string_view> finish() noexcept {
        out_.raw("},\"method\":");
        out_.quoted(method_);
        if (no_ack_) out_.raw(",\"sys\":{\"ack\":0}");
        out_.ch('}');
        if (const Error e = error(); e != Error{}) return e;
        return out_.text();
    }

private:
    std::string_view method_;
    bool no_ack_ = false;
};

/// Writes the device's reply to a service call, with the output parameters
/// added as members of "data" before the code is known:
/// `{"id":"<id>","version":"1.0","data":{<members>},"code":<code>,"message":"<message>"}`
/// (Alink readers look members up by name; the order carries no meaning).
class AlinkReplyWriter : public detail::AlinkMembers<AlinkReplyWriter> {
public:
    /// Starts the reply to the request whose "id" was `id` (its text as
    /// received, re-escaped).
    constexpr AlinkReplyWriter(std::span<char> out, std::string_view id) noexcept : AlinkMembers(out) {
        out_.raw("{\"id\":");
        out_.quoted(id);
        out_.raw(",\"version\":\"1.0\",\"data\":{");
    }
    /// Replaces the reply's "message" (default: "success" for code 200,
    /// "failed" otherwise); the text must outlive finish().
    constexpr AlinkReplyWriter& message(std::string_view text) noexcept {
        message_ = text;
        has_message_ = true;
        return *this;
    }
    /// Closes "data" and writes `code` and the message. Errors:
    /// buffer_too_small, json_syntax (a bad add_raw value).
    constexpr Result<std::string_view> finish(std::int64_t code) noexcept {
        out_.raw("},\"code\":");
        out_.integer(code);
        out_.raw(",\"message\":");
        out_.quoted(has_message_ ? message_ : code == 200 ? std::string_view("success") : std::string_view("failed"));
        out_.ch('}');
        if (const Error e = error(); e != Error{}) return e;
        return out_.text();
    }

private:
    std::string_view message_;
    bool has_message_ = false;
};

/// Writes an Alink reply into `out`:
/// `{"code":<code>,"data":<data>,"id":"<id>","message":"<message>","version":"1.0"}`.
/// `data_json` must be one JSON value (json_syntax otherwise).
constexpr Result<std::string_view> write_alink_reply(std::span<char> out, std::string_view id, int code = 200,
                                                     std::string_view message = "success",
                                                     std::string_view data_json = "{}") noexcept {
    if (!json::parse(data_json)) return Error::json_syntax;
    detail::JsonOut w(out);
    w.raw("{\"code\":");
    w.integer(code);
    w.raw(",\"data\":");
    w.raw(data_json);
    w.raw(",\"id\":");
    w.quoted(id);
    w.raw(",\"message\":");
    w.quoted(message);
    w.raw(",\"version\":\"1.0\"}");
    if (w.overflow()) return Error::buffer_too_small;
    return w.text();
}

/// An incoming Alink message, as views into the payload (keep it alive).
/// Absent members are empty strings / a null Value / no code.
struct AlinkMessage {
    json::String id;              ///< "id": its digits (string or number in the JSON)
    json::String method;          ///< "method", e.g. thing.service.property.set
    json::String version;         ///< "version"
    std::optional<std::int64_t> code; ///< "code" of a reply (200 = success)
    json::String message;         ///< "message" of a reply
    json::Value params;           ///< "params" object (null when absent)
    json::Value data;             ///< "data" of a reply (null when absent)

    /// The members of params: `for (auto& m : msg.params_members())`.
    constexpr json::Members params_members() const noexcept { return params.members(); }
    /// The member of params named `name`; a `{"value":v,"time":t}` wrapper
    /// is unwrapped to `v`.
    constexpr std::optional<json::Value> param(std::string_view name) const noexcept {
        auto v = params.find(name);
        if (v && v->is_object())
            if (auto inner = v->find("value")) return inner;
        return v;
    }
    /// The id as a number (Alink ids are decimal 0..4294967295).
    constexpr Result<std::uint32_t> id_number() const noexcept {
        const std::string_view s = id.raw();
        if (s.empty() || s.size() > 10) return Error::json_wrong_type;
        std::uint64_t v = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return Error::json_wrong_type;
            v = v * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (v > 0xFFFFFFFFULL) return Error::json_wrong_type;
        return static_cast<std::uint32_t>(v);
    }
};

/// Reads an Alink message (request, reply or property set). Errors:
/// json_syntax / json_too_deep / json_trailing_garbage for malformed JSON,
/// json_wrong_type when the payload is not an object or a member has the
/// wrong type, json_missing_field when "id" is absent.
constexpr Result<AlinkMessage> read_alink(std::string_view payload) noexcept {
    const auto doc = json::parse(payload);
    if (!doc) return doc.error();
    if (!doc->is_object()) return Error::json_wrong_type;
    AlinkMessage m;
    const auto id = doc->find("id");
    if (!id) return Error::json_missing_field;
    if (id->is_string()) m.id = *id->as_string();
    else if (id->is_number()) m.id = json::String(id->raw());
    else return Error::json_wrong_type;
    for (auto [name, field] : {std::pair{"method", &m.method}, std::pair{"version", &m.version},
                               std::pair{"message", &m.message}}) {
        if (const auto v = doc->find(name)) {
            const auto s = v->as_string();
            if (!s) return s.error();
            *field = *s;
        }
    }
    if (const auto v = doc->find("code")) {
        const auto c = v->as_int();
        if (!c) return c.error();
        m.code = *c;
    }
    if (const auto v = doc->find("params")) {
        if (!v->is_object()) return Error::json_wrong_type;
        m.params = *v;
    }
    if (const auto v = doc->find("data")) m.data = *v;
    return m;
}

} // namespace alimqtt::aliyun
