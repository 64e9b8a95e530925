// client_aliyun.cpp — footprint firmware (b): firmware (a) plus the Aliyun
// profile a device uses: HMAC-SHA256 signing of the triple and the Alink
// reply to a property set.
#include <alimqtt/aliyun.hpp>
#include <alimqtt/client.hpp>

#include "size_support.hpp"

using namespace alimqtt;
using Mqtt = Client<size_bench::NullTransport, size_bench::TickClock, size_bench::SizeConfig>;

size_bench::NullTransport transport;
size_bench::TickClock tick_clock;
Mqtt client(transport, tick_clock);

// Read from flash at run time so the compiler cannot fold the signature.
volatile const char* product_key = "a1B2c3D4e5F";
volatile const char* device_name = "pico-w-001";
volatile const char* device_secret = "0123456789abcdef0123456789abcdef";

int main() {
    const aliyun::DeviceCredentials device{const_cast<const char*>(product_key),
                                           const_cast<const char*>(device_name),
                                           const_cast<const char*>(device_secret)};
    const auto creds = aliyun::sign<aliyun::SignMethod::hmacsha256>(device); // links HMAC-SHA256 only
    if (!creds) return 1;
    Connect c;
    c.client_id = creds->client_id.view();
    c.username = creds->username.view();
    c.password = std::as_bytes(std::span<const char>(creds->password.view().data(), creds->password.size()));
    c.keepalive_s = 60;
    const TopicSubscription filters[] = {{"/a1B2c3D4e5F/pico-w-001/user/get", QoS::at_most_once},
                                         {"/sys/a1B2c3D4e5F/pico-w-001/thing/service/property/set", QoS::at_most_once}};
    SubscribeOutcome outcomes[2];
    for (;;) {
        if (!client.connect(c)) continue;
        (void)client.subscribe(
            filters,
            [](const Publish& m) {
                const std::string_view text(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
                const auto msg = aliyun::read_alink(text);
                if (!msg) return;
                if (auto v = msg->param("PowerSwitch_1")) size_bench::keep(v->as_int());
                char buf[128];
                if (auto reply = aliyun::write_alink_reply(buf, msg->id.raw()))
                    (void)client.publish("/sys/a1B2c3D4e5F/pico-w-001/thing/service/property/set_reply", *reply);
            },
            outcomes);
        (void)client.publish("/a1B2c3D4e5F/pico-w-001/user/update", std::string_view("hello"));
        PublishOptions qos1;
        qos1.qos = QoS::at_least_once;
        qos1.wait_for_ack = true;
        (void)client.publish("/a1B2c3D4e5F/pico-w-001/user/update", std::string_view("hello"), qos1);
        while (client.connected()) (void)client.poll();
    }
}
