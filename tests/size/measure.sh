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

build() { # name
    "$cxx" "${flags[@]}" "$here/$1.cpp" "${link[@]}" -Wl,-Map="$out/$1.map" -o "$out/$1.elf"
}
sizes() { # elf -> "text data bss"
    arm-none-eabi-size "$1" | awk 'NR == 2 { print $1, $2, $3 }'
}

for fw in baseline client_full client_aliyun; do build "$fw"; done
read -r bt bd bb < <(sizes "$out/baseline.elf")

echo "alimqtt footprint, $("$cxx" --version | head -1)"
shown=(); for f in "${flags[@]}"; do [[ $f == -I* ]] || shown+=("$f"); done
echo "flags: ${shown[*]} ${link[*]}"
printf '%-40s %8s %8s %8s\n' "firmware (minus empty baseline)" text data bss
for fw in client_full client_aliyun; do
    read -r t d b < <(sizes "$out/$fw.elf")
    case $fw in
        client_full) label="(a) client: connect/sub/pub0+1/ping/reconn" ;;
        client_aliyun) label="(b) (a) + Aliyun HMAC-SHA256 signer + Alink" ;;
    esac
    printf '%-40s %8d %8d %8d\n' "$label" $((t - bt)) $((d - bd)) $((b - bb))
done
client_hex=$(arm-none-eabi-nm -S -C "$out/client_full.elf" | awk '$4 == "client" { print $2 }')
echo "sizeof(Client<..., DefaultConfig>) static RAM: $((16#$client_hex)) bytes (in the bss above)"
echo
echo "largest functions of (a) (bytes, demangled, templates shortened):"
arm-none-eabi-nm -S -C --size-sort "$out/client_full.elf" | sort -u -k1,1 |
    awk '$3 ~ /^[TtWw]$/ { size = strtonum_hex($2); $1 = $2 = $3 = ""; print size "\t" $0 }
         function strtonum_hex(h,   i, c, v) { v = 0; h = tolower(h); for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", substr(h, i, 1)) - 1; v = v * 16 + c } return v }' |
    grep -v -E '\b(memset|memcpy|__call_exitprocs|__register_exitproc|_exit|main)\b' |
    sed -E 's/<[^<>]*(<[^<>]*(<[^<>]*>[^<>]*)*>[^<>]*)*>/<…>/g' | sort -rn | head -12
