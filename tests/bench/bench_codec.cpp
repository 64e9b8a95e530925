// Codec benchmarks: encode and decode of PUBLISH (16 B, 256 B, 4 KiB payload),
// CONNECT and SUBACK, plus the framer on a PUBLISH stream. Time per iteration
// is time per packet; bytes/s counts the whole encoded packet.
#include <alimqtt/codec.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <vector>

using namespace alimqtt;

namespace {

std::array<std::byte, 8192> out_buffer;

std::vector<std::byte> payload_of(std::size_t n) { return std::vector<std::byte>(n, std::byte{0x5a}); }

Connect aliyun_like_connect(const std::vector<std::byte>& password) {
    Connect c;
    c.client_id = "a1B2c3D4e5F.device-0001|securemode=2,signmethod=hmacsha256,timestamp=1700000000000|";
    c.keepalive_s = 300;
    c.username = "device-0001&a1B2c3D4e5F";
    c.password = Bytes(password);
    return c;
}

const std::array<SubackCode, 8> suback_codes{SubackCode::granted_qos0, SubackCode::granted_qos1, SubackCode::granted_qos1,
                                             SubackCode::failure,      SubackCode::granted_qos0, SubackCode::granted_qos1,
                                             SubackCode::granted_qos2, SubackCode::granted_qos1};

template <class P>
void run_encode(benchmark::State& state, const P& p) {
    const std::size_t size = encoded_size(p);
    for (auto _ : state) {
        auto n = encode_to(out_buffer, p);
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(out_buffer.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

template <class P>
void run_decode(benchmark::State& state, const P& p) {
    std::vector<std::byte> frame(encoded_size(p));
    if (!encode_to(frame, p)) {
        state.SkipWithError("encode failed");
        return;
    }
    for (auto _ : state) {
        auto r = decode_packet(frame);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
}

const Publish publish_of(const std::vector<std::byte>& payload) {
    return Publish{"/sys/a1B2c3D4e5F/device-0001/thing/event/property/post", payload, QoS::at_least_once, false, false,
                   42};
}

void BM_EncodePublish(benchmark::State& state) {
    const auto payload = payload_of(static_cast<std::size_t>(state.range(0)));
    run_encode(state, publish_of(payload));
}
void BM_DecodePublish(benchmark::State& state) {
    const auto payload = payload_of(static_cast<std::size_t>(state.range(0)));
    run_decode(state, publish_of(payload));
}
void BM_EncodeConnect(benchmark::State& state) {
    const auto password = payload_of(64);
    run_encode(state, aliyun_like_connect(password));
}
void BM_DecodeConnect(benchmark::State& state) {
    const auto password = payload_of(64);
    run_decode(state, aliyun_like_connect(password));
}
void BM_EncodeSuback(benchmark::State& state) { run_encode(state, Suback{7, suback_codes}); }
void BM_DecodeSuback(benchmark::State& state) { run_decode(state, Suback{7, suback_codes}); }

/// Framer + decode over a stream of 64 PUBLISH packets fed in 1460-byte segments.
void BM_FrameAndDecodePublishStream(benchmark::State& state) {
    const auto payload = payload_of(static_cast<std::size_t>(state.range(0)));
    const Publish p = publish_of(payload);
    std::vector<std::byte> stream;
    for (int i = 0; i < 64; ++i) {
        const std::size_t at = stream.size();
        stream.resize(at + encoded_size(p));
        (void)encode_to(std::span<std::byte>(stream).subspan(at), p);
    }
    std::array<std::byte, 8192> storage{};
    for (auto _ : state) {
        Framer f(storage);
        std::size_t pos = 0, packets = 0;
        while (pos < stream.size()) {
            pos += f.feed(Bytes(stream).subspan(pos, std::min<std::size_t>(1460, stream.size() - pos)));
            for (FrameEvent ev = f.next(); ev.kind == FrameEvent::Kind::packet; ev = f.next()) {
                auto r = decode_packet(ev.frame);
                benchmark::DoNotOptimize(r);
                ++packets;
            }
        }
        benchmark::DoNotOptimize(packets);
    }
    state.SetItemsProcessed(state.iterations() * 64);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}

} // namespace

BENCHMARK(BM_EncodePublish)->Arg(16)->Arg(256)->Arg(4096);
BENCHMARK(BM_DecodePublish)->Arg(16)->Arg(256)->Arg(4096);
BENCHMARK(BM_EncodeConnect);
BENCHMARK(BM_DecodeConnect);
BENCHMARK(BM_EncodeSuback);
BENCHMARK(BM_DecodeSuback);
BENCHMARK(BM_FrameAndDecodePublishStream)->Arg(256);
