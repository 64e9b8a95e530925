// examples/posix/aliyun_device.cpp — "does my device identity work, and what does
// my device see?": an Aliyun IoT device on a laptop, built on alimqtt's Client.
//
// With no --sub/--pub it does what the seed tutorial does on a Pico W: subscribe
// to /<pk>/<dn>/user/get and the property-set topic, publish 你好！ to
// /<pk>/<dn>/user/update, print every message, and answer every property set.
// --post-property, --rrpc-echo and --ntp use the thing model (ThingModel);
// --register runs dynamic registration ("one product, one secret").
#include "any_transport.hpp"
#include "packet_printer.hpp"

#include <alimqtt/aliyun/alink.hpp>
#include <alimqtt/aliyun/connect.hpp>
#include <alimqtt/aliyun/console_json.hpp>
#include <alimqtt/aliyun/register_device.hpp>
#include <alimqtt/aliyun/json.hpp>
#include <alimqtt/aliyun/signer.hpp>
#include <alimqtt/aliyun/thing.hpp>
#include <alimqtt/aliyun/topics.hpp>
#include <alimqtt/backoff.hpp>
#include <alimqtt/client.hpp>

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using alimqtt::Error;
using alimqtt::posix::SteadyClock;
namespace aliyun = alimqtt::aliyun;

// Exit codes (documented in --help and the README).
constexpr int exit_ok = 0;
constexpr int exit_count_not_reached = 1;
constexpr int exit_usage = 2;
constexpr int exit_refused = 3;
constexpr int exit_network = 4;
constexpr int exit_subscription_refused = 5;
constexpr int exit_reply_error = 6;
constexpr int exit_no_reply = 7;

constexpr std::string_view usage_text = R"(usage:
  aliyun_device (--console-json JSON|@FILE
                 | --product-key PK --device-name DN --device-secret DS [--region R | --instance-id ID])
                [--host H] [--port N] [--tls | --no-tls] [--ca-file F] [--insecure]
                [--keepalive S] [--clean | --no-clean] [--client-id ID] [--signmethod M] [--timestamp MS]
                [--sub TOPIC]... [--pub TOPIC PAYLOAD]... [--qos 0|1] [--count N] [--timeout S]
                [--repeat N] [--verbose] [--strict]
                [--post-property KEY=VALUE]... [--rrpc-echo] [--ntp]
  aliyun_device --register --product-key PK --device-name DN --product-secret PS [--regnwl]
                (--region R | --instance-id ID | --host H) [--random R] [connection options]
                [any run option above: continue as the registered device]

Connects as an Aliyun IoT device. Identity: the console's "MQTT connection
parameters" JSON (inline or @file), or the device triple (signed here).
Without --sub/--pub: subscribes to /<pk>/<dn>/user/get and
/sys/<pk>/<dn>/thing/service/property/set, publishes 你好！ to
/<pk>/<dn>/user/update, prints each message, answers each property set.

  --region R        host <pk>.iot-as-mqtt.<R>.aliyuncs.com (legacy public instance)
  --instance-id ID  host <ID>.mqtt.iothub.aliyuncs.com (new public / enterprise)
  --host H --port N override the endpoint (default port 1883)
  --tls | --no-tls  TLS (securemode=2, the default) or plain TCP (securemode=3)
  --ca-file F       trust the roots in F instead of the bundled Aliyun roots
  --insecure        do not verify the server certificate (prints a warning)
  --keepalive S     30..1200 s (Aliyun refuses others; default 60)
  --clean|--no-clean  clean session (default) or keep the session and queued QoS 1
  --client-id ID    id before the '|' (default <pk>.<dn>)
  --signmethod M    hmacsha256 (default), hmacsha1, hmacmd5
  --timestamp MS    signed timestamp: digits, "now", or "none" (default 2524608000000)
  --sub TOPIC       subscribe (repeatable)
  --pub TOPIC MSG   publish (repeatable); with --repeat N each is sent N times
                    and "{n}" in MSG becomes 1..N
  --qos 0|1         QoS of subscriptions and publishes (default 0)
  --count N         stop after N received messages
  --timeout S       stop after S seconds
  --verbose         print every MQTT packet in and out
  --strict          exit 5 when a subscription is refused

Thing model (Alink):
  --post-property KEY=VALUE  post thing.event.property.post (repeatable: one
                    post with every pair) and wait up to 10 s for its post_reply.
                    VALUE is sent as JSON when it is a JSON number (1, -2.5, 1e3),
                    true, false, a quoted "string", an {object} or an [array];
                    anything else is sent as a JSON string (on=yes -> "yes").
  --rrpc-echo       answer every RRPC request (/sys/<pk>/<dn>/rrpc/request/+)
                    with its own payload on rrpc/response/<id>
  --ntp             ask the platform's NTP service and print the UTC time
  With --post-property or --ntp alone the tool exits after the answer;
  with --sub, --pub, --rrpc-echo, --count or --timeout it keeps running.
  Property sets are answered (set_reply, code 200) in every mode.

Dynamic registration ("one product, one secret"):
  --register        connect with the ProductSecret (authType=register) and print
                    the DeviceSecret the platform publishes on /ext/register
  --regnwl          no pre-registration (authType=regnwl): print the clientId and
                    deviceToken from /ext/regnwl (connect later with authType=connwl)
  --product-secret PS   the product's secret (never sent; signs the request)
  --random R        the signed random value (default: 16 random digits)
  With --instance-id the request says securemode=-2,instanceId=ID (new instances).
  The result is printed once, on stdout, for you to store; --verbose hides it.

exit codes: 0 ok; 1 --count not reached before --timeout; 2 usage;
            3 the broker refused the connection; 4 network or TLS failure;
            5 a subscription was refused and --strict was given;
            6 the platform answered with an error (post_reply code other than
              200) or an unusable reply (registration);
            7 no answer before the deadline (post_reply, NTP, registration)
)";

volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_signal(int sig) { g_signal = sig; }

struct UsageError {
    std::string message;
};

/// The command line, parsed.
struct Options {
    std::string console_json;
    std::string product_key, device_name, device_secret, region, instance_id;
    std::string host;
    std::optional<std::uint16_t> port;
    std::optional<bool> tls;
    std::string ca_file;
    bool insecure = false;
    std::uint16_t keepalive = 60;
    bool clean = true;
    std::string client_id;
    std::string sign_method = "hmacsha256";
    std::string timestamp;
    std::vector<std::string> subs;
    std::vector<std::pair<std::string, std::string>> pubs;
    int qos = 0;
    std::optional<long> count;
    std::optional<double> timeout_s;
    long repeat = 1;
    bool verbose = false;
    bool strict = false;
    std::vector<std::pair<std::string, std::string>> properties; ///< --post-property KEY=VALUE, in order
    bool rrpc_echo = false;
    bool ntp = false;
    bool register_device = false;
    bool regnwl = false;
    std::string product_secret;
    std::string random;

    /// True when the run keeps going after the one-shot actions.
    bool keeps_running() const {
        return !subs.empty() || !pubs.empty() || rrpc_echo || count || timeout_s;
    }
    /// True when the device uses the thing model (ThingModel).
    bool thing_mode() const { return !properties.empty() || rrpc_echo || ntp; }
};

std::optional<long> parse_long(std::string_view s, long lo, long hi) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    long v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v < lo || v > hi) return std::nullopt;
    return v;
}

std::optional<std::string> read_text_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return std::nullopt;
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

/// How many values follow a flag (0 for switches and unknown flags).
int values_after(std::string_view flag) {
    if (flag == "--pub") return 2;
    for (std::string_view f : {"--console-json", "--product-key", "--device-name", "--device-secret", "--region",
                               "--instance-id", "--host", "--port", "--ca-file", "--keepalive", "--client-id",
                               "--signmethod", "--timestamp", "--sub", "--qos", "--count", "--timeout", "--repeat",
                               "--post-property", "--product-secret", "--random"})
        if (flag == f) return 1;
    return 0;
}

/// Parses argv into `o`; prints the usage text and exits 0 for --help.
std::optional<UsageError> parse_args(int argc, char** argv, Options& o) {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view a = args[i];
        const int n = values_after(a);
        if (i + static_cast<std::size_t>(n) >= args.size())
            return UsageError{fmt::format("{} needs {}", a, n == 2 ? "a topic and a payload" : "a value")};
        const auto next = [&] { return std::string(args[++i]); };
        if (a == "-h" || a == "--help") {
            fmt::print("{}", usage_text);
            std::exit(exit_ok);
        } else if (a == "--console-json") {
            o.console_json = next();
            if (!o.console_json.empty() && o.console_json[0] == '@') {
                const auto text = read_text_file(o.console_json.substr(1));
                if (!text) return UsageError{"cannot read " + o.console_json.substr(1)};
                o.console_json = *text;
            }
        } else if (a == "--product-key") o.product_key = next();
        else if (a == "--device-name") o.device_name = next();
        else if (a == "--device-secret") o.device_secret = next();
        else if (a == "--region") o.region = next();
        else if (a == "--instance-id") o.instance_id = next();
        else if (a == "--host") o.host = next();
        else if (a == "--port") {
            const auto p = parse_long(next(), 1, 65535);
            if (!p) return UsageError{"--port must be 1..65535"};
            o.port = static_cast<std::uint16_t>(*p);
        } else if (a == "--tls") o.tls = true;
        else if (a == "--no-tls") o.tls = false;
        else if (a == "--ca-file") o.ca_file = next();
        else if (a == "--insecure") o.insecure = true;
        else if (a == "--keepalive") {
            const auto k = parse_long(next(), 0, 65535);
            if (!k) return UsageError{"--keepalive must be a number of seconds"};
            o.keepalive = static_cast<std::uint16_t>(*k);
        } else if (a == "--clean") o.clean = true;
        else if (a == "--no-clean") o.clean = false;
        else if (a == "--client-id") o.client_id = next();
        else if (a == "--signmethod") o.sign_method = next();
        else if (a == "--timestamp") o.timestamp = next();
        else if (a == "--sub") o.subs.push_back(next());
        else if (a == "--pub") {
            std::string topic = next();
            o.pubs.emplace_back(std::move(topic), next());
        } else if (a == "--qos") {
            const auto q = parse_long(next(), 0, 1);
            if (!q) return UsageError{"--qos must be 0 or 1 (Aliyun IoT has no QoS 2)"};
            o.qos = static_cast<int>(*q);
        } else if (a == "--count") {
            const auto c = parse_long(next(), 1, 1'000'000'000);
            if (!c) return UsageError{"--count must be a positive number"};
            o.count = *c;
        } else if (a == "--timeout") {
            const std::string v = next();
            char* end = nullptr;
            const double secs = std::strtod(v.c_str(), &end);
            if (end == v.c_str() || *end != '\0' || !(secs > 0))
                return UsageError{"--timeout must be a positive number of seconds"};
            o.timeout_s = secs;
        } else if (a == "--repeat") {
            const auto r = parse_long(next(), 1, 100'000'000);
            if (!r) return UsageError{"--repeat must be a positive number"};
            o.repeat = *r;
        } else if (a == "--verbose" || a == "-v") o.verbose = true;
        else if (a == "--strict") o.strict = true;
        else if (a == "--post-property") {
            const std::string pair = next();
            const auto eq = pair.find('=');
            if (eq == std::string::npos || eq == 0)
                return UsageError{fmt::format("--post-property {}: expected KEY=VALUE", pair)};
            o.properties.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
        } else if (a == "--rrpc-echo") o.rrpc_echo = true;
        else if (a == "--ntp") o.ntp = true;
        else if (a == "--register") o.register_device = true;
        else if (a == "--regnwl") o.regnwl = true;
        else if (a == "--product-secret") o.product_secret = next();
        else if (a == "--random") o.random = next();
        else return UsageError{fmt::format("unknown option {}", a)};
    }
    if (o.regnwl && !o.register_device) return UsageError{"--regnwl goes with --register"};
    if (!o.product_secret.empty() && !o.register_device) return UsageError{"--product-secret goes with --register"};
    if (!o.random.empty() && !o.register_device) return UsageError{"--random goes with --register"};
    if (o.register_device) {
        if (!o.console_json.empty() || !o.device_secret.empty())
            return UsageError{"--register obtains the DeviceSecret: give no --device-secret or --console-json"};
        if (o.product_key.empty() || o.device_name.empty() || o.product_secret.empty())
            return UsageError{"--register needs --product-key, --device-name and --product-secret"};
        if (o.host.empty() && o.region.empty() == o.instance_id.empty())
            return UsageError{"give one of --region, --instance-id or --host"};
        if (!o.client_id.empty() || !o.timestamp.empty())
            return UsageError{"--client-id and --timestamp do not apply to --register"};
        return std::nullopt;
    }
    const bool triple = !o.product_key.empty() || !o.device_name.empty() || !o.device_secret.empty();
    if (o.console_json.empty() == !triple)
        return UsageError{"give either --console-json or --product-key/--device-name/--device-secret"};
    if (triple && (o.product_key.empty() || o.device_name.empty() || o.device_secret.empty()))
        return UsageError{"the triple needs all of --product-key, --device-name and --device-secret"};
    if (triple && o.host.empty() && o.region.empty() == o.instance_id.empty())
        return UsageError{"give one of --region, --instance-id or --host"};
    if (!o.console_json.empty() && (!o.client_id.empty() || !o.timestamp.empty()))
        return UsageError{"--client-id and --timestamp belong to the triple path (the console JSON is already signed)"};
    return std::nullopt;
}

/// Capacities of this tool's client (more than the firmware defaults).
struct DeviceConfig : alimqtt::DefaultConfig {
    static constexpr std::size_t rx_buffer_size = 8192;
    static constexpr std::size_t tx_buffer_size = 8192;
    static constexpr std::size_t max_subscriptions = 16;
    static constexpr std::size_t max_in_flight = 32;
    static constexpr std::size_t in_flight_arena_size = 16384;
    /// Aliyun IoT has no QoS 2: compile it out (smaller code; a QoS 2 request fails by name).
    static constexpr alimqtt::QoS max_qos = alimqtt::QoS::at_least_once;
};

/// --verbose prints every packet, except the payloads that carry registration secrets.
using Tracer = aliyun::RedactDynreg<alimqtt::posix::PacketPrinter>;
using Client = alimqtt::Client<alimqtt::posix::AnyTransport, SteadyClock, DeviceConfig, Tracer>;
/// The thing model, with room for RRPC payloads up to 2 KiB.
using Thing = aliyun::ThingModel<Client, 4, 2048>;

std::string as_text(alimqtt::Bytes b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

void say(std::string_view line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
}

/// Unix milliseconds as ISO 8601 UTC, e.g. 2023-11-14T22:13:20.005Z.
std::string iso_utc(std::uint64_t unix_ms) {
    using namespace std::chrono;
    const sys_time<milliseconds> t{milliseconds(static_cast<milliseconds::rep>(unix_ms))};
    const auto day = floor<days>(t);
    const year_month_day date{day};
    const hh_mm_ss<milliseconds> time{t - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), time.hours().count(),
                       time.minutes().count(), time.seconds().count(), time.subseconds().count());
}

/// `s` as a JSON string literal (quotes added, specials escaped).
std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') out += fmt::format("\\{}", c);
        else if (u < 0x20) out += fmt::format("\\u{:04x}", u);
        else out += c;
    }
    return out + "\"";
}

/// A --post-property VALUE as JSON: a JSON number, true, false, "string",
/// {object} or [array] is used as written; anything else becomes a string.
std::string json_value(std::string_view v) {
    const auto parsed = aliyun::json::parse(v);
    if (parsed && !parsed->is_null()) return std::string(v);
    return json_string(v);
}

/// The device: owns the connection parameters, the client, and the run's state.
class Device {
public:
    Device(Options o, aliyun::ConnectParams params, std::string pk, std::string dn)
        : o_(std::move(o)), params_(params), pk_(std::move(pk)), dn_(std::move(dn)),
          transport_(make_transport()), client_(transport_, clock_, Tracer{alimqtt::posix::PacketPrinter{o_.verbose}}),
          backoff_(clock_, 1000ms, 30000ms, std::random_device{}()) {
        const aliyun::DeviceId id{pk_, dn_};
        if (auto t = aliyun::property_set_topic(id)) property_set_topic_ = std::string(t->view());
        if (auto t = aliyun::property_set_reply_topic(id)) property_set_reply_topic_ = std::string(t->view());
        if (o_.subs.empty() && o_.pubs.empty() && !o_.thing_mode()) { // the seed tutorial's behaviour
            if (auto t = aliyun::user_topic(id, "get")) o_.subs.emplace_back(t->view());
            o_.subs.push_back(property_set_topic_);
            if (auto t = aliyun::user_topic(id, "update")) o_.pubs.emplace_back(std::string(t->view()), "你好！");
            seed_mode_ = true;
        }
        client_.on_event([this](const alimqtt::Event& e) { on_event(e); });
        if (o_.thing_mode()) {
            thing_.emplace(client_, clock_, aliyun::DeviceId{pk_, dn_});
            thing_->on_property_set([this](const aliyun::AlinkMessage& m) { return on_thing_property_set(m); });
            if (o_.rrpc_echo)
                thing_->on_rrpc([this](std::string_view request, std::string_view id, std::span<char> out) {
                    return on_rrpc_request(request, id, out);
                });
            thing_->on_rrpc_late([](std::string_view id, std::chrono::milliseconds took) {
                say(fmt::format("rrpc {}: answered after {} ms - later than the platform's 8 s, the caller gave up",
                                id, took.count()));
            });
        }
    }

    int run() {
        const auto started = SteadyClock::now();
        if (o_.timeout_s) end_ = started + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(*o_.timeout_s));
        if (const int rc = connect_once(/*first=*/true); rc != exit_ok) return rc;
        if (const int rc = subscribe_all(); rc != exit_ok) return finish(rc);
        if (const int rc = thing_actions(); rc != exit_ok) return finish(rc);
        if (!seed_mode_ && !o_.keeps_running()) return finish(exit_ok); // one-shot thing actions only
        const bool publish_only = !seed_mode_ && o_.subs.empty() && !o_.count && !o_.timeout_s && !o_.rrpc_echo;
        const std::size_t total_pubs = o_.pubs.size() * static_cast<std::size_t>(o_.repeat);
        while (g_signal == 0) {
            if (strict_failure_) return finish(exit_subscription_refused);
            if (o_.count && received_ >= *o_.count) {
                say(fmt::format("received {} message(s): done", received_));
                return finish(exit_ok);
            }
            if (end_ && SteadyClock::now() >= *end_) {
                if (o_.count) {
                    say(fmt::format("timeout: received {} of {} message(s)", received_, *o_.count));
                    return finish(exit_count_not_reached);
                }
                say("timeout reached");
                return finish(client_.connected() ? exit_ok : exit_network);
            }
            if (!client_.connected()) {
                if (const int rc = reconnect(); rc != exit_ok) return rc;
                continue;
            }
            publish_some(total_pubs);
            if (publish_only && next_pub_ >= total_pubs && client_.session().in_flight_count() == 0) {
                say("all messages published");
                return finish(exit_ok);
            }
            (void)client_.run_for(next_pub_ < total_pubs ? 20ms : 200ms); // a lost link shows as an event
        }
        say(fmt::format("{}: sending DISCONNECT", g_signal == SIGINT ? "SIGINT" : "SIGTERM"));
        return finish(exit_ok);
    }

private:
    alimqtt::posix::AnyTransport make_transport() const {
        if (!params_.tls) return alimqtt::posix::AnyTransport{};
        alimqtt::posix::TlsOptions t;
        t.ca_file = o_.ca_file;
        t.aliyun_roots = o_.ca_file.empty();
        t.insecure = o_.insecure;
        return alimqtt::posix::AnyTransport{std::move(t)};
    }

    /// One connection attempt. First attempt: failures end the run (3 or 4).
    /// Later attempts: only a CONNACK refusal ends it.
    int connect_once(bool first) {
        const std::string_view host = params_.host.view();
        if (first)
            say(fmt::format("connecting to {}:{} over {} as {}", host, params_.port, params_.tls ? "TLS" : "TCP",
                            params_.client_id.view()));
        if (auto s = transport_.connect(host, params_.port, SteadyClock::now() + 10s); !s) {
            say(fmt::format("{} failed: {}", params_.tls ? "TLS connection" : "TCP connection", transport_.last_error()));
            return exit_network;
        }
        connecting_ = true; // connect_once() itself reports how the attempt ends
        const auto r = client_.connect(params_.to_connect(), 10s);
        connecting_ = false;
        if (!r) {
            const Error e = r.error();
            const bool refused = e == Error::refused_protocol_version || e == Error::refused_identifier_rejected ||
                                 e == Error::refused_server_unavailable || e == Error::refused_bad_credentials ||
                                 e == Error::refused_not_authorized;
            if (refused) {
                say(fmt::format("broker refused the connection: {}", alimqtt::to_string(e)));
                if (e == Error::refused_bad_credentials || e == Error::refused_not_authorized)
                    say("hint: check ProductKey, DeviceName and DeviceSecret (or paste the console JSON again)");
                return exit_refused;
            }
            say(fmt::format("connect failed: {}", alimqtt::to_string(e)));
            return exit_network;
        }
        say(fmt::format("connected to {}:{}{} (session present: {})", host, params_.port,
                        transport_.is_tls() ? fmt::format(" over {}", transport_.protocol()) : std::string(),
                        r->session_present ? "yes" : "no"));
        if (!first && client_.session().in_flight_count() > 0)
            say(fmt::format("resending {} un-acknowledged QoS 1 message(s)", client_.session().in_flight_count()));
        return exit_ok;
    }

    /// Waits out the backoff, then tries again; returns non-zero only to end the run.
    int reconnect() {
        const auto delay = backoff_.failed();
        say(fmt::format("reconnecting in {:.1f} s", std::chrono::duration<double>(delay).count()));
        while (SteadyClock::now() < backoff_.next_attempt()) {
            if (g_signal != 0 || (end_ && SteadyClock::now() >= *end_)) return exit_ok; // the main loop ends the run
            std::this_thread::sleep_until(std::min(backoff_.next_attempt(), SteadyClock::now() + 100ms));
        }
        const int rc = connect_once(/*first=*/false);
        if (rc == exit_refused) return rc;
        if (rc == exit_ok) backoff_.succeeded();
        return exit_ok;
    }

    /// Subscribes to every --sub filter in one SUBSCRIBE and reports each outcome.
    int subscribe_all() {
        if (o_.subs.empty()) return exit_ok;
        std::vector<alimqtt::TopicSubscription> filters;
        for (const auto& s : o_.subs) filters.push_back({s, static_cast<alimqtt::QoS>(o_.qos)});
        std::vector<alimqtt::SubscribeOutcome> outcomes(filters.size());
        subscribing_ = true;
        const auto s = client_.subscribe(filters, [this](const alimqtt::Publish& m) { on_message(m); }, outcomes, 10s);
        subscribing_ = false;
        if (!s) {
            say(fmt::format("subscribe failed: {}", alimqtt::to_string(s.error())));
            return client_.connected() ? exit_network : exit_ok; // a lost link is retried by the main loop
        }
        for (std::size_t i = 0; i < filters.size(); ++i) report_subscription(filters[i].filter, outcomes[i]);
        return strict_failure_ ? exit_subscription_refused : exit_ok;
    }

    void report_subscription(std::string_view filter, const alimqtt::SubscribeOutcome& out) {
        if (out.ok()) {
            say(fmt::format("subscribed: {} (granted QoS {})", filter, static_cast<int>(out.granted)));
        } else if (out.error == Error::subscription_refused) {
            say(fmt::format("subscription REFUSED: {} (SUBACK 0x80) - the device has no subscribe permission for "
                            "this topic; add it to the product's topic list in the Aliyun console",
                            filter));
            if (o_.strict) strict_failure_ = true;
        } else {
            say(fmt::format("subscription failed: {} ({})", filter, alimqtt::to_string(out.error)));
        }
    }

    /// Queues publishes while the in-flight window has room.
    void publish_some(std::size_t total) {
        while (next_pub_ < total && client_.connected()) {
            const auto& [topic, payload_template] = o_.pubs[next_pub_ % o_.pubs.size()];
            const long n = static_cast<long>(next_pub_ / o_.pubs.size()) + 1;
            std::string payload = payload_template;
            if (const auto at = payload.find("{n}"); at != std::string::npos) payload.replace(at, 3, std::to_string(n));
            alimqtt::PublishOptions po;
            po.qos = static_cast<alimqtt::QoS>(o_.qos);
            po.timeout = 0ms; // never block here: a full window is drained by run_for
            const auto r = client_.publish(topic, std::string_view(payload), po);
            if (!r) {
                if (r.error() == Error::in_flight_full || r.error() == Error::send_buffer_full) return;
                say(fmt::format("publish to {} failed: {}", topic, alimqtt::to_string(r.error())));
                ++next_pub_;
                continue;
            }
            ++next_pub_;
            if (o_.qos == 0) {
                if (o_.repeat == 1) say(fmt::format("published to {}: {}", topic, payload));
            } else {
                pending_[*r] = topic;
            }
        }
    }

    /// Starts the thing model, then runs --ntp and --post-property once.
    int thing_actions() {
        if (!thing_) return exit_ok;
        if (const auto s = thing_->start(10s); !s) {
            if (s.error() == Error::subscription_refused) {
                say(fmt::format("thing model: subscription REFUSED: {} (SUBACK 0x80)", thing_->refused_filter()));
                return exit_subscription_refused;
            }
            say(fmt::format("thing model: subscribe failed: {}", alimqtt::to_string(s.error())));
            return exit_network;
        }
        say(fmt::format("thing model ready: post_reply, property/set{} subscribed", o_.rrpc_echo ? ", rrpc/request/+" : ""));
        if (o_.ntp)
            if (const int rc = ask_ntp(); rc != exit_ok) return rc;
        if (!o_.properties.empty()) return post_properties();
        return exit_ok;
    }

    /// One thing.event.property.post with every --post-property pair.
    int post_properties() {
        std::string params = "{";
        for (const auto& [key, value] : o_.properties)
            params += fmt::format("{}{}:{}", params.size() > 1 ? "," : "", json_string(key), json_value(value));
        params += "}";
        say(fmt::format("posting properties: {}", params));
        const aliyun::PostResult r = thing_->post_properties(std::string_view(params), 10s);
        if (r.ok()) {
            say(fmt::format("property post id={}: success (code {})", r.id, r.code));
            return exit_ok;
        }
        if (r.error == Error::aliyun_reply_error) {
            say(fmt::format("property post id={} failed: code {} ({})", r.id, r.code, r.message.view()));
            return exit_reply_error;
        }
        if (r.error == Error::timeout) {
            say(fmt::format("property post id={}: no post_reply within 10 s", r.id));
            return exit_no_reply;
        }
        say(fmt::format("property post failed: {}", alimqtt::to_string(r.error)));
        return exit_network;
    }

    /// --ntp: asks the platform's time (ThingModel::ntp_time) and prints it.
    int ask_ntp() {
        const aliyun::NtpResult r = thing_->ntp_time(10s);
        if (r.ok()) {
            say(fmt::format("ntp: {} (unix ms {}, round trip {} ms)", iso_utc(r.utc_ms), r.utc_ms,
                            r.device_recv_ms - r.device_send_ms));
            return exit_ok;
        }
        if (r.error == Error::timeout) {
            say("ntp: no response within 10 s");
            return exit_no_reply;
        }
        if (r.error == Error::subscription_refused) {
            say(fmt::format("ntp: subscription REFUSED: {} (SUBACK 0x80)", thing_->refused_filter()));
            return exit_subscription_refused;
        }
        say(fmt::format("ntp failed: {}", alimqtt::to_string(r.error)));
        return exit_network;
    }

    /// Property set through the thing model: print it, count it, accept it (200).
    int on_thing_property_set(const aliyun::AlinkMessage& msg) {
        ++received_;
        std::string params;
        for (const auto& member : msg.params_members())
            params += fmt::format("{}{}={}", params.empty() ? "" : ", ", member.name.raw(), member.value.raw());
        say(fmt::format("property set id={}: {}", msg.id.raw(), params.empty() ? "(no params)" : params));
        say(fmt::format("replied on {} with code 200 (id {})", property_set_reply_topic_, msg.id.raw()));
        return 200;
    }

    /// --rrpc-echo: the response is the request's own payload.
    std::string_view on_rrpc_request(std::string_view request, std::string_view id, std::span<char> out) {
        ++received_;
        const std::size_t n = std::min(request.size(), out.size());
        std::copy_n(request.data(), n, out.data());
        say(fmt::format("rrpc request {}: {}", id, request));
        if (n < request.size()) say(fmt::format("rrpc {}: payload cut to {} bytes", id, n));
        say(fmt::format("rrpc response {}: echoed {} bytes", id, n));
        return {out.data(), n};
    }

    void on_message(const alimqtt::Publish& m) {
        ++received_;
        say(fmt::format("topic: {}", m.topic));
        say(fmt::format("msg: {}", as_text(m.payload)));
        if (m.topic == property_set_topic_) answer_property_set(m);
    }

    /// Replies to a property set with the same id and code 200 (Alink).
    void answer_property_set(const alimqtt::Publish& m) {
        const std::string payload = as_text(m.payload);
        const auto msg = aliyun::read_alink(payload);
        if (!msg) {
            say(fmt::format("property set is not Alink JSON ({}): not answered", alimqtt::to_string(msg.error())));
            return;
        }
        std::string params;
        for (const auto& member : msg->params_members())
            params += fmt::format("{}{}={}", params.empty() ? "" : ", ", member.name.raw(), member.value.raw());
        say(fmt::format("property set id={}: {}", msg->id.raw(), params.empty() ? "(no params)" : params));
        char buf[256];
        const auto reply = aliyun::write_alink_reply(buf, msg->id.raw(), 200);
        if (!reply) {
            say(fmt::format("cannot write the reply: {}", alimqtt::to_string(reply.error())));
            return;
        }
        alimqtt::PublishOptions po;
        po.qos = static_cast<alimqtt::QoS>(o_.qos);
        po.timeout = 0ms;
        const auto r = client_.publish(property_set_reply_topic_, *reply, po);
        if (!r) {
            say(fmt::format("reply to property set failed: {}", alimqtt::to_string(r.error())));
            return;
        }
        if (o_.qos == 1) pending_[*r] = property_set_reply_topic_;
        say(fmt::format("replied on {}: {}", property_set_reply_topic_, *reply));
    }

    void on_event(const alimqtt::Event& e) {
        using alimqtt::EventKind;
        switch (e.kind) {
        case EventKind::subscribed:
        case EventKind::subscription_refused:
        case EventKind::subscription_timeout:
            if (subscribing_) break; // subscribe_all() reports these itself, in filter order
            report_subscription(e.filter, e.kind == EventKind::subscribed ? alimqtt::SubscribeOutcome{e.qos, Error{}}
                                                                           : alimqtt::SubscribeOutcome{e.qos, e.error});
            break;
        case EventKind::published: {
            const auto it = pending_.find(e.packet_id);
            if (it == pending_.end()) break; // a thing-model post: its post_reply is reported instead
            const std::string topic = it->second;
            pending_.erase(it);
            ++acked_;
            if (o_.repeat == 1) say(fmt::format("publish acknowledged: {} (PUBACK id={})", topic, e.packet_id));
            else if (acked_ % 100 == 0) say(fmt::format("{} publishes acknowledged", acked_));
            break;
        }
        case EventKind::disconnected:
            if (connecting_) break;
            if (e.error == Error::keepalive_timeout)
                say("keepalive: no answer from the broker within the keepalive bound - dead link");
            else if (e.error == Error::transport_error)
                say(fmt::format("connection lost: {} ({})", alimqtt::to_string(e.error),
                                std::strerror(client_.last_transport_error())));
            else if (e.error != Error{})
                say(fmt::format("connection lost: {}", alimqtt::to_string(e.error)));
            break;
        case EventKind::oversize_packet:
            say(fmt::format("skipped a {}-byte packet: larger than the receive buffer", e.size));
            break;
        default: break;
        }
    }

    /// Ends the run: clean DISCONNECT if connected, then the exit code.
    int finish(int rc) {
        if (client_.connected()) {
            const auto s = client_.disconnect(2s);
            say(s ? "disconnected (clean DISCONNECT)" : fmt::format("disconnect: {}", alimqtt::to_string(s.error())));
        }
        return rc;
    }

    Options o_;
    aliyun::ConnectParams params_;
    std::string pk_, dn_;
    std::string property_set_topic_, property_set_reply_topic_;
    SteadyClock clock_;
    alimqtt::posix::AnyTransport transport_;
    Client client_;
    alimqtt::Backoff<SteadyClock> backoff_;
    std::optional<SteadyClock::time_point> end_;
    std::map<alimqtt::PacketId, std::string> pending_;
    std::size_t next_pub_ = 0;
    long received_ = 0;
    long acked_ = 0;
    bool seed_mode_ = false;
    bool subscribing_ = false;
    bool connecting_ = false;
    bool strict_failure_ = false;
    std::optional<Thing> thing_;
};

/// Plain TCP, or TLS verified against --ca-file or the bundled Aliyun roots.
alimqtt::posix::AnyTransport make_transport(const Options& o, bool tls) {
    if (!tls) return alimqtt::posix::AnyTransport{};
    alimqtt::posix::TlsOptions t;
    t.ca_file = o.ca_file;
    t.aliyun_roots = o.ca_file.empty();
    t.insecure = o.insecure;
    return alimqtt::posix::AnyTransport{std::move(t)};
}

/// The endpoint of the triple path: --host, --region or --instance-id.
/// Prints the problem and returns nullopt on a configuration error.
std::optional<aliyun::Endpoint> make_endpoint(const Options& o) {
    const std::uint16_t port = o.port.value_or(1883);
    const auto mode = o.tls.value_or(true) ? aliyun::SecureMode::tls : aliyun::SecureMode::tcp;
    alimqtt::Result<aliyun::Endpoint> ep = Error::invalid_argument;
    if (!o.host.empty()) {
        aliyun::Endpoint e;
        if (!e.host.append(o.host)) {
            say("--host is too long");
            return std::nullopt;
        }
        e.port = port;
        e.tls = mode == aliyun::SecureMode::tls;
        ep = e;
    } else if (!o.region.empty()) {
        ep = aliyun::region_endpoint(o.product_key, o.region, port, mode);
    } else {
        ep = aliyun::instance_endpoint(o.instance_id, port, mode);
    }
    if (!ep) {
        say(fmt::format("endpoint: {}", alimqtt::to_string(ep.error())));
        return std::nullopt;
    }
    return *ep;
}

/// --register: dynamic registration. Prints the result (the only place it is
/// ever printed) and leaves it in `out`; returns the exit code.
int run_registration(const Options& o, aliyun::DynregResult& out) {
    const auto ep = make_endpoint(o);
    if (!ep) return exit_usage;
    std::string random = o.random;
    if (random.empty()) {
        std::random_device rd;
        for (int i = 0; i < 16; ++i) random += static_cast<char>('0' + rd() % 10);
    }
    aliyun::DynregOptions ro;
    ro.flow = o.regnwl ? aliyun::DynregFlow::whitelist_free : aliyun::DynregFlow::preregistered;
    ro.random = random;
    if (!o.instance_id.empty()) {
        ro.instance_id = o.instance_id;
        ro.secure_mode = aliyun::DynregSecureMode::tls_new_instance;
    }
    if (const auto c = aliyun::sign_dynreg({o.product_key, o.device_name, o.product_secret}, ro); !c) {
        say(fmt::format("cannot sign the registration: {}", alimqtt::to_string(c.error())));
        return exit_usage;
    }
    const bool tls = o.tls.value_or(true);
    if (!tls) say("warning: the platform accepts dynamic registration over TLS only (--no-tls is for local tests)");
    alimqtt::posix::AnyTransport transport = make_transport(o, tls);
    SteadyClock clock;
    Client client(transport, clock, Tracer{alimqtt::posix::PacketPrinter{o.verbose}});
    const std::string_view host = ep->host.view();
    say(fmt::format("registering {} of product {} at {}:{} over {} (authType={})", o.device_name, o.product_key, host,
                    ep->port, tls ? "TLS" : "TCP", aliyun::auth_type(ro.flow)));
    if (auto s = transport.connect(host, ep->port, SteadyClock::now() + 10s); !s) {
        say(fmt::format("{} failed: {}", tls ? "TLS connection" : "TCP connection", transport.last_error()));
        return exit_network;
    }
    aliyun::DynregDiagnostics diag;
    auto r = aliyun::register_device(client, {o.product_key, o.device_name, o.product_secret}, ro, 10s, &diag);
    if (!r) {
        const Error e = r.error();
        if (e == Error::dynreg_refused) {
            say(fmt::format("registration refused: {} - {}", alimqtt::to_string(diag.detail), alimqtt::to_string(e)));
            return exit_refused;
        }
        if (e == Error::dynreg_malformed_reply) {
            say(fmt::format("registration failed: {} ({})", alimqtt::to_string(e), alimqtt::to_string(diag.detail)));
            return exit_reply_error;
        }
        say(fmt::format("registration failed: {}", alimqtt::to_string(e)));
        return e == Error::dynreg_timeout ? exit_no_reply : exit_network;
    }
    if (r->flow == aliyun::DynregFlow::preregistered)
        say(fmt::format("registered: DeviceSecret={} (store it: use it as --device-secret from now on)",
                        r->device_secret.view()));
    else
        say(fmt::format("registered: ClientId={} DeviceToken={} (store both: the device connects with "
                        "authType=connwl)",
                        r->client_id.view(), r->device_token.view()));
    out = *r;
    r->wipe();
    return exit_ok;
}

/// Builds the connection parameters from the console JSON or the triple.
/// Prints the problem and returns nullopt on a configuration error.
std::optional<aliyun::ConnectParams> make_params(const Options& o, std::string& pk, std::string& dn) {
    aliyun::ConnectParams p;
    if (!o.console_json.empty()) {
        const auto console = aliyun::parse_console_json(o.console_json);
        if (!console) {
            say(fmt::format("--console-json: {}", alimqtt::to_string(console.error())));
            return std::nullopt;
        }
        const auto r = aliyun::connect_params(*console, o.keepalive);
        if (!r) {
            say(fmt::format("--keepalive {}: {}", o.keepalive, alimqtt::to_string(r.error())));
            return std::nullopt;
        }
        p = *r;
        if (const auto id = aliyun::device_id_from_username(console->username.view())) { // "<dn>&<pk>"
            pk = std::string(id->product_key);
            dn = std::string(id->device_name);
        }
    } else {
        pk = o.product_key;
        dn = o.device_name;
        aliyun::SignOptions so;
        so.client_id = o.client_id;
        const auto method = aliyun::parse_sign_method(o.sign_method);
        if (!method) {
            say(fmt::format("--signmethod {}: use hmacsha256, hmacsha1 or hmacmd5", o.sign_method));
            return std::nullopt;
        }
        so.sign_method = *method;
        const bool tls = o.tls.value_or(true);
        so.secure_mode = tls ? aliyun::SecureMode::tls : aliyun::SecureMode::tcp;
        if (o.timestamp == "none") so.timestamp = aliyun::Timestamp::none();
        else if (o.timestamp == "now") {
            std::chrono::system_clock wall;
            const auto ts = aliyun::unix_timestamp(wall);
            if (ts) so.timestamp = *ts;
        } else if (!o.timestamp.empty()) {
            const auto ms = parse_long(o.timestamp, 0, 999'999'999'999'999'999L);
            if (!ms) {
                say("--timestamp must be milliseconds since 1970, \"now\" or \"none\"");
                return std::nullopt;
            }
            so.timestamp = aliyun::Timestamp::at_ms(static_cast<std::uint64_t>(*ms));
        }
        const auto creds = aliyun::sign({o.product_key, o.device_name, o.device_secret}, so);
        if (!creds) {
            say(fmt::format("cannot sign: {}", alimqtt::to_string(creds.error())));
            return std::nullopt;
        }
        const auto ep = make_endpoint(o);
        if (!ep) return std::nullopt;
        const auto r = aliyun::connect_params(*creds, *ep, o.keepalive);
        if (!r) {
            say(fmt::format("--keepalive {}: {}", o.keepalive, alimqtt::to_string(r.error())));
            return std::nullopt;
        }
        p = *r;
    }
    if (!o.host.empty()) {
        p.host = {};
        (void)p.host.append(o.host);
    }
    if (o.port) p.port = *o.port;
    if (o.tls) p.tls = *o.tls;
    p.clean_session = o.clean;
    if (pk.empty() || dn.empty()) {
        say("cannot tell ProductKey and DeviceName from the username (expected <dn>&<pk>)");
        return std::nullopt;
    }
    return p;
}

} // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    Options o;
    if (const auto err = parse_args(argc, argv, o)) {
        fmt::print(stderr, "aliyun_device: {}\n(aliyun_device --help lists the options)\n", err->message);
        return exit_usage;
    }
    std::string pk, dn;
    std::optional<aliyun::ConnectParams> params;
    if (o.register_device) {
        if (const auto k = aliyun::check_keepalive(o.keepalive); !k) { // before the platform hands anything out
            say(fmt::format("--keepalive {}: {}", o.keepalive, alimqtt::to_string(k.error())));
            return exit_usage;
        }
        aliyun::DynregResult registered;
        if (const int rc = run_registration(o, registered); rc != exit_ok || (!o.keeps_running() && !o.thing_mode()))
            return rc;
        pk = o.product_key;
        dn = o.device_name;
        if (registered.flow == aliyun::DynregFlow::preregistered) {
            o.device_secret = std::string(registered.device_secret.view());
            params = make_params(o, pk, dn);
        } else {
            const auto ep = make_endpoint(o);
            if (!ep) return exit_usage;
            const auto p = aliyun::connwl_params({o.product_key, o.device_name}, registered, *ep, o.keepalive);
            if (!p) {
                say(fmt::format("cannot build the connwl connection: {}", alimqtt::to_string(p.error())));
                return exit_usage;
            }
            params = *p;
            params->clean_session = o.clean;
        }
        registered.wipe();
    } else {
        params = make_params(o, pk, dn);
    }
    if (!params) return exit_usage;

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: a signal wakes poll(2) at once
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN); // belt and braces: the transports never raise it

    Device device(std::move(o), *params, pk, dn);
    return device.run();
}
