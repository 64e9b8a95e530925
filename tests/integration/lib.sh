# tests/integration/lib.sh — shared by the integration test scripts: a temp dir
# removed on exit, a broker from mock_aliyun_broker.sh stopped by pid, checks.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../examples/posix/mock_aliyun_broker.sh"

# Missing tools: exit 77, which ctest reports as SKIPPED.
require_tools() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || { echo "SKIPPED: $t not installed"; exit 77; }
    done
}

T=$(mktemp -d /tmp/alimqtt-it-XXXXXX)
chmod 755 "$T"
declare -a CLEANUP_PIDS=()
_cleanup() {
    local p
    for p in "${CLEANUP_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for d in "$T"/broker*; do [[ -d $d ]] && mb_stop "$d"; done
    [[ -n ${KEEP:-} ]] || rm -rf "$T"
}
trap _cleanup EXIT

failures=0
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; failures=$((failures + 1)); }
check() { # check "description" command...
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() {
    if ((failures)); then echo "$failures check(s) failed"; exit 1; fi
    echo "all checks passed"; exit 0
}

# The demo identity every test uses (not a real Aliyun device).
PK=a1AliDemo01
DN=demo-device
DS=5f2c1b8e9d0a4c7e8f1a2b3c4d5e6f70
TS=2524608000000
CID="$PK.$DN"

# start_broker NAME: a mock Aliyun broker in $T/NAME with the demo device, a
# second device "other-device" and the user "cloud" (password cloudpw).
# Sets B (its directory) and PORT. Honours MB_PERSIST and MB_TLS_DIR.
start_broker() {
    B=$T/$1
    local pw
    pw=$(mb_sign $PK $DN $DS "$CID" $TS hmacsha256)
    mb_init "$B" "${2:-}" && mb_add_device "$B" $PK $DN "$pw" && mb_add_device "$B" $PK other-device x \
        && mb_add_user "$B" cloud cloudpw && mb_start "$B" || { echo "broker did not start"; exit 1; }
    PORT=$(cat "$B/port")
}

# cloud_pub TOPIC MESSAGE [mosquitto_pub options...]: publish as the cloud user.
cloud_pub() {
    local topic=$1 msg=$2
    shift 2
    mosquitto_pub -h 127.0.0.1 -p "$PORT" -u cloud -P cloudpw -q 1 -t "$topic" -m "$msg" "$@"
}

# wait_for FILE REGEX [SECONDS]: until a line of FILE matches (default 10 s).
wait_for() {
    local i n=$(( ${3:-10} * 20 ))
    for ((i = 0; i < n; i++)); do
        grep -qE -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "timed out waiting for /$2/ in $1; it holds:"; sed 's/^/    /' "$1"
    return 1
}

# device ARGS...: the aliyun_device binary ($DEVICE) as the demo device over TCP.
device() {
    "$DEVICE" --product-key $PK --device-name $DN --device-secret $DS --host 127.0.0.1 --port "$PORT" --no-tls "$@"
}

# device_bg OUT ARGS...: the same in the background, output to OUT; its own
# pid (not a subshell's, so signals reach it) in DEV.
device_bg() {
    local out=$1
    shift
    "$DEVICE" --product-key $PK --device-name $DN --device-secret $DS --host 127.0.0.1 --port "$PORT" --no-tls \
        "$@" > "$out" 2>&1 &
    DEV=$!
    CLEANUP_PIDS+=($DEV)
}
