// A bare-metal Cortex-M0+ program that uses the library through the umbrella
// header; arm_link.sh links it with newlib-nano and checks the image has no
// heap, exception or RTTI symbols. Values come from volatiles so nothing folds away.
// As layers land, exercise their main entry points here (encode, frame, session).
#include <alimqtt/alimqtt.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

namespace {

volatile std::uint8_t input_byte = 7;
volatile std::size_t sink = 0;

/// A Transport that drops what it is sent and never has anything to read.
struct NullTransport {
    alimqtt::IoResult send(std::span<const std::byte> out) { return alimqtt::IoResult::done(out.size()); }
    alimqtt::IoResult recv(std::span<std::byte>) { return alimqtt::IoResult::blocked(); }
};

/// A Clock driven by the program, as the Pico's would wrap time_us_64().
struct TickClock {
    using duration = std::chrono::microseconds;
    using time_point = std::chrono::time_point<TickClock, duration>;
    static constexpr bool is_steady = true;
    time_point now() const { return time_point(duration(input_byte)); }
};

static_assert(alimqtt::Transport<NullTransport>);
static_assert(alimqtt::Clock<TickClock>);

alimqtt::Result<std::uint8_t> checked(std::uint8_t v) {
    if (v > 2) return alimqtt::Error::buffer_too_small;
    return v;
}

} // namespace

int main() {
    const auto r = checked(input_byte);
    sink = r.ok() ? *r : alimqtt::to_string(r.error()).size();
    alimqtt::Publish publish;
    publish.topic = "/pk/dn/user/update";
    publish.qos = alimqtt::QoS::at_least_once;
    sink = sink + publish.topic.size();
    NullTransport transport;
    std::array<std::byte, 4> buf{};
    sink = sink + transport.send(buf).bytes + static_cast<std::size_t>(TickClock{}.now().time_since_epoch().count());
    return 0;
}
