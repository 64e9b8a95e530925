#!/usr/bin/env bash
# The same client against a second, independent broker: npm's aedes (installed
# into NODE_DIR on first use; SKIPPED without node/npm or network). Checks the
# seed flow with the property-set reply, a refused filter (0x80), and a wrong
# secret refused with CONNACK 4 (as Aliyun does). Usage: SCRIPT DEVICE_BINARY NODE_DIR
source "$(dirname "$0")/lib.sh"
DEVICE=$1
NODE_DIR=$2
require_tools node npm mosquitto_sub mosquitto_pub openssl python3
here=$(cd "$(dirname "$0")" && pwd)
if [[ ! -d $NODE_DIR/node_modules/aedes ]]; then
    mkdir -p "$NODE_DIR"
    npm install --prefix "$NODE_DIR" --no-audit --no-fund --silent aedes@1 >/dev/null 2>&1 \
        || { echo "SKIPPED: npm install aedes failed (offline?)"; exit 77; }
fi
PORT=$(mb_free_port)
NODE_PATH=$NODE_DIR/node_modules node "$here/aedes/broker.js" "$PORT" $PK $DN "$(mb_sign $PK $DN $DS "$CID" $TS)" \
    > "$T/aedes.log" 2>&1 &
CLEANUP_PIDS+=($!)
wait_for "$T/aedes.log" '^ready$' || exit 1

# -d prints the SUBACK: wait for it, or a fast device publishes before the cloud listens.
stdbuf -oL mosquitto_sub -d -h 127.0.0.1 -p "$PORT" -u cloud -P cloudpw -q 1 -v -C 2 -W 20 \
    -t "/sys/$PK/$DN/thing/service/property/set_reply" -t "/$PK/$DN/user/update" > "$T/cloud.out" &
sub=$!
CLEANUP_PIDS+=($sub)
wait_for "$T/cloud.out" '^Subscribed \(mid' || exit 1
device_bg "$T/seed.out" --qos 1 --count 2 --timeout 15
wait_for "$T/seed.out" '^subscribed: /sys/'
check "aedes accepted the signed credentials" grep -q '^connected to 127.0.0.1' "$T/seed.out"
cloud_pub "/sys/$PK/$DN/thing/service/property/set" \
    '{"method":"thing.service.property.set","id":"1024580116","params":{"PowerSwitch_1":0},"version":"1.0.0"}'
cloud_pub "/$PK/$DN/user/get" "hello via aedes"
wait $DEV
check "the seed flow ends with exit 0 after both messages" test $? -eq 0
check "the user/get message was printed" grep -qx 'msg: hello via aedes' "$T/seed.out"
wait $sub
check "the cloud got 你好！ on user/update" grep -q "^/$PK/$DN/user/update 你好！\$" "$T/cloud.out"
check "and the reply with id 1024580116 and code 200 on set_reply" \
    grep -q "set_reply {\"code\":200,\"data\":{},\"id\":\"1024580116\"" "$T/cloud.out"

device --sub "/$PK/$DN/user/get" --sub "/$PK/other-device/user/get" --strict --timeout 5 > "$T/mixed.out" 2>&1
rc=$?
check "aedes refuses the other device's topic, reported, exit 5 with --strict" test $rc -eq 5
check "only that filter is refused" grep -q '^subscribed: /'$PK/$DN'/user/get' "$T/mixed.out"

"$DEVICE" --product-key $PK --device-name $DN --device-secret 00000000000000000000000000000000 \
    --host 127.0.0.1 --port "$PORT" --no-tls > "$T/wrong.out" 2>&1
check "a wrong secret exits with 3" test $? -eq 3
check "naming CONNACK 4, bad user name or password" grep -q 'bad user name or password (CONNACK 4)' "$T/wrong.out"
finish
