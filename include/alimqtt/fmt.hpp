// alimqtt/fmt.hpp — {fmt} formatters for packets, errors and codes, so host code
// can log anything with fmt::print("{}", packet). Host only: the core never includes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "client.hpp"
#include "codec/packets.hpp"
#include "codec/utf8.hpp"
#include "error.hpp"
#include "session.hpp"

/// \file
/// One-line, readable forms, e.g.
/// `PUBLISH(id=7, qos=1, dup=0, retain=0, topic="a/b", 12 bytes)`,
/// `subscription_refused(id=1, filter="a/b", index=1)`.
/// Packet and event formatters accept one option, `p` (optionally followed by a byte
/// limit, default 64): `{:p}` appends a payload preview,
/// `{:p16}` at most 16 bytes of it. Passwords are never printed, only their size.

namespace alimqtt::fmt_detail {

/// Default number of payload bytes shown by `{:p}`.
inline constexpr std::size_t default_preview_bytes = 64;

/// Parsed packet format spec: no preview, or a preview of at most `limit` bytes.
struct PacketSpec {
    bool preview = false;           ///< `{:p}` given
    std::size_t limit = default_preview_bytes; ///< bytes shown when previewing
};

/// Reports a bad format spec (a compile-time error for checked format strings).
inline void bad_spec(const char* message) {
#if FMT_VERSION >= 110000
    fmt::report_error(message);
#else
    fmt::detail::throw_format_error(message);
#endif
}

/// Parses "" or "p" or "p<digits>" up to the closing brace.
constexpr auto parse_packet_spec(fmt::format_parse_context& ctx, PacketSpec& spec) {
    auto it = ctx.begin();
    const auto end = ctx.end();
    if (it != end && *it == 'p') {
        spec.preview = true;
        ++it;
        if (it != end && *it >= '0' && *it <= '9') {
            std::size_t n = 0;
            while (it != end && *it >= '0' && *it <= '9') n = n * 10 + static_cast<std::size_t>(*it++ - '0');
            spec.limit = n;
        }
    }
    if (it != end && *it != '}') bad_spec("alimqtt: invalid format spec (use {} or {:p} or {:pN})");
    return it;
}

/// Writes `s` between double quotes: `"` and `\\` escaped, newline, CR and tab
/// by name, other control bytes as `\\xNN`; bytes >= 0x80 kept as is when `s` is
/// valid UTF-8 (so Chinese text stays readable), else escaped as `\\xNN`.
template <class Out>
Out write_quoted(Out out, std::string_view s) {
    const bool utf8 = validate_utf8(s).ok();
    *out++ = '"';
    for (const char ch : s) {
        const auto b = static_cast<unsigned char>(ch);
        switch (ch) {
        case '"': *out++ = '\\'; *out++ = '"'; continue;
        case '\\': *out++ = '\\'; *out++ = '\\'; continue;
        case '\n': *out++ = '\\'; *out++ = 'n'; continue;
        case '\r': *out++ = '\\'; *out++ = 'r'; continue;
        case '\t': *out++ = '\\'; *out++ = 't'; continue;
        default: break;
        }
        if (b < 0x20 || b == 0x7F || (b >= 0x80 && !utf8)) {
            out = fmt::format_to(out, "\\x{:02x}", b);
        } else {
            *out++ = ch;
        }
    }
    *out++ = '"';
    return out;
}

/// `payload="..."` with at most `limit` bytes, cut back to a UTF-8 character
/// boundary, and `...` when cut.
template <class Out>
Out write_preview(Out out, Bytes payload, std::size_t limit) {
    const std::string_view all(reinterpret_cast<const char*>(payload.data()), payload.size());
    std::size_t n = all.size() < limit ? all.size() : limit;
    if (n < all.size() && validate_utf8(all).ok()) {
        while (n > 0 && (static_cast<unsigned char>(all[n]) & 0xC0u) == 0x80u) --n; // keep whole characters
    }
    out = fmt::format_to(out, ", payload=");
    out = write_quoted(out, all.substr(0, n));
    if (n < all.size()) out = fmt::format_to(out, "...");
    return out;
}

/// Name of a packet type as the spec writes it ("PUBLISH"), or "" if not 1..14.
constexpr std::string_view packet_type_name(PacketType t) noexcept {
    switch (t) {
    case PacketType::connect: return "CONNECT";
    case PacketType::connack: return "CONNACK";
    case PacketType::publish: return "PUBLISH";
    case PacketType::puback: return "PUBACK";
    case PacketType::pubrec: return "PUBREC";
    case PacketType::pubrel: return "PUBREL";
    case PacketType::pubcomp: return "PUBCOMP";
    case PacketType::subscribe: return "SUBSCRIBE";
    case PacketType::suback: return "SUBACK";
    case PacketType::unsubscribe: return "UNSUBSCRIBE";
    case PacketType::unsuback: return "UNSUBACK";
    case PacketType::pingreq: return "PINGREQ";
    case PacketType::pingresp: return "PINGRESP";
    case PacketType::disconnect: return "DISCONNECT";
    }
    return {};
}

/// Meaning of a CONNACK return code (3.2.2.3), or "" above 5.
constexpr std::string_view connack_meaning(ConnackCode c) noexcept {
    switch (c) {
    case ConnackCode::accepted: return "accepted";
    case ConnackCode::unacceptable_protocol_version: return "unacceptable protocol version";
    case ConnackCode::identifier_rejected: return "identifier rejected";
    case ConnackCode::server_unavailable: return "server unavailable";
    case ConnackCode::bad_username_or_password: return "bad user name or password";
    case ConnackCode::not_authorized: return "not authorized";
    }
    return {};
}

/// The enumerator's name of an event kind ("subscription_refused"), or "" if unknown.
constexpr std::string_view event_kind_name(EventKind k) noexcept {
    switch (k) {
    case EventKind::none: return "none";
    case EventKind::connected: return "connected";
    case EventKind::disconnected: return "disconnected";
    case EventKind::message: return "message";
    case EventKind::subscribed: return "subscribed";
    case EventKind::subscription_refused: return "subscription_refused";
    case EventKind::subscription_timeout: return "subscription_timeout";
    case EventKind::unsubscribed: return "unsubscribed";
    case EventKind::unsubscribe_timeout: return "unsubscribe_timeout";
    case EventKind::published: return "published";
    case EventKind::oversize_packet: return "oversize_packet";
    }
    return {};
}

/// Base for the formatters that take no options: accepts only `{}`.
struct PlainFormatter {
    /// Accepts an empty spec only.
    constexpr auto parse(fmt::format_parse_context& ctx) {
        auto it = ctx.begin();
        if (it != ctx.end() && *it != '}') bad_spec("alimqtt: this type takes no format spec");
        return it;
    }
};

/// Base for the packet formatters: accepts `{}`, `{:p}` and `{:pN}`.
struct PacketFormatter {
    PacketSpec spec; ///< what parse() read
    /// Reads the optional payload-preview option.
    constexpr auto parse(fmt::format_parse_context& ctx) { return parse_packet_spec(ctx, spec); }
};

/// Shared formatter of the packets that carry only a packet id: `PUBACK(id=7)`.
template <class P>
struct IdOnlyFormatter : PacketFormatter {
    /// Writes the type name and the id.
    template <class Ctx>
    auto format(const P& p, Ctx& ctx) const {
        return fmt::format_to(ctx.out(), "{}(id={})", packet_type_name(packet_type_of<P>), p.packet_id);
    }
};
/// Shared formatter of the packets with no fields: `PINGREQ`.
template <class P>
struct EmptyPacketFormatter : PacketFormatter {
    /// Writes the type name.
    template <class Ctx>
    auto format(const P&, Ctx& ctx) const {
        return fmt::format_to(ctx.out(), "{}", packet_type_name(packet_type_of<P>));
    }
};

} // namespace alimqtt::fmt_detail

/// {fmt}'s namespace: alimqtt adds its `formatter` specialisations here.
namespace fmt {

/// `timed out`: the text of alimqtt::to_string(); width, fill and alignment work as for strings.
template <>
struct formatter<alimqtt::Error> : fmt::formatter<std::string_view> {
    /// Writes to_string(e).
    template <class Ctx>
    auto format(alimqtt::Error e, Ctx& ctx) const {
        return fmt::formatter<std::string_view>::format(alimqtt::to_string(e), ctx);
    }
};

/// `ok`, or the error's text.
template <>
struct formatter<alimqtt::Status> : alimqtt::fmt_detail::PlainFormatter {
    /// Writes "ok" or to_string(s.error()).
    template <class Ctx>
    auto format(const alimqtt::Status& s, Ctx& ctx) const {
        return fmt::format_to(ctx.out(), "{}", s.ok() ? std::string_view("ok") : alimqtt::to_string(s.error()));
    }
};

/// `0`, `1`, `2` (anything else as `QoS(3)`).
template <>
struct formatter<alimqtt::QoS> : alimqtt::fmt_detail::PlainFormatter {
    /// Writes the QoS number.
    template <class Ctx>
    auto format(alimqtt::QoS q, Ctx& ctx) const {
        const auto n = static_cast<unsigned>(q);
        return n <= 2 ? fmt::format_to(ctx.out(), "{}", n) : fmt::format_to(ctx.out(), "QoS({})", n);
    }
};

/// `PUBLISH` (anything outside 1..14 as `PacketType(15)`).
template <>
struct formatter<alimqtt::PacketType> : alimqtt::fmt_detail::PlainFormatter {
    /// Writes the spec's name of the type.
    template <class Ctx>
    auto format(alimqtt::PacketType t, Ctx& ctx) const {
        const auto name = alimqtt::fmt_detail::packet_type_name(t);
        return name.empty() ? fmt::format_to(ctx.out(), "PacketType({})", static_cast<unsigned>(t))
                            : fmt::format_to(ctx.out(), "{}", name);
    }
};

/// `4 (bad user name or password)` (above 5: `6 (invalid)`).
template <>
struct formatter<alimqtt::ConnackCode> : alimqtt::fmt_detail::PlainFormatter {
    /// Writes the code and its meaning.
    template <class Ctx>
    auto format(alimqtt::ConnackCode c, Ctx& ctx) const {
        const auto meaning = alimqtt::fmt_detail::connack_meaning(c);
        return fmt::format_to(ctx.out(), "{} ({})", static_cast<unsigned>(c), meaning.empty() ? "invalid" : meaning);
    }
};

/// `granted QoS 1`, `refused 0x80` (anything else: `invalid 0x03`).
template <>
struct formatter<alimqtt::SubackCode> : alimqtt::fmt_detail::PlainFormatter {
    /// Writes what the code means for its filter.
    template <class Ctx>
    auto format(alimqtt::SubackCode c, Ctx& ctx) const {
        const auto n = static_cast<unsigned>(c);
        if (n <= 2) return fmt::format_to(ctx.out(), "granted QoS {}", n);
        if (c == alimqtt::SubackCode::failure) return fmt::format_to(ctx.out(), "refused 0x80");
        return fmt::format_to(ctx.out(), "invalid 0x{:02x}", n);
    }
};

/// `"a/b" qos=1`
template <>
struct formatter<alimqtt::TopicSubscription> : alimqtt::fmt_detail::PlainFormatter {
    /// Writes the quoted filter and its requested QoS.
    template <class Ctx>
    auto format(const alimqtt::TopicSubscription& s, Ctx& ctx) const {
        auto out = alimqtt::fmt_detail::write_quoted(ctx.out(), s.filter);
        return fmt::format_to(out, " qos={}", s.qos);
    }
};

/// `["a/b" qos=1, "c/#" qos=0]`
template <>
struct formatter<alimqtt::TopicSubscriptionList> : alimqtt::fmt_detail::PlainFormatter {
    /// Writes every entry, in order.
    template <class Ctx>
    auto format(const alimqtt::TopicSubscriptionList& list, Ctx& ctx) const {
        auto out = ctx.out();
        *out++ = '[';
        bool first = true;
        for (const alimqtt::TopicSubscription s : list) {
            if (!first) out = fmt::format_to(out, ", ");
            first = false;
            out = fmt::format_to(out, "{}", s);
        }
        *out++ = ']';
        return out;
    }
};

/// `["a/b", "c/#"]`
template <>
struct formatter<alimqtt::TopicFilterList> : alimqtt::fmt_detail::PlainFormatter {
    /// Writes every filter, quoted, in order.
    template <class Ctx>
    auto format(const alimqtt::TopicFilterList& list, Ctx& ctx) const {
        auto out = ctx.out();
        *out++ = '[';
        bool first = true;
        for (const std::string_view f : list) {
            if (!first) out = fmt::format_to(out, ", ");
            first = false;
            out = alimqtt::fmt_detail::write_quoted(out, f);
        }
        *out++ = ']';
        return out;
    }
};

/// `[granted QoS 1, refused 0x80]`
template <>
struct formatter<alimqtt::SubackCodeList> : alimqtt::fmt_detail::PlainFormatter {
    /// Writes every return code, in order.
    template <class Ctx>
    auto format(const alimqtt::SubackCodeList& list, Ctx& ctx) const {
        auto out = ctx.out();
        *out++ = '[';
        bool first = true;
        for (const alimqtt::SubackCode c : list) {
            if (!first) out = fmt::format_to(out, ", ");
            first = false;
            out = fmt::format_to(out, "{}", c);
        }
        *out++ = ']';
        return out;
    }
};

/// `(topic="dev/status", qos=1, retain=0, 7 bytes)`; `{:p}` adds the payload preview.
template <>
struct formatter<alimqtt::Will> : alimqtt::fmt_detail::PacketFormatter {
    /// Writes the will's topic, QoS, retain flag and payload size.
    template <class Ctx>
    auto format(const alimqtt::Will& w, Ctx& ctx) const {
        auto out = fmt::format_to(ctx.out(), "(topic=");
        out = alimqtt::fmt_detail::write_quoted(out, w.topic);
        out = fmt::format_to(out, ", qos={}, retain={:d}, {} bytes", w.qos, w.retain, w.payload.size());
        if (spec.preview) out = alimqtt::fmt_detail::write_preview(out, w.payload, spec.limit);
        *out++ = ')';
        return out;
    }
};

/// `CONNECT(client_id="c", keepalive=60, clean=1, username="u", password=5 bytes, will=(...))`;
/// absent username, password and will are left out; the password is never shown.
template <>
struct formatter<alimqtt::Connect> : alimqtt::fmt_detail::PacketFormatter {
    /// Writes the CONNECT fields.
    template <class Ctx>
    auto format(const alimqtt::Connect& p, Ctx& ctx) const {
        auto out = fmt::format_to(ctx.out(), "CONNECT(client_id=");
        out = alimqtt::fmt_detail::write_quoted(out, p.client_id);
        out = fmt::format_to(out, ", keepalive={}, clean={:d}", p.keepalive_s, p.clean_session);
        if (p.username) {
            out = fmt::format_to(out, ", username=");
            out = alimqtt::fmt_detail::write_quoted(out, *p.username);
        }
        if (p.password) out = fmt::format_to(out, ", password={} bytes", p.password->size());
        if (p.will) {
            out = fmt::format_to(out, ", will=");
            fmt::formatter<alimqtt::Will> wf;
            wf.spec = spec;
            ctx.advance_to(out);
            out = wf.format(*p.will, ctx);
        }
        *out++ = ')';
        return out;
    }
};

/// `CONNACK(session_present=0, code=4 (bad user name or password))`
template <>
struct formatter<alimqtt::Connack> : alimqtt::fmt_detail::PacketFormatter {
    /// Writes the session-present flag and the return code.
    template <class Ctx>
    auto format(const alimqtt::Connack& p, Ctx& ctx) const {
        return fmt::format_to(ctx.out(), "CONNACK(session_present={:d}, code={})", p.session_present, p.code);
    }
};

/// `PUBLISH(id=7, qos=1, dup=0, retain=0, topic="a/b", 12 bytes)`; QoS 0 has no id;
/// `{:p}` adds `, payload="..."`.
template <>
struct formatter<alimqtt::Publish> : alimqtt::fmt_detail::PacketFormatter {
    /// Writes the PUBLISH header fields and the payload size (and preview).
    template <class Ctx>
    auto format(const alimqtt::Publish& p, Ctx& ctx) const {
        auto out = fmt::format_to(ctx.out(), "PUBLISH(");
        if (p.qos != alimqtt::QoS::at_most_once) out = fmt::format_to(out, "id={}, ", p.packet_id);
        out = fmt::format_to(out, "qos={}, dup={:d}, retain={:d}, topic=", p.qos, p.dup, p.retain);
        out = alimqtt::fmt_detail::write_quoted(out, p.topic);
        out = fmt::format_to(out, ", {} bytes", p.payload.size());
        if (spec.preview) out = alimqtt::fmt_detail::write_preview(out, p.payload, spec.limit);
        *out++ = ')';
        return out;
    }
};

/// `PUBACK(id=7)`
template <> struct formatter<alimqtt::Puback> : alimqtt::fmt_detail::IdOnlyFormatter<alimqtt::Puback> {};
/// `PUBREC(id=7)`
template <> struct formatter<alimqtt::Pubrec> : alimqtt::fmt_detail::IdOnlyFormatter<alimqtt::Pubrec> {};
/// `PUBREL(id=7)`
template <> struct formatter<alimqtt::Pubrel> : alimqtt::fmt_detail::IdOnlyFormatter<alimqtt::Pubrel> {};
/// `PUBCOMP(id=7)`
template <> struct formatter<alimqtt::Pubcomp> : alimqtt::fmt_detail::IdOnlyFormatter<alimqtt::Pubcomp> {};
/// `UNSUBACK(id=7)`
template <> struct formatter<alimqtt::Unsuback> : alimqtt::fmt_detail::IdOnlyFormatter<alimqtt::Unsuback> {};
/// `PINGREQ`
template <> struct formatter<alimqtt::Pingreq> : alimqtt::fmt_detail::EmptyPacketFormatter<alimqtt::Pingreq> {};
/// `PINGRESP`
template <> struct formatter<alimqtt::Pingresp> : alimqtt::fmt_detail::EmptyPacketFormatter<alimqtt::Pingresp> {};
/// `DISCONNECT`
template <> struct formatter<alimqtt::Disconnect> : alimqtt::fmt_detail::EmptyPacketFormatter<alimqtt::Disconnect> {};

/// `SUBSCRIBE(id=3, ["a/b" qos=1, "c/#" qos=0])`
template <>
struct formatter<alimqtt::Subscribe> : alimqtt::fmt_detail::PacketFormatter {
    /// Writes the id and the filters with their requested QoS.
    template <class Ctx>
    auto format(const alimqtt::Subscribe& p, Ctx& ctx) const {
        return fmt::format_to(ctx.out(), "SUBSCRIBE(id={}, {})", p.packet_id, p.filters);
    }
};

/// `SUBACK(id=3, [granted QoS 1, refused 0x80])`
template <>
struct formatter<alimqtt::Suback> : alimqtt::fmt_detail::PacketFormatter {
    /// Writes the id and one result per filter.
    template <class Ctx>
    auto format(const alimqtt::Suback& p, Ctx& ctx) const {
        return fmt::format_to(ctx.out(), "SUBACK(id={}, {})", p.packet_id, p.codes);
    }
};

/// `UNSUBSCRIBE(id=4, ["a/b", "c/#"])`
template <>
struct formatter<alimqtt::Unsubscribe> : alimqtt::fmt_detail::PacketFormatter {
    /// Writes the id and the filters.
    template <class Ctx>
    auto format(const alimqtt::Unsubscribe& p, Ctx& ctx) const {
        return fmt::format_to(ctx.out(), "UNSUBSCRIBE(id={}, {})", p.packet_id, p.filters);
    }
};

/// Whichever packet the variant holds, in that packet's form; `{:p}` is passed on.
template <>
struct formatter<alimqtt::Packet> : alimqtt::fmt_detail::PacketFormatter {
    /// Writes the held packet.
    template <class Ctx>
    auto format(const alimqtt::Packet& p, Ctx& ctx) const {
        return alimqtt::visit_packet(p, [&](const auto& x) {
            fmt::formatter<std::remove_cvref_t<decltype(x)>> f;
            f.spec = spec;
            return f.format(x, ctx);
        });
    }
};

/// `subscription_refused` — the enumerator's name (anything else: `EventKind(42)`).
template <>
struct formatter<alimqtt::EventKind> : alimqtt::fmt_detail::PlainFormatter {
    /// Writes the kind's name.
    template <class Ctx>
    auto format(alimqtt::EventKind k, Ctx& ctx) const {
        const auto name = alimqtt::fmt_detail::event_kind_name(k);
        return name.empty() ? fmt::format_to(ctx.out(), "EventKind({})", static_cast<unsigned>(k))
                            : fmt::format_to(ctx.out(), "{}", name);
    }
};

/// `in` or `out`, the direction a Tracer sees a packet go.
template <>
struct formatter<alimqtt::Direction> : alimqtt::fmt_detail::PlainFormatter {
    /// Writes "in" or "out".
    template <class Ctx>
    auto format(alimqtt::Direction d, Ctx& ctx) const {
        return fmt::format_to(ctx.out(), "{}", d == alimqtt::Direction::in ? "in" : "out");
    }
};

/// One line per event, the kind's name and what it carries:
/// `connected(session_present=0)`, `disconnected(dead link: ...)`,
/// `disconnected()` after disconnect(), `message(PUBLISH(...))`,
/// `subscribed(id=1, filter="a/b", index=0, qos=1)`,
/// `subscription_refused(id=1, filter="a/b", index=1)`, `published(id=7)`,
/// `oversize_packet(PUBLISH, 5000 bytes)`, `none`. `{:p}` previews a message's payload.
template <>
struct formatter<alimqtt::Event> : alimqtt::fmt_detail::PacketFormatter {
    /// Writes the event.
    template <class Ctx>
    auto format(const alimqtt::Event& e, Ctx& ctx) const {
        using K = alimqtt::EventKind;
        auto out = fmt::format_to(ctx.out(), "{}", e.kind);
        switch (e.kind) {
        case K::none: return out;
        case K::connected: return fmt::format_to(out, "(session_present={:d})", e.session_present);
        case K::disconnected:
            return e.error == alimqtt::Error{} ? fmt::format_to(out, "()") : fmt::format_to(out, "({})", e.error);
        case K::message: {
            out = fmt::format_to(out, "(");
            fmt::formatter<alimqtt::Publish> pf;
            pf.spec = spec;
            ctx.advance_to(out);
            out = pf.format(e.message, ctx);
            *out++ = ')';
            return out;
        }
        case K::subscribed:
        case K::subscription_refused:
        case K::subscription_timeout:
        case K::unsubscribed:
        case K::unsubscribe_timeout:
            out = fmt::format_to(out, "(id={}, filter=", e.packet_id);
            out = alimqtt::fmt_detail::write_quoted(out, e.filter);
            out = fmt::format_to(out, ", index={}", e.index);
            if (e.kind == K::subscribed) out = fmt::format_to(out, ", qos={}", e.qos);
            *out++ = ')';
            return out;
        case K::published: return fmt::format_to(out, "(id={})", e.packet_id);
        case K::oversize_packet: return fmt::format_to(out, "({}, {} bytes)", e.type, e.size);
        }
        return e.error == alimqtt::Error{} ? out : fmt::format_to(out, "({})", e.error);
    }
};

/// `granted QoS 1`, or the error's text (`subscription refused by the broker (SUBACK 0x80)`).
template <>
struct formatter<alimqtt::SubscribeOutcome> : alimqtt::fmt_detail::PlainFormatter {
    /// Writes the filter's fate.
    template <class Ctx>
    auto format(const alimqtt::SubscribeOutcome& o, Ctx& ctx) const {
        return o.ok() ? fmt::format_to(ctx.out(), "granted QoS {}", o.granted)
                      : fmt::format_to(ctx.out(), "{}", o.error);
    }
};

/// `connected(session_present=1)`, what Client::connect() returns.
template <>
struct formatter<alimqtt::Connected> : alimqtt::fmt_detail::PlainFormatter {
    /// Writes the session-present flag.
    template <class Ctx>
    auto format(const alimqtt::Connected& c, Ctx& ctx) const {
        return fmt::format_to(ctx.out(), "connected(session_present={:d})", c.session_present);
    }
};

} // namespace fmt
