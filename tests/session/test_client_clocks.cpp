// Clients over other Transport/Clock types: a transport without wait() (the
// client spins) and std::chrono::steady_clock. (Their own file, see CMakeLists.)
#include <array>
#include <vector>

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

namespace {
/// A connected client over a transport without wait() whose clock moves 1 ms
/// at every now() call, as a spinning loop on a real clock would.
struct SpinningClient {
    FakeClock clock;
    ScriptedTransport transport;
    Client<ScriptedTransport, FakeClock> client{transport, clock};
    std::vector<Event> seen;

    SpinningClient() {
        clock.set_step(std::chrono::milliseconds(1));
        transport.play(connack(false, 0));
        REQUIRE(client.connect(connect_params()).ok());
        client.on_event([this](const Event& e) { seen.push_back(e); });
    }
};
} // namespace

TEST_CASE("without wait(), run_for reports a subscription that times out just after its own deadline before returning") {
    SpinningClient s;
    const std::array<TopicSubscription, 1> one{{{"s", QoS::at_least_once}}};
    const auto subscribed_at = s.clock.peek();
    REQUIRE(s.client.start_subscribe(one, [](const Publish&) {}, 100ms).ok());
    // run_for's deadline falls 1 ms before the SUBSCRIBE's: the client sees its
    // own deadline first, and the session's timeout is due only on the steps
    // the client takes after it (pump's last look), where run_for must not stop
    // at an event that does not end it.
    const auto sub_deadline = subscribed_at + 100ms;
    const auto run_for = std::chrono::duration_cast<std::chrono::milliseconds>(sub_deadline - 1ms - s.clock.peek());
    CHECK(s.client.run_for(run_for).ok());
    REQUIRE(s.seen.size() == 1);
    CHECK(s.seen[0].kind == EventKind::subscription_timeout);
    CHECK(s.seen[0].filter == "s");
    CHECK(s.clock.peek() >= sub_deadline);
    CHECK(s.client.connected());
}

TEST_CASE("without wait(), a publish waiting for in-flight room gives up with in_flight_full at its deadline") {
    SpinningClient s;
    PublishOptions o;
    o.qos = QoS::at_least_once;
    for (std::size_t i = 0; i < DefaultConfig::max_in_flight; ++i) REQUIRE(s.client.publish("t", "x", o).ok());
    o.timeout = 30ms;
    const auto start = s.clock.peek();
    const std::size_t sends = s.transport.send_calls;
    CHECK(s.client.publish("t", "x", o).error() == Error::in_flight_full);
    CHECK(s.clock.peek() - start >= 30ms);
    CHECK(s.clock.peek() - start < 40ms); // it stopped at the deadline, not later
    CHECK(s.transport.send_calls == sends); // nothing new went out
    CHECK(s.client.session().in_flight_count() == DefaultConfig::max_in_flight);
    CHECK(s.client.connected());
}
