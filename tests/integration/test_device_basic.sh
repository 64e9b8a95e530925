#!/usr/bin/env bash
# aliyun_device against the mock Aliyun broker: signed credentials accepted
# (three sign methods, triple and console-JSON paths), a wrong secret refused
# with exit 3 and the reason named, a forbidden filter refused with 0x80 for
# that filter only, QoS 2 from the cloud to the QoS-1-only device, and the
# property-set round trip. Usage: SCRIPT DEVICE_BINARY
source "$(dirname "$0")/lib.sh"
DEVICE=$1
require_tools mosquitto mosquitto_sub mosquitto_pub mosquitto_passwd openssl python3
start_broker broker

# --- signed credentials accepted; a clean exit on --timeout ----------------------
device --sub "/$PK/$DN/user/get" --timeout 0.5 > "$T/ok.out" 2>&1
rc=$?
check "signed credentials (hmacsha256) are accepted and the run ends with exit 0" test $rc -eq 0
check "the connected line says whether a session was present" grep -q 'connected to 127.0.0.1:.* (session present: no)' "$T/ok.out"
check "the run ends with a clean DISCONNECT" grep -q 'disconnected (clean DISCONNECT)' "$T/ok.out"

# Other sign methods: the broker holds passwords made by openssl for each.
for method in hmacsha1 hmacmd5; do
    id="e66164c31b2f"
    mosquitto_passwd -b "$B/passwd" "$DN&$PK" "$(mb_sign $PK $DN $DS $id $TS $method)"
    kill -HUP "$(cat "$B/mosquitto.pid")" # reload the password file (asynchronous: retry)
    for ((i = 0; i < 30; i++)); do
        device --client-id $id --signmethod $method --timeout 0.2 > "$T/$method.out" 2>&1 && break
        sleep 0.1
    done
    check "signmethod $method with client id $id is accepted" grep -q '^connected to' "$T/$method.out"
done
mosquitto_passwd -b "$B/passwd" "$DN&$PK" "$(mb_sign $PK $DN $DS "$CID" $TS hmacsha256)"
kill -HUP "$(cat "$B/mosquitto.pid")"
for ((i = 0; i < 30; i++)); do
    device --timeout 0.1 --sub "/$PK/$DN/user/get" > /dev/null 2>&1 && break
    sleep 0.1
done

# --- usage and configuration errors: exit 2 before any connection ------------------
device --qos 2 > "$T/usage.out" 2>&1
check "--qos 2 is a usage error (exit 2): Aliyun has no QoS 2" test $? -eq 2
device --keepalive 10 > "$T/keepalive.out" 2>&1
check "--keepalive 10 is refused before connecting (exit 2)" test $? -eq 2
check "with the reason" grep -q 'keepalive must be 30..1200 s' "$T/keepalive.out"
"$DEVICE" --product-key $PK --device-name $DN > "$T/triple.out" 2>&1
check "an incomplete triple is a usage error (exit 2)" test $? -eq 2
device --sub "/$PK/$DN/user/get" --count 1 --timeout 0.3 > "$T/count.out" 2>&1
check "--count not reached before --timeout exits 1" test $? -eq 1

# --- the console-JSON path --------------------------------------------------------
pw=$(mb_sign $PK $DN $DS "$CID" $TS)
printf '{"clientId":"%s|securemode=3,signmethod=hmacsha256,timestamp=%s|","username":"%s&%s","mqttHostUrl":"127.0.0.1","passwd":"%s","port":%s}' \
    "$CID" $TS $DN $PK "$pw" "$PORT" > "$T/console.json"
"$DEVICE" --console-json "@$T/console.json" --sub "/$PK/$DN/user/get" --timeout 0.3 > "$T/console.out" 2>&1
check "the console JSON (from @file) logs in over plain TCP as securemode=3 says" test $? -eq 0

# --- a wrong secret ---------------------------------------------------------------------
"$DEVICE" --product-key $PK --device-name $DN --device-secret 00000000000000000000000000000000 \
    --host 127.0.0.1 --port "$PORT" --no-tls > "$T/wrong.out" 2>&1
rc=$?
check "a wrong secret exits with 3" test $rc -eq 3
check "the refusal names the CONNACK reason" grep -q 'broker refused the connection: .*(CONNACK 5)' "$T/wrong.out"

# --- a forbidden filter in the same SUBSCRIBE as allowed ones ---------------------------
device_bg "$T/mixed.out" --verbose --sub "/$PK/$DN/user/get" --sub "/$PK/other-device/user/get" \
    --sub "/sys/$PK/$DN/thing/service/property/set" --count 1 --timeout 10
dev=$DEV
wait_for "$T/mixed.out" '^subscribed: /sys/'
cloud_pub "/$PK/other-device/user/get" "not for this device"
cloud_pub "/$PK/$DN/user/get" "for this device"
wait $dev
rc=$?
check "the SUBACK carried 0x80 for the second filter only" grep -qF 'SUBACK(id=1, [granted QoS 0, refused 0x80, granted QoS 0])' "$T/mixed.out"
check "the refused filter is reported with a hint" grep -q 'subscription REFUSED: /'$PK'/other-device/user/get (SUBACK 0x80) - the device has no subscribe permission' "$T/mixed.out"
check "the allowed filters are granted" test "$(grep -c '^subscribed: ' "$T/mixed.out")" -eq 2
check "a message on an allowed filter still arrives (exit 0 after --count 1)" test $rc -eq 0
check "the message is printed as topic/msg lines" grep -qx "msg: for this device" "$T/mixed.out"
check "nothing from the refused topic arrived" bash -c "! grep -q 'not for this device' '$T/mixed.out'"

device --sub "/$PK/other-device/user/get" --strict --timeout 5 > "$T/strict.out" 2>&1
check "--strict turns a refusal into exit 5" test $? -eq 5

# --- QoS 2 from the cloud, to a device built with QoS 2 compiled out -------------------
# The device (Config::max_qos = QoS 1) subscribes at QoS 1; mosquitto delivers a
# QoS 2 publish at the granted QoS 1 ([MQTT-3.8.4-6]), which the device acknowledges.
device_bg "$T/q2.out" --verbose --qos 1 --sub "/$PK/$DN/user/get" --count 1 --timeout 10
dev=$DEV
wait_for "$T/q2.out" '^subscribed: /'
mosquitto_pub -h 127.0.0.1 -p "$PORT" -u cloud -P cloudpw -q 2 -d -t "/$PK/$DN/user/get" -m "sent at QoS 2" > "$T/q2pub.out"
wait $dev
check "a QoS 2 publish reaches the QoS-1-only device and it exits 0 after --count 1" test $? -eq 0
check "the cloud sent it at QoS 2 (PUBREC and PUBCOMP came back)" grep -q 'received PUBCOMP' "$T/q2pub.out"
check "it arrived at QoS 1" grep -q 'PUBLISH(id=[0-9]*, qos=1, .*topic="/'$PK/$DN'/user/get"' "$T/q2.out"
check "the device acknowledged it with PUBACK" grep -q 'PUBACK(id=' "$T/q2.out"
check "its payload was printed" grep -qx "msg: sent at QoS 2" "$T/q2.out"

# --- the property-set round trip ------------------------------------------------------------
# -d prints the SUBACK: wait for it, or a fast device publishes before the cloud listens.
stdbuf -oL mosquitto_sub -d -h 127.0.0.1 -p "$PORT" -u cloud -P cloudpw -q 1 -v -C 2 -W 20 \
    -t "/sys/$PK/$DN/thing/service/property/set_reply" -t "/$PK/$DN/user/update" > "$T/cloud.out" &
sub=$!
CLEANUP_PIDS+=($sub)
wait_for "$T/cloud.out" '^Subscribed \(mid' || exit 1
device_bg "$T/seed.out" --qos 1 --count 1 --timeout 15
dev=$DEV
wait_for "$T/seed.out" '^subscribed: /sys/'
cloud_pub "/sys/$PK/$DN/thing/service/property/set" \
    '{"method":"thing.service.property.set","id":"1024580116","params":{"PowerSwitch_1":0},"version":"1.0.0"}'
wait $dev
check "the seed-mode device handled the property set and exited 0" test $? -eq 0
wait $sub
check "the cloud got 你好！ on user/update" grep -q "^/$PK/$DN/user/update 你好！\$" "$T/cloud.out"
check "the cloud got the reply with the same id and code 200 on set_reply" \
    grep -q "^/sys/$PK/$DN/thing/service/property/set_reply {\"code\":200,\"data\":{},\"id\":\"1024580116\",\"message\":\"success\",\"version\":\"1.0\"}\$" "$T/cloud.out"
check "the device printed the set as topic/msg lines" grep -q '^topic: /sys/'$PK/$DN'/thing/service/property/set$' "$T/seed.out"
finish
