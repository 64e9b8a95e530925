// The consumer's program: includes the umbrella header from the installed tree
// and prints one error's name, so a missing or misplaced header fails the build.
#include <alimqtt/alimqtt.hpp>

#include <cstdio>

int main() {
    const alimqtt::Result<int> r = alimqtt::Error::timeout;
    const auto name = alimqtt::to_string(r.error());
    std::printf("alimqtt consumer: %.*s\n", static_cast<int>(name.size()), name.data());
    return r.ok() ? 1 : 0;
}
