// client_full.cpp — footprint firmware (a): the whole MQTT client through a
// do-nothing Transport: connect, subscribe two filters, QoS 0 and 1 publish,
// keepalive (poll), reconnect.
#include <alimqtt/client.hpp>

#include "size_support.hpp"

using namespace alimqtt;
using Mqtt = Client<size_bench::NullTransport, size_bench::TickClock, size_bench::SizeConfig>;

size_bench::NullTransport transport;
size_bench::TickClock tick_clock;
Mqtt client(transport, tick_clock); // its size is the client's static RAM

int main() {
    Connect c;
    c.client_id = "size-bench";
    c.keepalive_s = 60;
    const TopicSubscription filters[] = {{"a/+/b", QoS::at_least_once}, {"c/#", QoS::at_most_once}};
    SubscribeOutcome outcomes[2];
    for (;;) { // each pass is a reconnect
        if (!client.connect(c)) continue;
        (void)client.subscribe(filters, [](const Publish& m) { size_bench::keep(m); }, outcomes);
        (void)client.publish("a/x/b", std::string_view("qos0"));
        PublishOptions qos1;
        qos1.qos = QoS::at_least_once;
        qos1.wait_for_ack = true;
        (void)client.publish("a/x/b", std::string_view("qos1"), qos1);
        while (client.connected()) (void)client.poll(); // keepalive runs here
    }
}
