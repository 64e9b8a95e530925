// alimqtt/codec/packets.hpp — the 14 MQTT 3.1.1 control packets as plain value
// types. Decoded packets are views into the receive buffer: nothing is copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <variant>

namespace alimqtt {

using Bytes = std::span<const std::byte>;
using PacketId = std::uint16_t;

/// Control packet type, the high nibble of the first byte (2.2.1).
enum class PacketType : std::uint8_t {
    connect = 1,
    connack = 2,
    publish = 3,
    puback = 4,
    pubrec = 5,
    pubrel = 6,
    pubcomp = 7,
    subscribe = 8,
    suback = 9,
    unsubscribe = 10,
    unsuback = 11,
    pingreq = 12,
    pingresp = 13,
    disconnect = 14,
};

/// Quality of service of a PUBLISH, a will, or a subscription (4.3).
enum class QoS : std::uint8_t { at_most_once = 0, at_least_once = 1, exactly_once = 2 };

/// CONNACK return code (3.2.2.3).
enum class ConnackCode : std::uint8_t {
    accepted = 0,
    unacceptable_protocol_version = 1,
    identifier_rejected = 2,
    server_unavailable = 3,
    bad_username_or_password = 4,
    not_authorized = 5,
};

/// SUBACK return code (3.9.3).
enum class SubackCode : std::uint8_t {
    granted_qos0 = 0x00,
    granted_qos1 = 0x01,
    granted_qos2 = 0x02,
    failure = 0x80,
};

/// The will message of a CONNECT (3.1.2.5): published by the broker if the client vanishes.
struct Will {
    std::string_view topic;      ///< topic the will is published to
    Bytes payload;               ///< will message body
    QoS qos = QoS::at_most_once; ///< QoS of the will publish
    bool retain = false;         ///< publish the will as retained
};

/// CONNECT (3.1): the first packet a client sends.
struct Connect {
    std::string_view client_id;               ///< client identifier (3.1.3.1)
    std::uint16_t keepalive_s = 60;           ///< keepalive in seconds, 0 = off (3.1.2.10)
    bool clean_session = true;                ///< discard any previous session (3.1.2.4)
    std::optional<Will> will;                 ///< will message, if any
    std::optional<std::string_view> username; ///< user name, if any
    std::optional<Bytes> password;            ///< password, if any (binary data)
};

/// CONNACK (3.2): the broker's answer to CONNECT.
struct Connack {
    bool session_present = false;             ///< the broker kept a session for this client (3.2.2.2)
    ConnackCode code = ConnackCode::accepted; ///< accepted, or why the connection is refused
};

/// PUBLISH (3.3): an application message, in either direction.
struct Publish {
    std::string_view topic;      ///< topic name, no wildcards (3.3.2.1)
    Bytes payload;               ///< application message (3.3.3)
    QoS qos = QoS::at_most_once; ///< delivery guarantee (3.3.1.2)
    bool retain = false;         ///< the broker keeps it for future subscribers (3.3.1.3)
    bool dup = false;            ///< a re-delivery of an earlier attempt (3.3.1.1)
    PacketId packet_id = 0; ///< present on the wire only for QoS 1 and 2
};

/// PUBACK (3.4): acknowledges a QoS 1 PUBLISH.
struct Puback { PacketId packet_id = 0; /**< id of the acknowledged PUBLISH */ };
/// PUBREC (3.5): first answer to a QoS 2 PUBLISH.
struct Pubrec { PacketId packet_id = 0; /**< id of the received PUBLISH */ };
/// PUBREL (3.6): answers PUBREC in the QoS 2 exchange.
struct Pubrel { PacketId packet_id = 0; /**< id of the PUBLISH being released */ };
/// PUBCOMP (3.7): completes the QoS 2 exchange.
struct Pubcomp { PacketId packet_id = 0; /**< id of the completed PUBLISH */ };
/// UNSUBACK (3.11): acknowledges an UNSUBSCRIBE.
struct Unsuback { PacketId packet_id = 0; /**< id of the UNSUBSCRIBE */ };
/// PINGREQ (3.12): client to broker, "I am alive".
struct Pingreq {};
/// PINGRESP (3.13): broker to client, answers PINGREQ.
struct Pingresp {};
/// DISCONNECT (3.14): the client closes cleanly.
struct Disconnect {};

/// One entry of a SUBSCRIBE payload.
struct TopicSubscription {
    std::string_view filter;     ///< topic filter, may hold wildcards
    QoS qos = QoS::at_most_once; ///< maximum QoS wanted for it
    /// Same filter and same QoS.
    friend constexpr bool operator==(const TopicSubscription&, const TopicSubscription&) = default;
};

namespace detail {

/// Big-endian 16-bit integer at `p` (1.5.2).
inline std::uint16_t load_u16(const std::byte* p) noexcept {
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) | std::to_integer<unsigned>(p[1]));
}

/// Wire layout of one SUBSCRIBE payload entry: length, filter, requested QoS (3.8.3).
struct SubscriptionEntryFormat {
    static TopicSubscription read(const std::byte* p) noexcept {
        const std::size_t len = load_u16(p);
        return {std::string_view(reinterpret_cast<const char*>(p + 2), len),
                static_cast<QoS>(std::to_integer<unsigned>(p[2 + len]) & 0x03u)};
    }
    static std::size_t size(const std::byte* p) noexcept { return 3u + load_u16(p); }
};

/// Wire layout of one UNSUBSCRIBE payload entry: length, filter (3.10.3).
struct FilterEntryFormat {
    static std::string_view read(const std::byte* p) noexcept {
        return std::string_view(reinterpret_cast<const char*>(p + 2), load_u16(p));
    }
    static std::size_t size(const std::byte* p) noexcept { return 2u + load_u16(p); }
};

/// Wire layout of one SUBACK return code: one byte (3.9.3).
struct SubackCodeFormat {
    static SubackCode read(const std::byte* p) noexcept { return static_cast<SubackCode>(*p); }
    static std::size_t size(const std::byte*) noexcept { return 1; }
};

/// A read-only list that is either a caller's span of T (for encoding) or a
/// run of wire entries already validated by the decoder (a view, no copy).
template <class T, class Format>
class WireList {
public:
    using value_type = T;

    /// Forward iterator yielding T by value.
    class iterator {
    public:
        using iterator_concept = std::forward_iterator_tag;
        using iterator_category = std::input_iterator_tag;
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using reference = T;

        constexpr iterator() = default;
        T operator*() const noexcept {
            return list_->wire_ ? Format::read(list_->wire_ + offset_) : list_->items_[index_];
        }
        iterator& operator++() noexcept {
            if (list_->wire_) offset_ += Format::size(list_->wire_ + offset_);
            ++index_;
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator old = *this;
            ++*this;
            return old;
        }
        friend constexpr bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.index_ == b.index_;
        }

    private:
        friend class WireList;
        constexpr iterator(const WireList* list, std::size_t index) noexcept : list_(list), index_(index) {}
        const WireList* list_ = nullptr;
        std::size_t index_ = 0;
        std::size_t offset_ = 0;
    };

    constexpr WireList() noexcept = default;
    /// A list over the caller's entries; the span must outlive the list.
    constexpr WireList(std::span<const T> items) noexcept : items_(items.data()), count_(items.size()) {}
    /// Any contiguous range of T (std::array, C array, ...).
    template <class R>
        requires(std::is_convertible_v<const R&, std::span<const T>> &&
                 !std::is_same_v<std::remove_cvref_t<R>, std::span<const T>>)
    constexpr WireList(const R& range) noexcept : WireList(std::span<const T>(range)) {}

    /// A list over `count` wire entries starting at `wire`. Only the decoder
    /// calls this, after it has checked every entry lies inside the packet.
    static constexpr WireList from_wire(Bytes wire, std::size_t count) noexcept {
        WireList l;
        l.wire_ = wire.data();
        l.wire_size_ = wire.size();
        l.count_ = count;
        return l;
    }

    constexpr std::size_t size() const noexcept { return count_; }
    constexpr bool empty() const noexcept { return count_ == 0; }
    constexpr iterator begin() const noexcept { return iterator(this, 0); }
    constexpr iterator end() const noexcept { return iterator(this, count_); }
    /// The wire bytes this list was decoded from (empty for a caller's span).
    constexpr Bytes wire_bytes() const noexcept { return wire_ ? Bytes(wire_, wire_size_) : Bytes{}; }

    /// Entry i (i < size()). Constant time for SUBACK codes and caller spans.
    T operator[](std::size_t i) const noexcept {
        if (!wire_) return items_[i];
        if constexpr (std::is_same_v<Format, SubackCodeFormat>) {
            return Format::read(wire_ + i);
        } else {
            auto it = begin();
            for (std::size_t k = 0; k < i; ++k) ++it;
            return *it;
        }
    }

    friend bool operator==(const WireList& a, const WireList& b) noexcept {
        if (a.size() != b.size()) return false;
        auto ib = b.begin();
        for (auto ia = a.begin(); ia != a.end(); ++ia, ++ib)
            if (!(*ia == *ib)) return false;
        return true;
    }

private:
    const T* items_ = nullptr;
    const std::byte* wire_ = nullptr;
    std::size_t wire_size_ = 0;
    std::size_t count_ = 0;
};

} // namespace detail

/// The topic filters and requested QoS of a SUBSCRIBE (3.8.3).
using TopicSubscriptionList = detail::WireList<TopicSubscription, detail::SubscriptionEntryFormat>;
/// The topic filters of an UNSUBSCRIBE (3.10.3).
using TopicFilterList = detail::WireList<std::string_view, detail::FilterEntryFormat>;
/// The return codes of a SUBACK, one per requested filter (3.9.3).
using SubackCodeList = detail::WireList<SubackCode, detail::SubackCodeFormat>;

/// SUBSCRIBE (3.8): one or more filters with the maximum QoS wanted for each.
struct Subscribe {
    PacketId packet_id = 0;         ///< non-zero id the SUBACK echoes
    TopicSubscriptionList filters;  ///< at least one filter
};

/// SUBACK (3.9): one return code per filter of the SUBSCRIBE, in order.
struct Suback {
    PacketId packet_id = 0; ///< id of the SUBSCRIBE answered
    SubackCodeList codes;   ///< granted QoS or 0x80 per filter
};

/// UNSUBSCRIBE (3.10): one or more filters to remove.
struct Unsubscribe {
    PacketId packet_id = 0;   ///< non-zero id the UNSUBACK echoes
    TopicFilterList filters;  ///< at least one filter
};

/// Any control packet; the alternative index is the packet type minus 1 (2.2.1).
using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe, Suback,
                            Unsubscribe, Unsuback, Pingreq, Pingresp, Disconnect>;

/// The control packet type of `p`.
constexpr PacketType packet_type(const Packet& p) noexcept {
    return static_cast<PacketType>(p.index() + 1);
}

/// Calls `f` with the alternative `p` holds and returns what `f` returns.
/// Unlike std::visit it cannot throw, so it is fine under -fno-exceptions.
template <std::size_t I = 0, class F>
constexpr decltype(auto) visit_packet(const Packet& p, F&& f) {
    if constexpr (I + 1 < std::variant_size_v<Packet>) {
        if (auto* x = std::get_if<I>(&p)) return f(*x);
        return visit_packet<I + 1>(p, static_cast<F&&>(f));
    } else {
        return f(*std::get_if<I>(&p));
    }
}

/// The control packet type of a packet struct, e.g. packet_type_of<Publish> == PacketType::publish.
template <class P>
inline constexpr PacketType packet_type_of = [] {
    constexpr Packet probe{std::in_place_type<P>};
    return packet_type(probe);
}();

} // namespace alimqtt
