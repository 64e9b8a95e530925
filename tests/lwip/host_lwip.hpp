// host_lwip.hpp — runs Debian's lwIP (NO_SYS=0, core locking) on the host over a TAP
// device, and the lwip::Platform that maps the transport's lock to LOCK_TCPIP_CORE.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>

// Debian's port headers (sys_arch.h, tapif.h) lack C++ guards; include this
// file before any other lwIP header.
extern "C" {
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "netif/tapif.h"
}

namespace alimqtt_test {

/// lwip::Platform for a threaded lwIP: callbacks run on the tcpip thread with
/// the core lock held; the application takes the same lock and sleeps on a
/// condition variable that callbacks signal.
struct HostLwipPlatform {
    using clock = std::chrono::steady_clock;
    static void lock() noexcept { LOCK_TCPIP_CORE(); }
    static void unlock() noexcept { UNLOCK_TCPIP_CORE(); }
    static void poll() noexcept {}
    static void wait_until(clock::time_point t) noexcept {
        std::unique_lock<std::mutex> l(mutex());
        cv().wait_until(l, t, [] { return signalled(); });
        signalled() = false;
    }
    static void notify() noexcept {
        {
            std::lock_guard<std::mutex> l(mutex());
            signalled() = true;
        }
        cv().notify_all();
    }

private:
    static std::mutex& mutex() noexcept {
        static std::mutex m;
        return m;
    }
    static std::condition_variable& cv() noexcept {
        static std::condition_variable c;
        return c;
    }
    static bool& signalled() noexcept {
        static bool s = false;
        return s;
    }
};

/// Starts lwIP once per process with a TAP netif at 10.77.0.2/24 (MTU 576, so
/// segments are small). The TAP device comes from PRECONFIGURED_TAPIF.
inline netif& start_lwip() {
    static netif tap{};
    static const bool started = [] {
        std::mutex m;
        std::condition_variable cv;
        bool up = false;
        struct Ctx {
            std::mutex* m;
            std::condition_variable* cv;
            bool* up;
        } ctx{&m, &cv, &up};
        tcpip_init(
            [](void* arg) {
                auto* c = static_cast<Ctx*>(arg);
                std::lock_guard<std::mutex> l(*c->m);
                *c->up = true;
                c->cv->notify_all();
            },
            &ctx);
        {
            std::unique_lock<std::mutex> l(m);
            cv.wait(l, [&] { return up; });
        }
        ip4_addr_t ip, mask, gw;
        IP4_ADDR(&ip, 10, 77, 0, 2);
        IP4_ADDR(&mask, 255, 255, 255, 0);
        IP4_ADDR(&gw, 10, 77, 0, 1);
        LOCK_TCPIP_CORE();
        netif_add(&tap, &ip, &mask, &gw, nullptr, tapif_init, tcpip_input);
        tap.mtu = 576;
        netif_set_default(&tap);
        netif_set_up(&tap);
        netif_set_link_up(&tap);
        UNLOCK_TCPIP_CORE();
        return true;
    }();
    (void)started;
    return tap;
}

/// The broker address the netns wrapper set up, or nullptr outside it.
inline const char* broker_address() { return std::getenv("ALIMQTT_LWIP_BROKER"); }

} // namespace alimqtt_test
