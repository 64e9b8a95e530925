// A bare-metal Cortex-M0+ program that uses the library through the umbrella
// header; arm_link.sh links it with newlib-nano and checks the image has no
// heap, exception or RTTI symbols. Inputs come from volatiles so nothing folds away.
// As layers land, exercise their main entry points here (session, client).
#include <alimqtt/alimqtt.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace {

volatile std::uint8_t input_byte = 7;
volatile std::size_t sink = 0;

/// A Transport that drops what it is sent and never has anything to read.
struct NullTransport {
    alimqtt::IoResult send(std::span<const std::byte> out) {
        return alimqtt::IoResult::done(out.size());
    }
    alimqtt::IoResult recv(std::span<std::byte>) { return alimqtt::IoResult::blocked(); }
};

/// A Clock driven by the program, as the Pico's would wrap time_us_64().
struct TickClock {
    using rep = std::int64_t;
    using period = std::micro;
    using duration = std::chrono::microseconds;
    using time_point = std::chrono::time_point<TickClock, duration>;
    static constexpr bool is_steady = true;
    time_point now() const { return time_point(duration(input_byte)); }
};

static_assert(alimqtt::Transport<NullTransport>);
static_assert(alimqtt::Clock<TickClock>);

NullTransport client_transport;
TickClock client_clock;
alimqtt::Client<NullTransport, TickClock> client(client_transport, client_clock);

std::size_t use(alimqtt::Error e) { return alimqtt::to_string(e).size(); }

} // namespace

int main() {
    // Aliyun: sign the CONNECT credentials and build a topic.
    alimqtt::aliyun::DeviceCredentials device{"a1B2c3D4e5F", "pico-w-01", "secret"};
    const auto credentials = alimqtt::aliyun::sign(device);
    if (!credentials) return static_cast<int>(use(credentials.error()));

    // Codec: encode CONNECT and PUBLISH, frame them from a sliced stream, decode.
    alimqtt::Connect connect;
    connect.client_id = credentials->client_id.view();
    connect.username = credentials->username.view();
    const auto password = std::as_bytes(std::span(credentials->password.view()));
    connect.password = password;
    connect.keepalive_s = static_cast<std::uint16_t>(60 + input_byte);

    const std::array<std::byte, 3> payload{std::byte{input_byte}, std::byte{2}, std::byte{3}};
    alimqtt::Publish publish;
    publish.topic = "/a1B2c3D4e5F/pico-w-01/user/update";
    publish.payload = payload;
    publish.qos = alimqtt::QoS::at_least_once;
    publish.packet_id = 1;

    std::array<std::byte, 512> wire{};
    std::size_t used = 0;
    for (const auto& packet : {alimqtt::Packet{connect}, alimqtt::Packet{publish}}) {
        const auto n = alimqtt::encode_to(std::span(wire).subspan(used), packet);
        if (!n) return static_cast<int>(use(n.error()));
        used += *n;
    }

    std::array<std::byte, 256> storage{};
    alimqtt::Framer framer(storage);
    std::size_t packets = 0;
    for (std::size_t at = 0; at < used; at += input_byte) {
        const std::size_t len = used - at < input_byte ? used - at : input_byte;
        if (framer.feed(std::span<const std::byte>(wire).subspan(at, len)) != len) return 3;
        for (auto event = framer.next(); event.kind == alimqtt::FrameEvent::Kind::packet;
             event = framer.next()) {
            const auto decoded = alimqtt::decode_packet(event.frame);
            packets += decoded ? 1 : 100 + use(decoded.error());
        }
    }
    // Aliyun device layer: read an Alink request as it comes off the network
    // (JSON scanner, UTF-8 check of strings, escapes, numbers). A substr()
    // there once linked abort, signals and malloc; this keeps such a path
    // from reaching firmware unnoticed. The text depends on input_byte.
    std::array<char, 96> alink{};
    constexpr std::string_view request =
        "{\"id\":\"7\",\"version\":\"1.0\",\"params\":{\"PowerSwitch_1\":1,\"label\":\"caf\\u00e9 \xc3\xa9\"}}";
    for (std::size_t i = 0; i < request.size(); ++i) alink[i] = request[i];
    alink[7] = static_cast<char>('0' + input_byte % 10);
    const auto message = alimqtt::aliyun::read_alink(std::string_view(alink.data(), request.size()));
    if (!message) return static_cast<int>(use(message.error()));
    const auto power = message->param("PowerSwitch_1");
    const auto label = message->param("label");
    if (!power || !label || !power->as_int() || *power->as_int() != 1 || !message->id.equals("7")) return 5;
    sink = label->raw().size();

    // Session + Client: queue CONNECT, then SUBSCRIBE and PUBLISH, and pump
    // (non-blocking calls only: nothing answers and time stands still here).
    if (!client.start_connect(connect)) return 4;
    const std::array<alimqtt::TopicSubscription, 1> filters{
        {{"/a1B2c3D4e5F/pico-w-01/user/get", alimqtt::QoS::at_least_once}}};
    (void)client.start_subscribe(filters, [](const alimqtt::Publish& m) { sink = m.payload.size(); });
    (void)client.publish(publish.topic, publish.payload);
    for (int i = 0; i < 3; ++i) sink = static_cast<std::size_t>(client.poll()->kind);

    NullTransport transport;
    sink = packets + transport.send(std::span(wire).first(used)).bytes +
           static_cast<std::size_t>(TickClock{}.now().time_since_epoch().count());
    return packets == 2 ? 0 : 1;
}
