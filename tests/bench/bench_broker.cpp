// tests/bench/bench_broker.cpp — alimqtt's Client vs libmosquitto through a real
// mosquitto on loopback, same run: QoS 0 throughput and QoS 1 round-trip latency.
//
// Run from the release preset (numbers from Debug/ASan builds mean nothing):
//   cmake --preset release && cmake --build build/release --target bench_broker
//   build/release/tests/bench/bench_broker
// Each benchmark starts nothing itself: one mosquitto (anonymous, loopback, a
// free port) is started on first use and stopped by its pid at exit.
#include <benchmark/benchmark.h>

#include <tcp_transport.hpp>

#include <alimqtt/client.hpp>

#include <mosquitto.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

using namespace std::chrono_literals;
using alimqtt::posix::SteadyClock;
using alimqtt::posix::TcpTransport;

constexpr int kMessages = 10'000;
constexpr std::size_t kPayloadSize = 64;

/// One mosquitto for the whole run; port 0 when it could not be started.
struct Broker {
    pid_t pid = -1;
    std::uint16_t port = 0;
    std::string dir;

    Broker() {
        char tmpl[] = "/tmp/alimqtt-bench-XXXXXX";
        if (!::mkdtemp(tmpl)) return;
        dir = tmpl;
        ::chmod(dir.c_str(), 0755);
        // A free port: bind to 0, read it, close (the broker takes it right after).
        {
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            socklen_t len = sizeof a;
            ::bind(fd, reinterpret_cast<sockaddr*>(&a), len);
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
            port = ntohs(a.sin_port);
            ::close(fd);
        }
        std::ofstream(dir + "/mosquitto.conf") << "listener " << port << " 127.0.0.1\n"
                                               << "allow_anonymous true\n"
                                               << "persistence false\n"
                                               << "max_queued_messages 0\n"
                                               << "max_inflight_messages 0\n"
                                               << "log_type error\n";
        const std::string conf = dir + "/mosquitto.conf";
        char arg0[] = "mosquitto";
        char arg1[] = "-c";
        std::vector<char> conf_arg(conf.begin(), conf.end());
        conf_arg.push_back('\0');
        char* argv[] = {arg0, arg1, conf_arg.data(), nullptr};
        if (::posix_spawnp(&pid, "mosquitto", nullptr, nullptr, argv, environ) != 0) {
            pid = -1;
            port = 0;
            return;
        }
        // Ready when a TCP connect succeeds.
        for (int i = 0; i < 100; ++i) {
            TcpTransport t;
            if (t.connect("127.0.0.1", port, SteadyClock::now() + 1s).ok()) return;
            ::usleep(50'000);
        }
        port = 0;
    }
    ~Broker() {
        if (pid > 0) {
            ::kill(pid, SIGTERM);
            ::waitpid(pid, nullptr, 0);
        }
        if (!dir.empty()) std::system(("rm -rf " + dir).c_str());
    }
};

Broker& broker() {
    static Broker b;
    return b;
}

struct BenchConfig : alimqtt::DefaultConfig {
    static constexpr std::size_t rx_buffer_size = 4096;
    static constexpr std::size_t tx_buffer_size = 16384;
    static constexpr std::size_t max_in_flight = 16;
    static constexpr std::size_t in_flight_arena_size = 4096;
};
using Client = alimqtt::Client<TcpTransport, SteadyClock, BenchConfig>;

const std::array<char, kPayloadSize> kPayload = [] {
    std::array<char, kPayloadSize> p{};
    p.fill('x');
    return p;
}();

void report_percentiles(benchmark::State& state, std::vector<double>& us) {
    if (us.empty()) return;
    std::sort(us.begin(), us.end());
    state.counters["p50_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

// ---------------------------------------------------------------- alimqtt

void BM_alimqtt_qos0_throughput(benchmark::State& state) {
    if (broker().port == 0) return state.SkipWithError("mosquitto could not be started");
    SteadyClock clock;
    TcpTransport transport;
    if (!transport.connect("127.0.0.1", broker().port, SteadyClock::now() + 5s).ok())
        return state.SkipWithError("connect failed");
    Client client(transport, clock);
    alimqtt::Connect c;
    c.client_id = "alimqtt-bench-qos0";
    if (!client.connect(c, 5s)) return state.SkipWithError("CONNECT failed");
    long received = 0;
    if (!client.subscribe("bench/qos0", alimqtt::QoS::at_most_once, [&received](const alimqtt::Publish&) { ++received; }))
        return state.SkipWithError("SUBSCRIBE failed");
    const std::string_view payload(kPayload.data(), kPayload.size());
    alimqtt::PublishOptions po;
    po.timeout = 10s; // waits (pumping input) while the send buffer is full
    for (auto _ : state) {
        received = 0;
        for (int i = 0; i < kMessages; ++i)
            if (!client.publish("bench/qos0", payload, po)) return state.SkipWithError("publish failed");
        const auto give_up = SteadyClock::now() + 30s;
        while (received < kMessages && SteadyClock::now() < give_up) (void)client.run_for(5ms);
        if (received < kMessages) return state.SkipWithError("messages lost");
    }
    state.SetItemsProcessed(state.iterations() * kMessages);
    (void)client.disconnect();
}
BENCHMARK(BM_alimqtt_qos0_throughput)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_alimqtt_qos1_round_trip(benchmark::State& state) {
    if (broker().port == 0) return state.SkipWithError("mosquitto could not be started");
    SteadyClock clock;
    TcpTransport transport;
    if (!transport.connect("127.0.0.1", broker().port, SteadyClock::now() + 5s).ok())
        return state.SkipWithError("connect failed");
    Client client(transport, clock);
    alimqtt::Connect c;
    c.client_id = "alimqtt-bench-qos1";
    if (!client.connect(c, 5s)) return state.SkipWithError("CONNECT failed");
    const std::string_view payload(kPayload.data(), kPayload.size());
    alimqtt::PublishOptions po;
    po.qos = alimqtt::QoS::at_least_once;
    po.wait_for_ack = true;
    std::vector<double> us;
    for (auto _ : state) {
        const auto t0 = SteadyClock::now();
        if (!client.publish("bench/qos1", payload, po)) return state.SkipWithError("no PUBACK");
        us.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - t0).count());
    }
    report_percentiles(state, us);
    (void)client.disconnect();
}
BENCHMARK(BM_alimqtt_qos1_round_trip)->Unit(benchmark::kMicrosecond)->UseRealTime()->Iterations(5000);

// ---------------------------------------------------------------- libmosquitto

struct LibMosquitto {
    mosquitto* m = nullptr;
    std::atomic<long> received{0};
    std::atomic<int> acked_mid{-1};
    LibMosquitto(const char* id) {
        mosquitto_lib_init();
        m = mosquitto_new(id, true, this);
        mosquitto_message_callback_set(m, [](mosquitto*, void* self, const mosquitto_message*) {
            static_cast<LibMosquitto*>(self)->received++;
        });
        mosquitto_publish_callback_set(m, [](mosquitto*, void* self, int mid) { static_cast<LibMosquitto*>(self)->acked_mid = mid; });
        // Same conditions as alimqtt: Nagle off, unbounded in-flight for QoS 0.
        mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
    }
    ~LibMosquitto() {
        mosquitto_disconnect(m);
        mosquitto_destroy(m);
        mosquitto_lib_cleanup();
    }
    bool connect() { return mosquitto_connect(m, "127.0.0.1", broker().port, 60) == MOSQ_ERR_SUCCESS; }
};

void BM_libmosquitto_qos0_throughput(benchmark::State& state) {
    if (broker().port == 0) return state.SkipWithError("mosquitto could not be started");
    LibMosquitto lm("libmosquitto-bench-qos0");
    if (!lm.connect()) return state.SkipWithError("connect failed");
    mosquitto_subscribe(lm.m, nullptr, "bench/lm0", 0);
    for (int i = 0; i < 20; ++i) mosquitto_loop(lm.m, 10, 1); // SUBACK
    for (auto _ : state) {
        lm.received = 0;
        for (int i = 0; i < kMessages; ++i) {
            mosquitto_publish(lm.m, nullptr, "bench/lm0", kPayloadSize, kPayload.data(), 0, false);
            mosquitto_loop(lm.m, 0, 1);
        }
        const auto give_up = SteadyClock::now() + 30s;
        while (lm.received < kMessages && SteadyClock::now() < give_up) mosquitto_loop(lm.m, 5, 1);
        if (lm.received < kMessages) return state.SkipWithError("messages lost");
    }
    state.SetItemsProcessed(state.iterations() * kMessages);
}
BENCHMARK(BM_libmosquitto_qos0_throughput)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_libmosquitto_qos1_round_trip(benchmark::State& state) {
    if (broker().port == 0) return state.SkipWithError("mosquitto could not be started");
    LibMosquitto lm("libmosquitto-bench-qos1");
    if (!lm.connect()) return state.SkipWithError("connect failed");
    std::vector<double> us;
    for (auto _ : state) {
        const auto t0 = SteadyClock::now();
        int mid = 0;
        mosquitto_publish(lm.m, &mid, "bench/lm1", kPayloadSize, kPayload.data(), 1, false);
        while (lm.acked_mid != mid) mosquitto_loop(lm.m, 100, 1);
        us.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - t0).count());
    }
    report_percentiles(state, us);
}
BENCHMARK(BM_libmosquitto_qos1_round_trip)->Unit(benchmark::kMicrosecond)->UseRealTime()->Iterations(5000);

} // namespace
