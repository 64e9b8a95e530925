// Clients over other Transport/Clock types: a transport without wait() (the
// client spins) and std::chrono::steady_clock. (Their own file, see CMakeLists.)
#include "harness.hpp"

using namespace alimqtt;
using namespace alimqtt::test;

TEST_CASE("without wait() the client spins on poll and still honours deadlines") {
    FakeClock clock;
    clock.set_step(std::chrono::milliseconds(1)); // every now() moves time: a spinning loop
    ScriptedTransport transport;
    Client<ScriptedTransport, FakeClock> client(transport, clock);
    static_assert(!WaitableTransport<ScriptedTransport, FakeClock>);
    const auto start = clock.peek();
    CHECK(client.connect(connect_params(), 2s).error() == Error::connack_timeout);
    CHECK(clock.peek() - start >= 2s);
    CHECK(transport.recv_calls > 100);
    transport.play(connack(false, 0));
    auto r = client.connect(connect_params());
    REQUIRE(r.ok());
    CHECK_FALSE(r->session_present);
}

TEST_CASE("steady_clock satisfies Clock and the client builds with it") {
    std::chrono::steady_clock clock;
    ScriptedTransport transport;
    Client<ScriptedTransport, std::chrono::steady_clock> client(transport, clock);
    transport.play(connack(false, 0));
    CHECK(client.connect(connect_params(), 5s).ok());
}
