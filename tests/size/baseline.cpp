// baseline.cpp — the empty firmware every footprint is measured against:
// the same startup, newlib-nano and main loop shape, without alimqtt.
#include "size_support.hpp"

int main() {
    size_bench::TickClock clock;
    for (;;) {
        auto t = clock.now();
        size_bench::keep(t);
    }
}
