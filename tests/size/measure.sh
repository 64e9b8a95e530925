#!/usr/bin/env bash
# measure.sh — footprint of alimqtt on a Cortex-M0+ (RP2040 class): builds the
# reference firmwares with arm-none-eabi-g++ and newlib-nano and prints text/data/bss
# of each minus an empty baseline, plus the client object's static RAM.
# Usage: tests/size/measure.sh [build-dir]    (a benchmark, not a ctest)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/size}
mkdir -p "$out"
cxx=${CXX_ARM:-arm-none-eabi-g++}
command -v "$cxx" >/dev/null || { echo "SKIPPED: $cxx not found (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib)" >&2; exit 77; }

flags=(-std=c++20 -mcpu=cortex-m0plus -mthumb -Os -ffunction-sections -fdata-sections
       -fno-exceptions -fno-rtti -fno-threadsafe-statics -Wall -Wextra
       -I"${ALIMQTT_INCLUDE:-$root/include}" -I"$here")
link=(-Wl,--gc-sections --specs=nano.specs --specs=nosys.specs)

build() { # source [output-name extra-flags...]
    local src=$1 name=${2:-$1}
    "$cxx" "${flags[@]}" "${@:3}" "$here/$src.cpp" "${link[@]}" -Wl,-Map="$out/$name.map" -o "$out/$name.elf"
}
sizes() { # elf -> "text data bss"
    arm-none-eabi-size "$1" | awk 'NR == 2 { print $1, $2, $3 }'
}

for fw in baseline client_full client_aliyun; do build "$fw"; done
# The same firmwares with QoS 2 compiled out (Config::max_qos = QoS 1), as an
# Aliyun device builds them: the platform has no QoS 2.
for fw in client_full client_aliyun; do build "$fw" "$fw-qos1" -DSIZE_BENCH_MAX_QOS1; done
read -r bt bd bb < <(sizes "$out/baseline.elf")

echo "alimqtt footprint, $("$cxx" --version | head -1)"
shown=(); for f in "${flags[@]}"; do [[ $f == -I* ]] || shown+=("$f"); done
echo "flags: ${shown[*]} ${link[*]}"
printf '%-40s %8s %8s %8s\n' "firmware (minus empty baseline)" text data bss
for fw in client_full client_full-qos1 client_aliyun client_aliyun-qos1; do
    read -r t d b < <(sizes "$out/$fw.elf")
    case $fw in
        client_full) label="(a) client: connect/sub/pub0+1/ping/reconn" ;;
        client_full-qos1) label="(a) with Config::max_qos = QoS 1" ;;
        client_aliyun) label="(b) (a) + Aliyun HMAC-SHA256 signer + Alink" ;;
        client_aliyun-qos1) label="(b) with Config::max_qos = QoS 1" ;;
    esac
    printf '%-40s %8d %8d %8d\n' "$label" $((t - bt)) $((d - bd)) $((b - bb))
done
client_ram() { # elf -> size of the global `client`
    local hex
    hex=$(arm-none-eabi-nm -S -C "$1" | awk '$4 == "client" { print $2 }')
    echo $((16#$hex))
}
echo "sizeof(Client<..., DefaultConfig>) static RAM: $(client_ram "$out/client_full.elf") bytes (in the bss above)"
echo "sizeof(Client<...>) with max_qos = QoS 1:      $(client_ram "$out/client_full-qos1.elf") bytes"
echo
echo "largest functions of (a) (bytes, demangled, templates shortened):"
arm-none-eabi-nm -S -C --size-sort "$out/client_full.elf" | sort -u -k1,1 |
    awk '$3 ~ /^[TtWw]$/ { size = strtonum_hex($2); $1 = $2 = $3 = ""; print size "\t" $0 }
         function strtonum_hex(h,   i, c, v) { v = 0; h = tolower(h); for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", substr(h, i, 1)) - 1; v = v * 16 + c } return v }' |
    grep -v -E '\b(memset|memcpy|__call_exitprocs|__register_exitproc|_exit|main)\b' |
    sed -E 's/<[^<>]*(<[^<>]*(<[^<>]*>[^<>]*)*>[^<>]*)*>/<…>/g' | sort -rn | head -12
