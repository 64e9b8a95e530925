// main.cpp — the Pico W device of the alimqtt example: joins Wi-Fi, connects to
// Aliyun IoT, prints what it receives, and runs the thing model: PowerSwitch_1
// drives the LED, is answered with set_reply and posted after every change.
//
// Everything device-specific comes from CMake cache variables (see CMakeLists.txt);
// nothing here is edited to configure a board.

#include <alimqtt/aliyun.hpp>
#include <alimqtt/aliyun/thing.hpp>
#include <alimqtt/backoff.hpp>
#include <alimqtt/client.hpp>

#include <cinttypes>
#include <cstdio>
#include <optional>
#include <string_view>

#include "hardware/sync.h"
#include "hardware/watchdog.h"
#include "lwip/netif.h"
#include "pico/cyw43_arch.h"
#include "pico/rand.h"
#include "pico/stdlib.h"

#include "cyw43_platform.hpp"
#include "lwip_transport.hpp"
#include "pico_clock.hpp"

#if ALIMQTT_TLS
#include "aliyun_roots.h"
#include "mbedtls/x509_crt.h"
#endif

// --- build-time configuration (CMake compile definitions) -----------------
#ifndef ALIYUN_PORT
#define ALIYUN_PORT 0 // 0: the console JSON's port, else 1883
#endif
#ifndef ALIYUN_KEEPALIVE
#define ALIYUN_KEEPALIVE 60
#endif
static_assert(ALIYUN_KEEPALIVE >= 30 && ALIYUN_KEEPALIVE <= 1200,
              "ALIYUN_KEEPALIVE must be 30..1200 s: Aliyun IoT refuses the connection otherwise");

namespace {

using namespace alimqtt;
using namespace std::chrono_literals;
using alimqtt::pico::PicoClock;

// --- the MQTT stack --------------------------------------------------------

/// lwIP transport: 2 KiB receive ring; writes of at most 1 KiB (below
/// MBEDTLS_SSL_OUT_CONTENT_LEN, 4 KiB, as the TLS path requires).
using Net = lwip::Transport<pico::Cyw43Platform, 2048, 1024>;

/// Client capacities for this device: Alink messages are small.
struct DeviceConfig : DefaultConfig {
    static constexpr std::size_t rx_buffer_size = 1536;
    static constexpr std::size_t tx_buffer_size = 1024;
    static constexpr std::size_t max_subscriptions = 4;
    static constexpr std::size_t max_in_flight = 4;
    static constexpr std::size_t in_flight_arena_size = 1024;
    /// Aliyun IoT has no QoS 2: compile it out (smaller code; a QoS 2 request fails by name).
    static constexpr QoS max_qos = QoS::at_least_once;
};

/// Prints one line per MQTT packet when built with -DALIMQTT_TRACE=ON.
struct PrintTracer {
    void on_packet(Direction d, const Packet& p, Bytes raw) noexcept {
        static constexpr const char* names[] = {"?",       "CONNECT", "CONNACK",  "PUBLISH",     "PUBACK",
                                                "PUBREC",  "PUBREL",  "PUBCOMP",  "SUBSCRIBE",   "SUBACK",
                                                "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT"};
        const auto type = static_cast<unsigned>(packet_type(p));
        std::printf("[mqtt] %s %s (%u bytes)\n", d == Direction::out ? "->" : "<-", type < 15 ? names[type] : "?",
                    static_cast<unsigned>(raw.size()));
    }
};
#if ALIMQTT_TRACE
using Tracer = PrintTracer;
#else
using Tracer = NoTracer;
#endif

using Mqtt = Client<Net, PicoClock, DeviceConfig, Tracer>;

PicoClock clock_source;
Net net;
Mqtt client(net, clock_source);

/// The Alink thing model over the client: subscribes property/set and
/// property/post_reply, answers each set with set_reply, matches each post
/// with its reply. Built by configure(), once the device identity is known.
using Thing = aliyun::ThingModel<Mqtt>;
std::optional<Thing> thing;

// --- what the device knows about itself -----------------------------------

aliyun::ConnectParams params;  ///< host, port, clientId, username, password, keepalive
aliyun::Topic topic_user_get;  ///< down: /<pk>/<dn>/user/get
aliyun::Topic topic_user_update; ///< up: /<pk>/<dn>/user/update
bool power_switch = false;   ///< PowerSwitch_1, shown on the LED
bool report_power = true;    ///< post PowerSwitch_1 at the next chance

std::string_view as_text(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

void led(bool on) { cyw43_arch_gpio_put(CYW43_WL_GPIO_LED_PIN, on); }

// --- a watchdog that tolerates long blocking steps -------------------------

/// The RP2040 watchdog allows at most ~8.3 s, but joining Wi-Fi or a TLS
/// handshake can take longer. A timer feeds the hardware watchdog only while
/// the main loop has reported progress within `budget`; if the loop wedges
/// (or interrupts stop), the board resets.
class Supervisor {
public:
    static constexpr std::uint32_t hardware_ms = 5000;
    static constexpr std::int64_t budget_us = 90 * 1000 * 1000; // longest step: Wi-Fi join with retries

    static void start() {
        alive();
        watchdog_enable(hardware_ms, true); // paused while a debugger halts the core
        add_repeating_timer_ms(1000, &Supervisor::feed, nullptr, &timer_);
    }
    /// Called by the main loop whenever it makes progress.
    static void alive() { last_alive_us_ = static_cast<std::int64_t>(time_us_64()); }

private:
    static bool feed(repeating_timer_t*) {
        if (static_cast<std::int64_t>(time_us_64()) - last_alive_us_ < budget_us) watchdog_update();
        return true;
    }
    static inline volatile std::int64_t last_alive_us_ = 0;
    static inline repeating_timer_t timer_{};
};

/// Sleeps for `d` while letting lwIP run (poll mode needs cyw43_arch_poll).
void idle(std::chrono::milliseconds d) {
    const auto until = PicoClock::now() + d;
    while (PicoClock::now() < until) {
        cyw43_arch_poll();
        cyw43_arch_wait_for_work_until(PicoClock::to_absolute(until));
    }
}

// --- configuration from the build ------------------------------------------

/// Builds `params` and the topics from the console JSON or the signed triple.
Status configure() {
    constexpr std::string_view console_json = ALIYUN_CONSOLE_JSON;
    constexpr std::string_view host_override = ALIYUN_HOST;
    aliyun::DeviceId device{}; // views into params or the build's strings

    if (!console_json.empty()) {
        const auto console = aliyun::parse_console_json(console_json);
        if (!console) return console.error();
        auto p = aliyun::connect_params(*console, ALIYUN_KEEPALIVE);
        if (!p) return p.error();
        params = *p;
        // username is "<deviceName>&<productKey>": the topics need both.
        const auto id = aliyun::device_id_from_username(params.username.view());
        if (!id) return id.error();
        device = *id;
    } else {
        const aliyun::DeviceCredentials triple{ALIYUN_PRODUCT_KEY, ALIYUN_DEVICE_NAME, ALIYUN_DEVICE_SECRET};
        aliyun::SignOptions options;
        options.secure_mode = ALIMQTT_TLS ? aliyun::SecureMode::tls : aliyun::SecureMode::tcp;
        // HMAC-SHA256 on the device, chosen at compile time: SHA-1 and MD5 are not linked
        const auto credentials = aliyun::sign<aliyun::SignMethod::hmacsha256>(triple, options);
        if (!credentials) return credentials.error();
        const std::uint16_t port = ALIYUN_PORT != 0 ? ALIYUN_PORT : 1883;
        auto endpoint = aliyun::region_endpoint(triple.product_key, ALIYUN_REGION, port, options.secure_mode);
        if (!endpoint) return endpoint.error();
        auto p = aliyun::connect_params(*credentials, *endpoint, ALIYUN_KEEPALIVE);
        if (!p) return p.error();
        params = *p;
        device = aliyun::DeviceId{ALIYUN_PRODUCT_KEY, ALIYUN_DEVICE_NAME};
    }
    if (!host_override.empty()) {
        params.host.clear();
        if (!params.host.append(host_override)) return Error::aliyun_field_too_long;
    }
    if (ALIYUN_PORT != 0) params.port = ALIYUN_PORT;
    if (params.tls != static_cast<bool>(ALIMQTT_TLS))
        std::printf("warning: the device identity asks for %s but the firmware was built with ALIYUN_TLS=%s\n",
                    params.tls ? "TLS (securemode=2)" : "plain TCP (securemode=3)", ALIMQTT_TLS ? "ON" : "OFF");

    struct Build {
        aliyun::Topic* out;
        Result<aliyun::Topic> topic;
    };
    for (auto [out, topic] : {Build{&topic_user_get, aliyun::user_topic(device, "get")},
                              Build{&topic_user_update, aliyun::user_topic(device, "update")}}) {
        if (!topic) return topic.error();
        *out = *topic;
    }
    // The thing model keeps `device` (views into params or the build's
    // strings, both alive for the whole run) and builds its /sys topics from it.
    thing.emplace(client, clock_source, device);
    return {};
}

// --- Wi-Fi -------------------------------------------------------------------

bool wifi_up() {
    cyw43_arch_lwip_begin();
    const int status = cyw43_tcpip_link_status(&cyw43_state, CYW43_ITF_STA);
    cyw43_arch_lwip_end();
    return status == CYW43_LINK_UP;
}

const char* wifi_error(int rc) {
    switch (rc) {
    case PICO_ERROR_TIMEOUT: return "timed out (out of range, or the SSID is wrong)";
    case PICO_ERROR_BADAUTH: return "wrong password";
    case PICO_ERROR_CONNECT_FAILED: return "connection failed";
    default: return "error";
    }
}

/// Joins the network: up to three attempts of 20 s each. Returns true on
/// success (the seed tutorial's wifi_connect forgot to after a fresh join).
bool wifi_join() {
    constexpr std::string_view password = WIFI_PASSWORD;
    const std::uint32_t auth = password.empty() ? CYW43_AUTH_OPEN : CYW43_AUTH_WPA2_AES_PSK;
    for (int attempt = 1; attempt <= 3; ++attempt) {
        Supervisor::alive();
        led(true);
        std::printf("wifi: joining \"%s\" (attempt %d/3)\n", WIFI_SSID, attempt);
        const int rc = cyw43_arch_wifi_connect_timeout_ms(WIFI_SSID, password.empty() ? nullptr : WIFI_PASSWORD,
                                                          auth, 20000);
        if (rc == 0) {
            cyw43_arch_lwip_begin();
            const char* ip = ip4addr_ntoa(netif_ip4_addr(netif_default));
            cyw43_arch_lwip_end();
            std::printf("wifi: connected, address %s\n", ip);
            return true;
        }
        std::printf("wifi: %s (%d)\n", wifi_error(rc), rc);
    }
    return false;
}

// --- MQTT --------------------------------------------------------------------

/// Posts PowerSwitch_1 (thing.event.property.post, QoS 1) so the console
/// shows the device's real state; the reply arrives in on_post_result.
void post_power_switch() {
    const bool on = power_switch;
    const auto id = thing->start_post_properties([on](aliyun::AlinkRequestWriter& w) {
        w.add_int("PowerSwitch_1", on ? 1 : 0);
    });
    if (!id) {
        const std::string_view why = to_string(id.error());
        std::printf("property post: %.*s\n", static_cast<int>(why.size()), why.data());
        return; // report_power stays set: tried again after the next run_for
    }
    std::printf("property post %u: PowerSwitch_1=%d\n", static_cast<unsigned>(*id), on ? 1 : 0);
    report_power = false;
}

/// thing.service.property.set: applies PowerSwitch_1 to the LED. The return
/// value is the code the thing model answers with in set_reply.
int on_property_set(const aliyun::AlinkMessage& msg) {
    const auto v = msg.param("PowerSwitch_1");
    if (!v) return 200; // other properties: nothing to drive here
    if (const auto n = v->as_int()) power_switch = *n != 0;
    else if (const auto b = v->as_bool()) power_switch = *b;
    else {
        std::printf("property set: PowerSwitch_1 must be 0 or 1\n");
        return 460; // answered as failed; the LED keeps its state
    }
    led(power_switch);
    report_power = true; // post the new state after the handler returns
    return 200;
}

/// The platform's answer to one of our property posts (or its timeout).
void on_post_result(const aliyun::PostResult& r) {
    if (r.ok()) {
        std::printf("property post %u: accepted\n", static_cast<unsigned>(r.id));
        return;
    }
    const std::string_view why = to_string(r.error);
    std::printf("property post %u: %.*s (code %d %s)\n", static_cast<unsigned>(r.id), static_cast<int>(why.size()),
                why.data(), static_cast<int>(r.code), r.message.c_str());
}

void print_error(const char* what, Error e) {
    const std::string_view s = to_string(e);
    std::printf("%s: %.*s\n", what, static_cast<int>(s.size()), s.data());
}

/// Subscription outcomes (also those of the automatic resubscribe after a
/// reconnect) and the reason a connection ended.
void on_event(const Event& e) {
    switch (e.kind) {
    case EventKind::message: { // every message, whichever handler it went to
        const std::string_view payload = as_text(e.message.payload);
        std::printf("topic: %.*s\nmsg: %.*s\n", static_cast<int>(e.message.topic.size()), e.message.topic.data(),
                    static_cast<int>(payload.size()), payload.data());
        break;
    }
    case EventKind::subscribed:
        std::printf("subscribed: %.*s (QoS %d)\n", static_cast<int>(e.filter.size()), e.filter.data(),
                    static_cast<int>(e.qos));
        break;
    case EventKind::subscription_refused:
        std::printf("REFUSED subscription: %.*s (SUBACK 0x80). Define the topic in the product's "
                    "topic list with Subscribe permission.\n",
                    static_cast<int>(e.filter.size()), e.filter.data());
        break;
    case EventKind::subscription_timeout:
        std::printf("no SUBACK for %.*s\n", static_cast<int>(e.filter.size()), e.filter.data());
        break;
    case EventKind::disconnected:
        if (e.error != Error{}) print_error("mqtt: connection lost", e.error);
        break;
    default: break;
    }
}

void explain_open_failure() {
    const char* stage = "?";
    switch (net.stage()) {
    case lwip::Stage::dns: stage = "DNS lookup"; break;
    case lwip::Stage::connect: stage = ALIMQTT_TLS ? "TCP connect or TLS handshake" : "TCP connect"; break;
    case lwip::Stage::tls_verify: stage = "TLS certificate verification"; break;
    default: break;
    }
    std::printf("mqtt: cannot reach %s:%u: %s failed (lwIP error %d)\n", params.host.c_str(),
                static_cast<unsigned>(params.port), stage, static_cast<int>(net.lwip_error()));
#if ALIMQTT_TLS
    if (net.tls_verify_flags() != 0) {
        char info[160];
        mbedtls_x509_crt_verify_info(info, sizeof info, "  ", net.tls_verify_flags());
        std::printf("%s", info);
    }
#endif
}

void explain_connect_failure(Error e) {
    print_error("mqtt: CONNECT failed", e);
    switch (e) {
    case Error::refused_bad_credentials:
        std::printf("  check ProductKey/DeviceName/DeviceSecret (or paste the console JSON again)\n");
        break;
    case Error::refused_not_authorized:
        std::printf("  the device may be disabled, or the host belongs to another instance\n");
        break;
    case Error::connection_closed:
        std::printf("  closed before CONNACK: a wrong host for this instance type, plain TCP on a new instance, "
                    "or a bad keepalive\n");
        break;
    default: break;
    }
}

/// One connection attempt: open the transport, CONNECT, subscribe (first
/// time; later the session resubscribes), say hello, post PowerSwitch_1.
bool mqtt_connect() {
    std::printf("mqtt: connecting to %s:%u over %s\n", params.host.c_str(), static_cast<unsigned>(params.port),
                ALIMQTT_TLS ? "TLS" : "TCP");
    Supervisor::alive();
    if (!net.open(params.host.c_str(), params.port, PicoClock::now() + 30s)) {
        explain_open_failure();
        return false;
    }
    Supervisor::alive();
    const auto connected = client.connect(params.to_connect(), 10s);
    if (!connected) {
        explain_connect_failure(connected.error());
        net.close();
        return false;
    }
    std::printf("mqtt: connected (keepalive %u s, session present: %s)\n", static_cast<unsigned>(params.keepalive_s),
                connected->session_present ? "yes" : "no");

    static bool subscribed = false;
    if (!subscribed) {
        // user/get: printed by on_event, nothing else to do with it.
        // A refused or unanswered filter is reported by on_event and does not stop the device.
        const auto outcome_only = [](Error e) {
            return e == Error::subscription_refused || e == Error::subscription_timeout;
        };
        if (const auto q = client.subscribe(topic_user_get.view(), QoS::at_most_once, [](const Publish&) {});
            !q && !outcome_only(q.error())) {
            print_error("mqtt: subscribe failed", q.error());
            return client.connected();
        }
        // property/set and property/post_reply, with the thing model's handler.
        if (const Status s = thing->start(); !s && !outcome_only(s.error())) {
            print_error("mqtt: thing model subscribe failed", s.error());
            return client.connected();
        }
        subscribed = true; // from now on the session resubscribes after a reconnect
    }

    PublishOptions qos1;
    qos1.qos = QoS::at_least_once;
    qos1.wait_for_ack = true;
    if (const auto id = client.publish(topic_user_update.view(), std::string_view("你好！"), qos1); id)
        std::printf("published 你好！ to %s (PUBACK received)\n", topic_user_update.c_str());
    else
        print_error("mqtt: publish failed", id.error());
    report_power = true;
    return client.connected();
}

[[noreturn]] void halt(const char* why) {
    for (;;) {
        std::printf("stopped: %s\n", why);
        for (int i = 0; i < 10; ++i) {
            Supervisor::alive();
            led(i % 2 == 0);
            idle(500ms);
        }
    }
}

} // namespace

int main() {
    stdio_init_all();
    Supervisor::start();
    if (watchdog_caused_reboot()) std::printf("restarted by the watchdog\n");
    if (cyw43_arch_init() != 0) {
        std::printf("cyw43 init failed; restarting\n");
        watchdog_reboot(0, 0, 100);
        for (;;) __wfi();
    }
    cyw43_arch_enable_sta_mode();

    if (const Status s = configure(); !s) {
        const std::string_view why = to_string(s.error());
        std::printf("configuration: %.*s\n", static_cast<int>(why.size()), why.data());
        halt("set WIFI_* and ALIYUN_* with cmake -D... and rebuild");
    }
#if ALIMQTT_TLS
    altcp_tls_config* tls = Net::make_tls_config(kAliyunRootsPem, sizeof kAliyunRootsPem);
    if (tls == nullptr) halt("the embedded root certificates did not load");
    net.use_tls(tls);
#endif
    client.on_event(&on_event);
    thing->on_property_set(&on_property_set);
    thing->on_post_result(&on_post_result);

    Backoff<PicoClock> wifi_backoff(clock_source, 2s, 60s, get_rand_32());
    Backoff<PicoClock> mqtt_backoff(clock_source, 1s, 120s, get_rand_32());
    bool was_connected = false;

    for (;;) {
        Supervisor::alive();
        if (!wifi_up()) {
            led(true); // on while connecting
            if (was_connected) std::printf("wifi: link lost\n");
            was_connected = false;
            if (client.connected()) { // the TCP connection died with the link: say so now
                net.abort();
                (void)client.poll();
            }
            if (!wifi_backoff.ready()) {
                idle(200ms);
                continue;
            }
            if (wifi_join()) {
                wifi_backoff.succeeded();
            } else {
                const auto delay = wifi_backoff.failed();
                std::printf("wifi: retrying in %" PRId64 " ms\n", static_cast<std::int64_t>(delay.count()));
            }
            continue;
        }
        if (!client.connected()) {
            led(true);
            if (!mqtt_backoff.ready()) {
                idle(200ms);
                continue;
            }
            if (mqtt_connect()) {
                mqtt_backoff.succeeded();
                was_connected = true;
                led(power_switch); // from now on the LED shows PowerSwitch_1
            } else {
                const auto delay = mqtt_backoff.failed();
                std::printf("mqtt: retrying in %" PRId64 " ms\n", static_cast<std::int64_t>(delay.count()));
            }
            continue;
        }
        (void)client.run_for(500ms); // keepalive, messages, handlers; a loss is reported by on_event
        thing->check_deadlines();    // posts without a reply within 10 s are reported as timeouts
        if (client.connected() && report_power) post_power_switch();
    }
}
