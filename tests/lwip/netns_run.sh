#!/usr/bin/env bash
# netns_run.sh BINARY [ARGS...] — runs an lwIP host test inside a network namespace
# it creates: a TAP device for lwIP, mosquitto and a resetting server on the kernel side.
# Exits 77 (ctest SKIP) when root, /dev/net/tun, ip netns or mosquitto are missing.
set -u
skip() { echo "SKIPPED: $*" >&2; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root (ip netns, TAP)"
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
command -v ip >/dev/null || skip "no iproute2"
command -v mosquitto >/dev/null || skip "no mosquitto"
command -v python3 >/dev/null || skip "no python3"

ns="alimqtt-lwip-$$"
tap="almq$$"; tap=${tap:0:15}
dir=$(mktemp -d)
cleanup() {
    [[ -n ${broker_pid:-} ]] && kill "$broker_pid" 2>/dev/null
    [[ -n ${rst_pid:-} ]] && kill "$rst_pid" 2>/dev/null
    # Anything still running in the namespace would outlive it: end it first.
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
    wait 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 143' TERM INT # runs the EXIT trap, so the namespace never outlives a timeout
ip netns add "$ns" || skip "cannot create a network namespace"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
in_ns ip tuntap add dev "$tap" mode tap || skip "cannot create a TAP device"
in_ns ip addr add 10.77.0.1/24 dev "$tap"
# A small MTU makes the kernel cut large messages into many segments (many pbufs).
in_ns ip link set "$tap" mtu 576 up

cat > "$dir/mosquitto.conf" <<CONF
listener 1883 10.77.0.1
allow_anonymous true
CONF
# Started with `ip netns exec` directly, not through in_ns: a backgrounded shell
# function is a subshell, and its pid is not the broker's.
ip netns exec "$ns" mosquitto -c "$dir/mosquitto.conf" >"$dir/mosquitto.log" 2>&1 &
broker_pid=$!
# Accepts, reads the first bytes, then closes with SO_LINGER 0: a TCP reset.
ip netns exec "$ns" python3 - <<'PY' >"$dir/rst.log" 2>&1 &
import socket, struct
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.1", 1884)); s.listen(8)
while True:
    c, _ = s.accept()
    c.recv(64)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
PY
rst_pid=$!
# Both servers must listen before the test starts (python can be slow to start).
for port in 1883 1884; do
    for _ in $(seq 100); do
        in_ns bash -c "exec 3<>/dev/tcp/10.77.0.1/$port" 2>/dev/null && break
        sleep 0.1
    done
done
in_ns env PRECONFIGURED_TAPIF="$tap" ALIMQTT_LWIP_BROKER=10.77.0.1 ALIMQTT_LWIP_NETNS="$ns" "$@"
rc=$?
if [[ $rc -ne 0 ]]; then echo "--- mosquitto log"; cat "$dir/mosquitto.log"; fi
exit $rc
