#!/usr/bin/env bash
# examples/posix/demo.sh — the README's "run it": builds aliyun_device, starts a
# local mosquitto configured like Aliyun IoT, and plays the cloud against it.
#
# What you see: the device connects with a signed password, subscribes like the
# seed tutorial, publishes 你好！, receives a property set and a user/get message
# from the "cloud" (mosquitto_pub), answers the property set with the Alink reply
# (same id, code 200), and a subscription to another device's topic is refused
# with SUBACK 0x80 and reported. Everything runs in a temp dir on 127.0.0.1; the
# broker is stopped by its pid at the end. Usage: ./examples/posix/demo.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${ALIMQTT_DEMO_BUILD_DIR:-$root/build/demo}
started=$SECONDS

say() { printf '\n== %s\n' "$*"; }

# --- 1. tools -----------------------------------------------------------------
packages=(cmake make g++ libssl-dev libfmt-dev mosquitto mosquitto-clients openssl python3)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        say "installing: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "Missing packages. Install them as root, then run this again:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

# --- 2. build -----------------------------------------------------------------
say "building aliyun_device in ${build#"$root"/}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DALIMQTT_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target aliyun_device alimqtt-sign >/dev/null
device_bin=$build/examples/posix/aliyun_device
sign_bin=$build/examples/posix/alimqtt-sign
echo "   built in $((SECONDS - started)) s"
scenario_started=$SECONDS

# --- 3. the broker ------------------------------------------------------------
source "$here/mock_aliyun_broker.sh"
work=$(mktemp -d /tmp/alimqtt-demo-XXXXXX)
chmod 755 "$work"
bg_pids=()
cleanup() {
    local p
    for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    mb_stop "$work/broker" || true
    rm -rf "$work"
}
trap cleanup EXIT

# The demo identity (not a real Aliyun device). The broker's password file gets
# the password computed with `openssl dgst -hmac`, independently of alimqtt's
# signer: the device can only log in if the two agree.
PK=a1AliDemo01
DN=demo-device
DS=5f2c1b8e9d0a4c7e8f1a2b3c4d5e6f70
TS=2524608000000
password=$(mb_sign "$PK" "$DN" "$DS" "$PK.$DN" "$TS" hmacsha256)
broker=$work/broker
mb_init "$broker"
mb_add_device "$broker" "$PK" "$DN" "$password"
mb_add_device "$broker" "$PK" other-device "$(mb_sign "$PK" other-device 00000000000000000000000000000000 "$PK.other-device" "$TS")"
mb_add_user "$broker" cloud cloud-secret
mb_start "$broker"
port=$(cat "$broker/port")
say "mosquitto (pid $(cat "$broker/mosquitto.pid")) on 127.0.0.1:$port: no anonymous login, signed passwords, per-device topic rights"
echo "   device $DN&$PK may use /$PK/$DN/user/get, /$PK/$DN/user/update and /sys/$PK/$DN/#"

cloud() { mosquitto_pub -h 127.0.0.1 -p "$port" -u cloud -P cloud-secret -q 1 "$@"; }

# Prints the lines of $1 not shown yet, indented.
declare -A shown=()
show_new() {
    local file=$1 prefix=$2 n
    n=$(wc -l <"$file")
    if ((n > ${shown[$file]:-0})); then
        sed -n "$((${shown[$file]:-0} + 1)),${n}p" "$file" | sed "s/^/   $prefix | /"
        shown[$file]=$n
    fi
}
# wait_for FILE PATTERN: until a line of FILE matches (10 s at most).
wait_for() {
    local i
    for ((i = 0; i < 200; i++)); do
        grep -qE "$2" "$1" && return 0
        sleep 0.05
    done
    echo "demo: gave up waiting for \"$2\" in ${1##*/}" >&2
    return 1
}

# The cloud side listens to what the device sends up. It must be subscribed
# before the device starts, or a fast device publishes 你好！ before anyone
# listens: -d prints the SUBACK ("Subscribed (mid: ...)") to wait for, and
# stdbuf makes it reach the file at once.
stdbuf -oL mosquitto_sub -d -h 127.0.0.1 -p "$port" -u cloud -P cloud-secret -q 1 -v \
    -t "/$PK/$DN/user/update" -t "/sys/$PK/$DN/thing/service/property/set_reply" >"$work/cloud.raw" &
bg_pids+=($!)
wait_for "$work/cloud.raw" '^Subscribed \(mid'

# --- 4. the device, as the seed tutorial ----------------------------------------
say "aliyun_device (triple path: ProductKey, DeviceName, DeviceSecret; plain TCP to the local broker)"
device_log=$work/device.log
"$device_bin" --product-key "$PK" --device-name "$DN" --device-secret "$DS" \
    --host 127.0.0.1 --port "$port" --no-tls --qos 1 --count 2 --timeout 30 >"$device_log" 2>&1 &
device_pid=$!
bg_pids+=($device_pid)
wait_for "$device_log" '^subscribed: /sys/'
wait_for "$device_log" '^publish acknowledged: /'"$PK/$DN"'/user/update'
show_new "$device_log" device

property_set='{"method":"thing.service.property.set","id":"1024580116","params":{"PowerSwitch_1":0},"version":"1.0.0"}'
say "cloud: property set on /sys/$PK/$DN/thing/service/property/set"
cloud -t "/sys/$PK/$DN/thing/service/property/set" -m "$property_set"
wait_for "$device_log" '^publish acknowledged: .*set_reply'
show_new "$device_log" device

say "cloud: message on /$PK/$DN/user/get"
cloud -t "/$PK/$DN/user/get" -m 'hello from the cloud'
device_rc=0
wait "$device_pid" || device_rc=$?
show_new "$device_log" device
[[ $device_rc -eq 0 ]] || { echo "demo: aliyun_device exited with $device_rc" >&2; exit 1; }

say "what the cloud received"
wait_for "$work/cloud.raw" 'set_reply .*"id":"1024580116"'
grep -vE '^(Client |Subscribed )' "$work/cloud.raw" >"$work/cloud.log" # messages only
show_new "$work/cloud.log" cloud
grep -q "user/update 你好！" "$work/cloud.log" || { echo "demo: the cloud did not get 你好！" >&2; exit 1; }
grep -q '"code":200' "$work/cloud.log" || { echo "demo: no code 200 reply" >&2; exit 1; }

# --- 5. the console-JSON path ----------------------------------------------------------
say "the console-JSON path: alimqtt-sign prints what the Aliyun console would show"
console_json=$("$sign_bin" --product-key "$PK" --device-name "$DN" --device-secret "$DS" \
    --securemode 3 --timestamp "$TS" --port "$port")
echo "   $console_json"
echo "   (its mqttHostUrl is the real Aliyun host; --host 127.0.0.1 points it at the local broker)"
"$device_bin" --console-json "$console_json" --host 127.0.0.1 --sub "/$PK/$DN/user/get" --timeout 0.5 \
    >"$work/console.log" 2>&1
show_new "$work/console.log" device
grep -q '^subscribed: ' "$work/console.log" || { echo "demo: the console-JSON login failed" >&2; exit 1; }

# --- 6. a topic the device may not use ------------------------------------------
say "aliyun_device subscribes to another device's topic (and its own) with --strict"
refused_rc=0
"$device_bin" --product-key "$PK" --device-name "$DN" --device-secret "$DS" \
    --host 127.0.0.1 --port "$port" --no-tls --strict --verbose \
    --sub "/$PK/$DN/user/get" --sub "/$PK/other-device/user/get" --timeout 5 >"$work/refused.log" 2>&1 || refused_rc=$?
show_new "$work/refused.log" device
grep -q 'subscription REFUSED: /'"$PK"'/other-device/user/get' "$work/refused.log" || { echo "demo: refusal not reported" >&2; exit 1; }
grep -q 'subscribed: /'"$PK/$DN"'/user/get' "$work/refused.log" || { echo "demo: own topic not granted" >&2; exit 1; }
[[ $refused_rc -eq 5 ]] || { echo "demo: expected exit code 5 (refused + --strict), got $refused_rc" >&2; exit 1; }
echo "   exit code $refused_rc: a subscription was refused and --strict was given"

# --- 7. a wrong secret -------------------------------------------------------------
say "aliyun_device with a wrong DeviceSecret"
wrong_rc=0
"$device_bin" --product-key "$PK" --device-name "$DN" --device-secret 0123456789abcdef0123456789abcdef \
    --host 127.0.0.1 --port "$port" --no-tls >"$work/wrong.log" 2>&1 || wrong_rc=$?
show_new "$work/wrong.log" device
[[ $wrong_rc -eq 3 ]] || { echo "demo: expected exit code 3 (refused), got $wrong_rc" >&2; exit 1; }
echo "   exit code 3: the broker refused the connection (this mosquitto says CONNACK 5; Aliyun says 4)"

# --- 8. done ------------------------------------------------------------------
broker_pid=$(cat "$broker/mosquitto.pid")
mb_stop "$broker"
say "stopped mosquitto (pid $broker_pid); scenario took $((SECONDS - scenario_started)) s, $((SECONDS - started)) s in all"
