// libFuzzer target for the receive path: Framer + decode_packet (and the
// client's decode_server_packet, which must agree with it). Input layout:
// byte 0 picks the storage size, byte 1 seeds how the stream is sliced, the
// rest is the byte stream. Any frame that decodes must re-encode to the very
// same bytes (the decoder accepts only canonical encodings); any crash,
// sanitizer report or mismatch is a finding.
#include <alimqtt/codec.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

using namespace alimqtt;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

/// The client's decoder agrees with the generic one on every packet a server
/// may send; client-only packets it accepts by type (the session refuses them).
void check_server_decoder(Bytes frame, const Result<Packet>& generic) {
    const auto client = decode_server_packet(frame);
    if (client && client->client_only()) {
        if (generic) check(packet_type(*generic) == client->type);
        return;
    }
    check(client.ok() == generic.ok());
    if (!generic) {
        check(client.error() == generic.error());
        return;
    }
    check(packet_type(*generic) == client->type);
    if (auto* p = std::get_if<Publish>(&*generic)) {
        check(p->topic == client->publish.topic && p->payload.data() == client->publish.payload.data() &&
              p->payload.size() == client->publish.payload.size() && p->qos == client->publish.qos &&
              p->packet_id == client->packet_id && p->dup == client->publish.dup &&
              p->retain == client->publish.retain);
    }
    if (auto* s = std::get_if<Suback>(&*generic)) check(s->packet_id == client->packet_id && s->codes == client->codes);
    if (auto* c = std::get_if<Connack>(&*generic))
        check(c->code == client->connack.code && c->session_present == client->connack.session_present);
}

void check_frame(Bytes frame) {
    auto decoded = decode_packet(frame);
    check_server_decoder(frame, decoded);
    if (!decoded) return;
    // Canonical form: re-encoding the view gives back the frame byte for byte.
    static std::array<std::byte, 65536> out;
    if (frame.size() > out.size()) return;
    auto n = encode_to(out, *decoded);
    check(n.ok());
    check(*n == frame.size());
    check(encoded_size(*decoded) == frame.size());
    check(std::memcmp(out.data(), frame.data(), frame.size()) == 0);
    // Decoded strings obey the rules the decoder claims to enforce.
    if (auto* p = std::get_if<Publish>(&*decoded)) {
        check(validate_topic_name(p->topic).ok());
        check(p->qos == QoS::at_most_once || p->packet_id != 0);
    }
    if (auto* s = std::get_if<Subscribe>(&*decoded)) {
        check(!s->filters.empty());
        for (TopicSubscription f : s->filters) {
            check(validate_topic_filter(f.filter).ok());
            (void)topic_matches(f.filter, "a/b/$c");
        }
    }
    if (auto* s = std::get_if<Suback>(&*decoded)) {
        for (std::size_t i = 0; i < s->codes.size(); ++i) {
            const auto c = static_cast<unsigned>(s->codes[i]);
            check(c <= 2 || c == 0x80);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    static std::array<std::byte, 4096 + 64> backing;
    const std::size_t capacity = std::min<std::size_t>(4096, 5 + std::size_t{data[0]} * 16);
    std::uint32_t slicer = data[1] * 2654435761u + 1;
    const Bytes stream(reinterpret_cast<const std::byte*>(data + 2), size - 2);

    // The whole input as one frame must never misbehave either.
    check_frame(stream);

    // Guard bytes after the storage: the framer must never write there.
    std::memset(backing.data() + capacity, 0xA5, 64);
    Framer framer(std::span<std::byte>(backing.data(), capacity));
    std::size_t pos = 0;
    bool broken = false;
    while (!broken && pos <= stream.size()) {
        slicer = slicer * 1103515245u + 12345u;
        const std::size_t want = 1 + (slicer >> 16) % 64;
        const std::size_t n = framer.feed(stream.subspan(pos, std::min(want, stream.size() - pos)));
        pos += n;
        for (;;) {
            const FrameEvent ev = framer.next();
            if (ev.kind == FrameEvent::Kind::need_more) break;
            if (ev.kind == FrameEvent::Kind::error) {
                broken = true;
                break;
            }
            if (ev.kind == FrameEvent::Kind::oversize) {
                check(ev.total_size > capacity);
                continue;
            }
            check(ev.frame.size() == ev.total_size && ev.frame.size() <= capacity);
            check(ev.frame.data() >= backing.data() && ev.frame.data() + ev.frame.size() <= backing.data() + capacity);
            check_frame(ev.frame);
            framer.consume();
        }
        if (pos == stream.size()) break;
        if (n == 0 && !broken) check(false); // full storage with nothing to hand out: a framer bug
    }
    for (std::size_t i = 0; i < 64; ++i) check(backing[capacity + i] == std::byte{0xA5});
    return 0;
}
