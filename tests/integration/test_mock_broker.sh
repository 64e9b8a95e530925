#!/usr/bin/env bash
# The mock Aliyun broker itself, checked with the mosquitto clients as the
# independent oracle: signed password accepted, wrong one refused (CONNACK 5),
# a foreign topic refused with SUBACK 0x80 in the same SUBSCRIBE as granted ones.
source "$(dirname "$0")/lib.sh"
require_tools mosquitto mosquitto_sub mosquitto_pub mosquitto_passwd openssl python3

check "signer matches aliyun-protocol.md vector V1 (hmacsha256)" \
    test "$(mb_sign a1B2c3D4e5F pico-w-001 0123456789abcdef0123456789abcdef a1B2c3D4e5F.pico-w-001 1700000000000)" \
       = faa66d81fb04681b73a10217ee84049af76eb475a32069047e26f9f27152d89c
check "signer matches vector V2 (hmacsha1)" \
    test "$(mb_sign a1B2c3D4e5F pico-w-001 0123456789abcdef0123456789abcdef 'a1B2c3D4e5F&pico-w-001' 1700000000000 hmacsha1)" \
       = 6e2bb4e006b65b3bad56b7a10bdf486f2beaa91f
check "signer matches vector V3 (hmacmd5)" \
    test "$(mb_sign a1B2c3D4e5F pico-w-001 0123456789abcdef0123456789abcdef e66164c31b2f 1700000000000 hmacmd5)" \
       = bc2bd99e5cd721444d31520595f5bc21

B=$T/broker
PW=$(mb_sign $PK $DN $DS "$CID" $TS)
mb_init "$B" && mb_add_device "$B" $PK $DN "$PW" && mb_add_device "$B" $PK other-device "x" \
    && mb_add_user "$B" cloud cloudpw && mb_start "$B" || { echo "broker did not start"; exit 1; }
PORT=$(cat "$B/port")
FULL_CID="$CID|securemode=3,signmethod=hmacsha256,timestamp=$TS|"

out=$(mosquitto_sub -d -h 127.0.0.1 -p "$PORT" -i "$FULL_CID" -u "$DN&$PK" -P "$PW" \
      -t "/$PK/$DN/user/get" -t "/$PK/other-device/user/get" -t "/sys/$PK/$DN/thing/service/property/set" \
      -E 2>&1)
check "signed credentials get CONNACK 0" grep -q 'received CONNACK (0)' <<<"$out"
check "SUBACK refuses only the other device's topic (0, 128, 0)" grep -q 'Subscribed (mid: 1): 0, 128, 0' <<<"$out"

out=$(mosquitto_sub -d -h 127.0.0.1 -p "$PORT" -i "$FULL_CID" -u "$DN&$PK" -P "$PW" \
      -t "/ext/ntp/$PK/$DN/response" -t "/ext/ntp/$PK/other-device/response" -t "/sys/$PK/$DN/rrpc/request/+" -E 2>&1)
check "the device may subscribe its own NTP response and RRPC requests, not another's (0, 128, 0)" \
    grep -q 'Subscribed (mid: 1): 0, 128, 0' <<<"$out"

out=$(mosquitto_sub -d -h 127.0.0.1 -p "$PORT" -i "$FULL_CID" -u "$DN&$PK" -P "${PW/a/b}x" -t x -E 2>&1)
check "a wrong password gets CONNACK 5" grep -q 'received CONNACK (5)' <<<"$out"

mosquitto_sub -h 127.0.0.1 -p "$PORT" -i "$FULL_CID" -u "$DN&$PK" -P "$PW" \
    -t "/sys/$PK/$DN/thing/service/property/set" -C 1 -W 10 > "$T/got" &
sub=$!
CLEANUP_PIDS+=($sub)
# Publish until the subscriber (which connects asynchronously) has its message.
for ((i = 0; i < 100; i++)); do
    mosquitto_pub -h 127.0.0.1 -p "$PORT" -u cloud -P cloudpw -t "/sys/$PK/$DN/thing/service/property/set" -m set
    kill -0 $sub 2>/dev/null || break
    sleep 0.1
done
wait $sub
check "the cloud user's property set reaches the device" grep -qx set "$T/got"
finish
