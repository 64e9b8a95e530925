// tests/support/poll_events.hpp — polls a client until it is idle and hands
// back every event it reported, for tests that check what one round produced.
#pragma once

#include <vector>

#include "alimqtt/session.hpp"
#include "catch.hpp"

namespace alimqtt::test {

/// Calls `client.poll()` until it returns an event of kind none and returns
/// the events before it, in order; every poll() must succeed. Views inside
/// the events point into the client's buffers, as poll() documents.
template <class ClientT>
std::vector<Event> poll_until_idle(ClientT& client) {
    std::vector<Event> events;
    for (;;) {
        auto e = client.poll();
        REQUIRE(e.ok());
        if (!*e) return events;
        events.push_back(*e);
    }
}

} // namespace alimqtt::test
