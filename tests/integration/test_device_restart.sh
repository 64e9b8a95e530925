#!/usr/bin/env bash
# The broker is stopped and restarted mid-session (persistence on). With
# --no-clean and QoS 1 the device reconnects by itself, its session is
# present again, and not one of 1,000 numbered messages is lost in either
# direction: cloud -> device (queued for the offline device) and device ->
# cloud (un-acknowledged ones resent). Duplicates are allowed (QoS 1).
# Usage: SCRIPT DEVICE_BINARY
source "$(dirname "$0")/lib.sh"
DEVICE=$1
require_tools mosquitto mosquitto_sub mosquitto_pub mosquitto_passwd openssl python3
MB_PERSIST=1 start_broker broker

# Counts the distinct numbers 1..1000 among "msg: N" / "topic N" lines of $1.
distinct() { grep -oE '(msg: |n=)[0-9]+$' "$1" | grep -oE '[0-9]+$' | sort -un | awk '$1 >= 1 && $1 <= 1000' | wc -l; }

restart_broker() {
    mb_stop "$B"
    MB_PERSIST=1 mb_start "$B" || { echo "broker did not restart"; exit 1; }
}

# --- cloud -> device -------------------------------------------------------------------------
device_bg "$T/down.out" --no-clean --qos 1 --sub "/$PK/$DN/user/get" --timeout 90
dev=$DEV
wait_for "$T/down.out" '^subscribed: '
seq 1 500 | sed 's/^/n=/' | mosquitto_pub -h 127.0.0.1 -p "$PORT" -u cloud -P cloudpw -q 1 -t "/$PK/$DN/user/get" -l
restart_broker
seq 501 1000 | sed 's/^/n=/' | mosquitto_pub -h 127.0.0.1 -p "$PORT" -u cloud -P cloudpw -q 1 -t "/$PK/$DN/user/get" -l
for ((i = 0; i < 600 && $(distinct "$T/down.out") < 1000; i++)); do sleep 0.05; done
got=$(distinct "$T/down.out")
kill -TERM $dev
wait $dev
rc=$?
check "cloud -> device: all 1000 numbered messages arrived across the restart (got $got)" test "$got" -eq 1000
check "the device noticed the outage and said it would reconnect" grep -q '^reconnecting in ' "$T/down.out"
check "the reconnect found the session present" grep -q 'session present: yes' "$T/down.out"
check "SIGTERM ends the run with a clean DISCONNECT and exit 0" test $rc -eq 0
grep -q 'disconnected (clean DISCONNECT)' "$T/down.out" || fail "no clean DISCONNECT line after SIGTERM"

# --- device -> cloud ------------------------------------------------------------------------------
mosquitto_sub -h 127.0.0.1 -p "$PORT" -u cloud -P cloudpw -q 1 -c -i cloud-counter -v \
    -t "/$PK/$DN/user/update" > "$T/up.out" 2>&1 &
sub=$!
CLEANUP_PIDS+=($sub)
for ((i = 0; i < 100; i++)); do # the subscriber's session must exist before the first publish
    grep -q 'cloud-counter' "$B/mosquitto.log" && break
    sleep 0.05
done
device_bg "$T/up-dev.out" --no-clean --qos 1 --pub "/$PK/$DN/user/update" 'n={n}' --repeat 1000
dev=$DEV
wait_for "$T/up-dev.out" '^300 publishes acknowledged' 30
restart_broker
wait $dev
rc=$?
for ((i = 0; i < 600 && $(distinct "$T/up.out") < 1000; i++)); do sleep 0.05; done
got=$(distinct "$T/up.out")
check "device -> cloud: the publisher finished with exit 0 after the restart" test $rc -eq 0
check "device -> cloud: all 1000 numbered messages arrived (got $got)" test "$got" -eq 1000
check "the publisher reconnected by itself" grep -q '^reconnecting in ' "$T/up-dev.out"
finish
