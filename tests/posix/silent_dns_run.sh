#!/usr/bin/env bash
# silent_dns_run.sh BINARY [ARGS...] — runs a TCP adapter test inside a network
# namespace of its own whose only DNS server is 127.0.0.1 (the test binds a UDP
# socket there that never answers). Exits 77 (ctest SKIP) without root or ip netns.
set -u
skip() { echo "SKIPPED: $*" >&2; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root (ip netns)"
command -v ip >/dev/null || skip "no iproute2"

ns="alimqtt-dns-$$"
conf_dir="/etc/netns/$ns" # ip netns exec bind-mounts its resolv.conf over /etc/resolv.conf
[[ -d /etc/netns ]] && made_etc_netns=0 || made_etc_netns=1
cleanup() {
    # Anything still running in the namespace would outlive it: end it first.
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$conf_dir"
    [[ $made_etc_netns -eq 1 ]] && rmdir /etc/netns 2>/dev/null
    return 0
}
trap cleanup EXIT
trap 'exit 143' TERM INT # runs the EXIT trap, so the namespace never outlives a timeout
ip netns add "$ns" || skip "cannot create a network namespace"
mkdir -p "$conf_dir"
printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n' >"$conf_dir/resolv.conf"
ip netns exec "$ns" ip link set lo up || skip "cannot bring up lo in the namespace"
# The test is only meaningful if the namespace really sees this resolv.conf.
ip netns exec "$ns" cat /etc/resolv.conf 2>/dev/null | grep -qx 'nameserver 127.0.0.1' ||
    skip "ip netns exec did not bind-mount $conf_dir/resolv.conf"
ip netns exec "$ns" env ALIMQTT_SILENT_DNS=1 "$@"
