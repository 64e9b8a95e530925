// examples/posix/quick_start.cpp — the README's POSIX quick start, compiled by
// the tests so the snippet cannot rot: one Aliyun device over TLS, end to end.
#include <alimqtt/alimqtt.hpp>
#include <alimqtt/fmt.hpp>

#include "tls_transport.hpp"

// [quick-start]
using namespace std::chrono_literals;
namespace aliyun = alimqtt::aliyun;

int main() {
    const aliyun::DeviceCredentials device{"a1B2c3D4e5F", "pico-w-001", "0123456789abcdef0123456789abcdef"};
    const auto credentials = aliyun::sign(device);                    // HMAC-SHA256, securemode=2 (TLS)
    const auto endpoint = aliyun::region_endpoint(device.product_key, "cn-shanghai");
    if (!credentials || !endpoint) return 2;
    const auto params = aliyun::connect_params(*credentials, *endpoint, 60); // keepalive: 30..1200 s or an error
    const auto get = aliyun::user_topic({device.product_key, device.device_name}, "get");
    const auto update = aliyun::user_topic({device.product_key, device.device_name}, "update");
    if (!params || !get || !update) return 2;

    alimqtt::posix::TlsOptions tls_options;
    tls_options.aliyun_roots = true;                                  // verify the broker, send SNI
    alimqtt::posix::TlsTransport tls(tls_options);
    if (!tls.connect(params->host.view(), params->port, std::chrono::steady_clock::now() + 10s)) return 4;
    std::chrono::steady_clock clock;
    alimqtt::Client client(tls, clock);
    if (auto c = client.connect(params->to_connect()); !c) return fmt::print("{}\n", c.error()), 3;

    const auto granted = client.subscribe(get->view(), alimqtt::QoS::at_least_once,
                                          [](const alimqtt::Publish& m) { fmt::print("{:p}\n", m); });
    if (!granted) fmt::print("{}: {}\n", get->view(), granted.error()); // SUBACK 0x80 is named, never silent
    (void)client.publish(update->view(), "你好！", {.qos = alimqtt::QoS::at_least_once, .wait_for_ack = true});
    (void)client.run_for(60s);                                       // keepalive, messages, handlers
    (void)client.disconnect();
}
// [quick-start-end]
