// main.cpp — temporary stub: joins Wi-Fi and opens the transport (client lands later).
#include <cstdio>
#include "pico/stdlib.h"
#include "pico/cyw43_arch.h"
#include "aliyun_roots.h"
#include "cyw43_platform.hpp"
#include "lwip_transport.hpp"

using Transport = alimqtt::lwip::Transport<alimqtt::pico::Cyw43Platform>;

int main() {
    stdio_init_all();
    if (cyw43_arch_init() != 0) return 1;
    cyw43_arch_enable_sta_mode();
    cyw43_arch_wifi_connect_timeout_ms(WIFI_SSID, WIFI_PASSWORD, CYW43_AUTH_WPA2_AES_PSK, 30000);
#if ALIMQTT_TLS
    static Transport transport(Transport::make_tls_config(kAliyunRootsPem, sizeof kAliyunRootsPem));
#else
    static Transport transport;
#endif
    auto deadline = alimqtt::pico::PicoClock::now() + std::chrono::seconds(10);
    auto st = transport.open("example.com", 1883, deadline);
    std::byte buf[64];
    auto r = transport.recv(buf);
    auto s = transport.send(std::span<const std::byte>(buf, 4));
    transport.wait(deadline, true);
    std::printf("%d %d %d\n", st.ok(), int(r.status), int(s.status));
    transport.close();
}
