#!/usr/bin/env bash
# Runs every alimqtt test on a Debian machine: installs what is missing (as
# root), configures, builds and runs ctest. Usage: ./tests/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ clang catch2 libfmt-dev libbenchmark-dev libssl-dev
          mosquitto mosquitto-clients libmosquitto-dev liblwip-dev
          gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
          libclang-rt-14-dev lcov doxygen nodejs npm python3 iproute2 openssl valgrind)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        echo "== installing: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "Missing packages. Run as root:" >&2
        echo "  apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

build=${ALIMQTT_BUILD_DIR:-build/dev}
cmake --preset dev -B "$build"
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
