// The Tracer hook: a Client with a custom Tracer sees every packet in and
// out, decoded and raw. (Its own file: one Client instantiation per file.)
#include <utility>
#include <vector>

#include "harness.hpp"

using namespace alimqtt;
using namespace alimqtt::test;

namespace {
struct CountingTracer {
    std::vector<std::pair<Direction, std::size_t>>* log = nullptr;
    void on_packet(Direction d, const Packet& p, Bytes raw) noexcept { log->emplace_back(d, p.index() * 1000 + raw.size()); }
};
} // namespace

TEST_CASE("the tracer sees every packet in and out, decoded and raw") {
    std::vector<std::pair<Direction, std::size_t>> log;
    FakeClock clock;
    WaitingTransport transport(clock);
    Client<WaitingTransport, FakeClock, DefaultConfig, CountingTracer> client(transport, clock, CountingTracer{&log});
    transport.play(connack(false, 0));
    transport.play(suback(1, {0x00}));
    transport.play(publish("x", "y", 1, 9));
    REQUIRE(client.connect(connect_params()).ok());
    REQUIRE(client.subscribe("x", QoS::at_most_once, [](const Publish&) {}).ok());
    while (*client.poll()) {
    }
    // CONNECT out, CONNACK in, SUBSCRIBE out, SUBACK in, PUBLISH in, PUBACK out
    // (variant index = packet type - 1).
    const std::vector<std::pair<Direction, std::size_t>> expected{
        {Direction::out, 0 * 1000 + 18}, {Direction::in, 1 * 1000 + 4},  {Direction::out, 7 * 1000 + 8},
        {Direction::in, 8 * 1000 + 5},   {Direction::in, 2 * 1000 + 8}, {Direction::out, 3 * 1000 + 4}};
    CHECK(log == expected);
}
