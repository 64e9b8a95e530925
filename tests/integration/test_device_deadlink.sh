#!/usr/bin/env bash
# A broker frozen with SIGSTOP is a dead link: the device must notice within
# 1.5 x keepalive (keepalive 30 s, the Aliyun minimum: 45 s), say so, and
# reconnect once the broker is back (SIGCONT). Takes about a minute.
# Usage: SCRIPT DEVICE_BINARY
source "$(dirname "$0")/lib.sh"
DEVICE=$1
require_tools mosquitto mosquitto_passwd openssl python3
start_broker broker
broker_pid=$(cat "$B/mosquitto.pid")
device_bg "$T/dev.out" --keepalive 30 --sub "/$PK/$DN/user/get" --timeout 100
wait_for "$T/dev.out" '^subscribed: '
kill -STOP "$broker_pid"
frozen=$(date +%s%N)
wait_for "$T/dev.out" '^keepalive: .*dead link' 50
detected_ms=$((($(date +%s%N) - frozen) / 1000000))
# 45 s plus 0.5 s for this script's own polling of the output file and process start-up under load.
check "the dead link is reported within 45 s (1.5 x keepalive): took ${detected_ms} ms" test $detected_ms -le 45500
kill -CONT "$broker_pid"
wait_for "$T/dev.out" '^reconnecting in ' 5
n_connected() { grep -c '^connected to ' "$T/dev.out"; }
for ((i = 0; i < 600 && $(n_connected) < 2; i++)); do sleep 0.05; done
check "after SIGCONT the device connects again" test "$(n_connected)" -ge 2
check "and subscribes again" test "$(grep -c '^subscribed: ' "$T/dev.out")" -ge 2
kill -TERM $DEV
wait $DEV
check "SIGTERM then ends it with exit 0" test $? -eq 0
finish
