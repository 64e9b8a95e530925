#!/usr/bin/env bash
# The thing model through the real mosquitto of the mock Aliyun broker, with
# mosquitto_sub/mosquitto_pub playing the cloud: --post-property publishes the
# exact Alink JSON and reports the post_reply (code 200: success, exit 0; code
# 460: the code and message, exit 6); a property set gets a set_reply with the
# same id; --rrpc-echo answers rrpc/request/<id> on rrpc/response/<id>; --ntp
# prints the time computed from the cloud's /ext/ntp response. Usage: SCRIPT DEVICE_BINARY
source "$(dirname "$0")/lib.sh"
DEVICE=$1
require_tools mosquitto mosquitto_sub mosquitto_pub mosquitto_passwd openssl python3 stdbuf
start_broker broker
SYS=/sys/$PK/$DN

# cloud_sub OUT COUNT TOPIC...: the cloud subscribes (in the background, pid in
# SUB, -v lines "topic payload" in OUT); returns once its SUBACK has arrived,
# so nothing the device sends afterwards can be missed.
cloud_sub() {
    local out=$1 count=$2 t
    shift 2
    local args=()
    for t in "$@"; do args+=(-t "$t"); done
    stdbuf -oL mosquitto_sub -d -h 127.0.0.1 -p "$PORT" -u cloud -P cloudpw -q 1 -v -C "$count" -W 30 \
        "${args[@]}" > "$out" &
    SUB=$!
    CLEANUP_PIDS+=($SUB)
    wait_for "$out" '^Subscribed \(mid' || exit 1
}

# payload_of OUT TOPIC: the payload of the first message on TOPIC in OUT.
payload_of() { grep -m1 -F "$2 " "$1" | cut -d' ' -f2-; }

# json_field JSON NAME: one member of a JSON object (python3 as the parser).
json_field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# post_and_reply TAG CODE MESSAGE DEVICE_ARGS...: the device posts properties
# (its output in $T/TAG.out), the cloud sees the post (in $T/TAG-cloud.out) and
# answers the post_reply with CODE and MESSAGE. Sets POST (the payload the cloud
# saw), ID (its id) and RC (the device's exit code).
post_and_reply() {
    local tag=$1 code=$2 message=$3 dev
    shift 3
    cloud_sub "$T/$tag-cloud.out" 1 "$SYS/thing/event/property/post"
    device_bg "$T/$tag.out" "$@"
    dev=$DEV
    wait_for "$T/$tag-cloud.out" "^$SYS/thing/event/property/post " || exit 1
    POST=$(payload_of "$T/$tag-cloud.out" "$SYS/thing/event/property/post")
    ID=$(json_field "$POST" id)
    cloud_pub "$SYS/thing/event/property/post_reply" \
        "{\"code\":$code,\"data\":{},\"id\":\"$ID\",\"message\":\"$message\",\"version\":\"1.0\"}"
    wait $dev
    RC=$?
    wait $SUB
}

# --- (a) property post, reply 200 ---------------------------------------------------------
post_and_reply post200 200 success --post-property PowerSwitch_1=1
check "the post is the exact Alink JSON" \
    test "$POST" = '{"id":"1","version":"1.0","params":{"PowerSwitch_1":1},"method":"thing.event.property.post"}'
check "a code 200 post_reply ends the run with exit 0" test $RC -eq 0
check "and the device reports success for that id" grep -qx "property post id=$ID: success (code 200)" "$T/post200.out"

# --- (a) property post, reply 460; the VALUE rule --------------------------------------------
post_and_reply post460 460 "request parameter error" --post-property PowerSwitch_1=0 --post-property Name=lamp \
    --post-property Temp=-2.5e1 --post-property 'Label="7"' --post-property On=true
check "values: numbers and true as JSON, a bare word as a string, a quoted string kept" \
    test "$POST" = '{"id":"1","version":"1.0","params":{"PowerSwitch_1":0,"Name":"lamp","Temp":-2.5e1,"Label":"7","On":true},"method":"thing.event.property.post"}'
check "a code 460 post_reply exits 6" test $RC -eq 6
check "and the device reports the platform's code and message" \
    grep -qx "property post id=$ID failed: code 460 (request parameter error)" "$T/post460.out"

# --- (b) property set -> set_reply with the same id --------------------------------------------
cloud_sub "$T/set.out" 1 "$SYS/thing/service/property/set_reply"
device_bg "$T/set-dev.out" --rrpc-echo --count 1 --timeout 20
dev=$DEV
wait_for "$T/set-dev.out" '^thing model ready' || exit 1
cloud_pub "$SYS/thing/service/property/set" \
    '{"method":"thing.service.property.set","id":"1024580116","params":{"PowerSwitch_1":0},"version":"1.0.0"}'
wait $dev
check "the device handled the set and exited 0 (--count 1)" test $? -eq 0
wait $SUB
reply=$(payload_of "$T/set.out" "$SYS/thing/service/property/set_reply")
check "the cloud got a set_reply with the same id" test "$(json_field "$reply" id)" = 1024580116
check "with code 200" test "$(json_field "$reply" code)" = 200
check "the device printed the params it was set" grep -qx 'property set id=1024580116: PowerSwitch_1=0' "$T/set-dev.out"

# --- (c) RRPC echo ---------------------------------------------------------------------------------
cloud_sub "$T/rrpc.out" 1 "$SYS/rrpc/response/+"
device_bg "$T/rrpc-dev.out" --rrpc-echo --count 1 --timeout 20
dev=$DEV
wait_for "$T/rrpc-dev.out" '^thing model ready: .*rrpc/request/\+' || exit 1
request='{"method":"thing.service.property.get","id":"77","params":["PowerSwitch_1"],"version":"1.0"}'
cloud_pub "$SYS/rrpc/request/1453920213402001408" "$request" -q 0
wait $dev
check "the device answered one RRPC request and exited 0" test $? -eq 0
wait $SUB
check "the response came on rrpc/response/<same id> with the request's own payload" \
    grep -qxF "$SYS/rrpc/response/1453920213402001408 $request" "$T/rrpc.out"

# --- (d) NTP --------------------------------------------------------------------------------------
cloud_sub "$T/ntp.out" 1 "/ext/ntp/$PK/$DN/request"
device_bg "$T/ntp-dev.out" --ntp
dev=$DEV
wait_for "$T/ntp.out" "^/ext/ntp/$PK/$DN/request " || exit 1
request=$(payload_of "$T/ntp.out" "/ext/ntp/$PK/$DN/request")
check "the NTP request is {\"deviceSendTime\":\"<ms>\"}" grep -qE '^\{"deviceSendTime":"[0-9]+"\}$' <<<"$request"
sent=$(json_field "$request" deviceSendTime)
cloud_pub "/ext/ntp/$PK/$DN/response" \
    "{\"deviceSendTime\":\"$sent\",\"serverRecvTime\":\"1700000000000\",\"serverSendTime\":\"1700000000010\"}" -q 0
wait $dev
check "--ntp alone exits 0 after the answer" test $? -eq 0
wait $SUB
line=$(grep -m1 '^ntp: ' "$T/ntp-dev.out")
read -r utc ms rtt < <(sed -E 's/^ntp: ([^ ]+) \(unix ms ([0-9]+), round trip ([0-9]+) ms\)$/\1 \2 \3/' <<<"$line")
check "the time is (serverRecvTime + serverSendTime + round trip) / 2" \
    test "${ms:-x}" = "$(( (1700000000000 + 1700000000010 + ${rtt:-0}) / 2 ))"
check "printed as UTC (python's datetime agrees)" test "$utc" = "$(python3 -c '
import datetime, sys
t = datetime.datetime.fromtimestamp(int(sys.argv[1]) / 1000, datetime.timezone.utc)
print(t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (int(sys.argv[1]) % 1000))' "${ms:-0}")"

finish
