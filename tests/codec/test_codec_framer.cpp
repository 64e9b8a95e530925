// Framer tests: a stream of real packets cut at every byte boundary and fed one
// byte at a time yields the same frames; oversize packets are skipped with the
// stream kept in step; corrupt lengths are errors; storage is never overrun.
#include "catch.hpp"

#include "codec_test_util.hpp"

#include <array>
#include <random>

using namespace alimqtt;
using namespace codec_test;

namespace {

struct Seen {
    FrameEvent::Kind kind;
    ByteVec frame;         // packet
    PacketType type{};     // packet, oversize
    std::size_t size = 0;  // oversize
    Error error{};         // error
    bool operator==(const Seen&) const = default;
};

/// Feeds `stream` cut into the pieces `cuts` (ascending offsets) and collects
/// every event other than need_more. Each piece goes through free_space/commit
/// (or feed() when `use_feed`), looping while the storage fills up.
std::vector<Seen> run(std::span<std::byte> storage, const ByteVec& stream, const std::vector<std::size_t>& cuts,
                      bool use_feed = false) {
    Framer f(storage);
    std::vector<Seen> seen;
    auto drain = [&] {
        for (;;) {
            FrameEvent ev = f.next();
            if (ev.kind == FrameEvent::Kind::need_more) return true;
            Seen s{ev.kind, {}, {}, 0, {}};
            if (ev.kind == FrameEvent::Kind::error) s.error = ev.error;
            else {
                s.type = ev.type;
                s.size = ev.total_size;
            }
            if (ev.kind == FrameEvent::Kind::packet) {
                s.frame.assign(ev.frame.begin(), ev.frame.end());
                f.consume();
            }
            seen.push_back(s);
            if (ev.kind == FrameEvent::Kind::error) return false;
        }
    };
    std::size_t pos = 0;
    std::vector<std::size_t> ends = cuts;
    ends.push_back(stream.size());
    for (std::size_t end : ends) {
        while (pos < end) {
            std::size_t n;
            if (use_feed) {
                n = f.feed(Bytes(stream).subspan(pos, end - pos));
            } else {
                auto space = f.free_space();
                n = std::min(space.size(), end - pos);
                std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(pos), n, space.begin());
                f.commit(n);
            }
            pos += n;
            if (!drain()) return seen;
            if (n == 0 && pos < end) { // storage full and nothing consumable: must not happen
                seen.push_back(Seen{FrameEvent::Kind::error, {}, {}, 0, Error::buffer_too_small});
                return seen;
            }
        }
    }
    drain();
    return seen;
}

Seen packet_seen(const ByteVec& frame) {
    return Seen{FrameEvent::Kind::packet, frame, static_cast<PacketType>(std::to_integer<unsigned>(frame[0]) >> 4),
                frame.size(), Error{}};
}

/// A stream of real packets of several types and remaining-length sizes.
std::vector<ByteVec> sample_frames() {
    static const ByteVec payload200(200, std::byte{0x61});
    static const ByteVec hello = bytes_of("hello");
    const std::array<TopicSubscription, 2> subs{{{"a/+", QoS::at_least_once}, {"b/#", QoS::exactly_once}}};
    const std::array<SubackCode, 2> codes{SubackCode::granted_qos1, SubackCode::failure};
    Connect c;
    c.client_id = "framer";
    c.username = "user";
    return {
        encode_vec(Connack{false, ConnackCode::accepted}),
        encode_vec(Publish{"t/1", hello, QoS::at_least_once, false, false, 1}),
        encode_vec(Pingresp{}),
        encode_vec(Publish{"t/big", payload200}), // 2-byte remaining length
        encode_vec(Suback{2, codes}),
        encode_vec(Subscribe{3, subs}),
        encode_vec(c),
        encode_vec(Puback{4}),
    };
}

ByteVec join(const std::vector<ByteVec>& frames) {
    ByteVec s;
    for (const auto& f : frames) s.insert(s.end(), f.begin(), f.end());
    return s;
}

} // namespace

namespace Catch {
template <>
struct StringMaker<Seen> {
    static std::string convert(const Seen& s) {
        return "{kind " + std::to_string(static_cast<int>(s.kind)) + " type " +
               std::to_string(static_cast<int>(s.type)) + " size " + std::to_string(s.size) + " error " +
               std::string(to_string(s.error)) + " frame " + hex(s.frame) + "}";
    }
};
} // namespace Catch

TEST_CASE("Framer yields every packet for a cut at each byte boundary of the stream") {
    const auto frames = sample_frames();
    const ByteVec stream = join(frames);
    std::vector<Seen> expected;
    for (const auto& f : frames) expected.push_back(packet_seen(f));
    std::array<std::byte, 512> storage{};
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        INFO("cut at " << cut);
        REQUIRE(run(storage, stream, {cut}) == expected);
    }
}

TEST_CASE("Framer yields every packet when fed one byte at a time, by feed() and by commit()") {
    const auto frames = sample_frames();
    const ByteVec stream = join(frames);
    std::vector<Seen> expected;
    for (const auto& f : frames) expected.push_back(packet_seen(f));
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
    std::array<std::byte, 512> storage{};
    CHECK(run(storage, stream, cuts) == expected);
    CHECK(run(storage, stream, cuts, true) == expected);
}

TEST_CASE("Framer yields every packet for random slicings into storage just larger than the largest packet") {
    const auto frames = sample_frames();
    const ByteVec stream = join(frames);
    std::vector<Seen> expected;
    std::size_t largest = 0;
    for (const auto& f : frames) {
        expected.push_back(packet_seen(f));
        largest = std::max(largest, f.size());
    }
    std::vector<std::byte> storage(largest);
    std::mt19937 rng(1234);
    for (int round = 0; round < 300; ++round) {
        std::vector<std::size_t> cuts;
        std::size_t pos = 0;
        for (;;) {
            pos += 1 + rng() % 40;
            if (pos >= stream.size()) break;
            cuts.push_back(pos);
        }
        INFO("round " << round);
        REQUIRE(run(storage, stream, cuts, round % 2 == 0) == expected);
    }
}

TEST_CASE("An oversize packet is reported once and skipped, and the packets around it still arrive") {
    const ByteVec big_payload(300, std::byte{0x42});
    const ByteVec before = encode_vec(Puback{1});
    const ByteVec big = encode_vec(Publish{"big/topic", big_payload, QoS::at_least_once, false, false, 2});
    const ByteVec after = encode_vec(Publish{"small", bytes_of("ok")});
    const ByteVec stream = join({before, big, after, before});
    const std::vector<Seen> expected{packet_seen(before),
                                     Seen{FrameEvent::Kind::oversize, {}, PacketType::publish, big.size(), Error{}},
                                     packet_seen(after), packet_seen(before)};
    std::array<std::byte, 64> storage{};
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        INFO("cut at " << cut);
        REQUIRE(run(storage, stream, {cut}) == expected);
    }
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
    CHECK(run(storage, stream, cuts) == expected);
}

TEST_CASE("A packet exactly as large as the storage is delivered, one byte larger is oversize") {
    const ByteVec exact = encode_vec(Publish{"t", ByteVec(59, std::byte{1})}); // 2 + 3 + 59 = 64
    REQUIRE(exact.size() == 64);
    std::array<std::byte, 64> storage{};
    CHECK(run(storage, exact, {10}) == std::vector<Seen>{packet_seen(exact)});
    const ByteVec over = encode_vec(Publish{"t", ByteVec(60, std::byte{1})});
    CHECK(run(storage, over, {10}) ==
          std::vector<Seen>{Seen{FrameEvent::Kind::oversize, {}, PacketType::publish, 65, Error{}}});
}

TEST_CASE("A 5th remaining-length continuation byte is malformed_remaining_length and stays an error") {
    const ByteVec stream = concat({encode_vec(Pingresp{}), bytes({0x30, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00})});
    std::array<std::byte, 64> storage{};
    const std::vector<Seen> expected{packet_seen(encode_vec(Pingresp{})),
                                     Seen{FrameEvent::Kind::error, {}, {}, 0, Error::malformed_remaining_length}};
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        INFO("cut at " << cut);
        REQUIRE(run(storage, stream, {cut}) == expected);
    }
    Framer f(storage);
    f.feed(bytes({0x30, 0x80, 0x80, 0x80, 0x80}));
    CHECK(f.next().error == Error::malformed_remaining_length);
    f.feed(encode_vec(Pingresp{}));
    CHECK(f.next().kind == FrameEvent::Kind::error); // the stream is lost: no resynchronisation
}

TEST_CASE("A non-minimal remaining length is malformed_remaining_length") {
    std::array<std::byte, 16> storage{};
    Framer f(storage);
    f.feed(bytes({0xD0, 0x80, 0x00}));
    const FrameEvent ev = f.next();
    CHECK(ev.kind == FrameEvent::Kind::error);
    CHECK(ev.error == Error::malformed_remaining_length);
}

TEST_CASE("The largest remaining length 268,435,455 is an oversize packet, not an error") {
    std::array<std::byte, 64> storage{};
    Framer f(storage);
    f.feed(bytes({0x30, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x01, 't'}));
    const FrameEvent ev = f.next();
    CHECK(ev.kind == FrameEvent::Kind::oversize);
    CHECK(ev.total_size == 268435455u + 5u);
    CHECK(f.next().kind == FrameEvent::Kind::need_more);
    CHECK(f.buffered() == 0);
}

TEST_CASE("Framer never writes past its storage, whatever is fed") {
    ByteVec backing(64 + 32, std::byte{0xEE});
    std::span<std::byte> storage(backing.data() + 16, 64);
    Framer f(storage);
    const ByteVec big = encode_vec(Publish{"x", ByteVec(500, std::byte{0x00})});
    std::size_t fed = 0;
    while (fed < big.size()) {
        CHECK(f.free_space().size() <= 64);
        const std::size_t n = f.feed(Bytes(big).subspan(fed));
        fed += n;
        FrameEvent ev = f.next();
        CHECK(ev.kind != FrameEvent::Kind::packet);
        CHECK(ev.kind != FrameEvent::Kind::error);
    }
    for (std::size_t i = 0; i < 16; ++i) REQUIRE(backing[i] == std::byte{0xEE});
    for (std::size_t i = 80; i < backing.size(); ++i) REQUIRE(backing[i] == std::byte{0xEE});
}

TEST_CASE("feed() takes only what fits while a returned packet is still held") {
    std::array<std::byte, 8> storage{};
    Framer f(storage);
    const ByteVec two = join({encode_vec(Puback{1}), encode_vec(Puback{2})});
    CHECK(f.feed(two) == 8);
    FrameEvent a = f.next();
    REQUIRE(a.kind == FrameEvent::Kind::packet);
    CHECK(hex(a.frame) == "40020001");
    CHECK(f.feed(encode_vec(Pingresp{})) == 0); // full, and the held frame must not move
    CHECK(hex(a.frame) == "40020001");
    f.consume();
    FrameEvent b = f.next();
    REQUIRE(b.kind == FrameEvent::Kind::packet);
    CHECK(hex(b.frame) == "40020002");
    f.consume();
    CHECK(f.feed(encode_vec(Pingresp{})) == 2);
    CHECK(f.next().kind == FrameEvent::Kind::packet);
}

TEST_CASE("Frames from the framer decode to the packets that were encoded") {
    const auto frames = sample_frames();
    const ByteVec stream = join(frames);
    std::array<std::byte, 512> storage{};
    Framer f(storage);
    REQUIRE(f.feed(stream) == stream.size());
    std::size_t i = 0;
    for (FrameEvent ev = f.next(); ev.kind == FrameEvent::Kind::packet; ev = f.next(), ++i) {
        auto p = decode_packet(ev.frame);
        REQUIRE(p.ok());
        CHECK(encode_vec(*p) == frames[i]);
    }
    CHECK(i == frames.size());
}

TEST_CASE("Storage too small for a fixed header reports packet_too_large instead of waiting forever") {
    std::array<std::byte, 3> storage{};
    Framer f(storage);
    CHECK(f.feed(bytes({0x30, 0x80, 0x80, 0x01})) == 3);
    const FrameEvent ev = f.next();
    CHECK(ev.kind == FrameEvent::Kind::error);
    CHECK(ev.error == Error::packet_too_large);
}

TEST_CASE("commit() beyond the free space is clamped to the storage") {
    std::array<std::byte, 4> storage{};
    Framer f(storage);
    auto space = f.free_space();
    REQUIRE(space.size() == 4);
    space[0] = std::byte{0xC0};
    space[1] = std::byte{0x00};
    f.commit(100);
    CHECK(f.free_space().empty());
    const FrameEvent ev = f.next();
    REQUIRE(ev.kind == FrameEvent::Kind::packet);
    CHECK(hex(ev.frame) == "c000");
}
