#!/usr/bin/env python3
"""Runs the built alimqtt-sign binary and checks its output against openssl.

Usage: test_sign_cli.py /path/to/alimqtt-sign
Exit 0 = pass, 1 = fail, 77 = skipped (openssl missing).
"""
import json
import random
import shutil
import string
import subprocess
import sys
import time

if shutil.which("openssl") is None:
    print("SKIPPED: the openssl command is not installed")
    sys.exit(77)

BIN = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True)


def openssl_hmac(md, key, content):
    out = subprocess.run(["openssl", "dgst", "-" + md, "-hmac", key], input=content.encode(),
                         capture_output=True, check=True).stdout.decode()
    return out.strip().split()[-1]


# V1 of aliyun-protocol.md, exact line.
v1 = run("--product-key", "a1B2c3D4e5F", "--device-name", "pico-w-001",
         "--device-secret", "0123456789abcdef0123456789abcdef", "--timestamp", "1700000000000")
check(v1.returncode == 0, "V1 exit code 0")
check(v1.stdout == '{"clientId":"a1B2c3D4e5F.pico-w-001|securemode=2,signmethod=hmacsha256,timestamp=1700000000000|",'
      '"username":"pico-w-001&a1B2c3D4e5F","mqttHostUrl":"a1B2c3D4e5F.iot-as-mqtt.cn-shanghai.aliyuncs.com",'
      '"passwd":"faa66d81fb04681b73a10217ee84049af76eb475a32069047e26f9f27152d89c","port":1883}\n',
      "V1 exact output line: " + v1.stdout)

# Random devices and every option combination, checked against openssl.
rng = random.Random(7)
alnum = string.ascii_letters + string.digits
for i in range(24):
    pk = "".join(rng.choice(alnum) for _ in range(11))
    dn = "".join(rng.choice(alnum + "-_") for _ in range(rng.randint(4, 32)))
    ds = "".join(rng.choice(alnum) for _ in range(32))
    method = ["hmacsha256", "hmacsha1", "hmacmd5"][i % 3]
    args = ["--product-key", pk, "--device-name", dn, "--device-secret", ds, "--signmethod", method]
    cid = None
    if i % 2:
        cid = "".join(rng.choice(alnum) for _ in range(12))
        args += ["--client-id=" + cid]
    ts_mode = i % 4  # 0: now, 1: given, 2: none, 3: given
    if ts_mode in (1, 3):
        args += ["--timestamp", str(rng.randint(0, 2**41))]
    elif ts_mode == 2:
        args += ["--no-timestamp"]
    if i % 5 == 0:
        args += ["--instance-id", "iot-06z00" + pk.lower()[:6], "--port", "8883"]
    if i % 3 == 1:
        args += ["--securemode", "3", "--uppercase"]
    before = int(time.time() * 1000)
    r = run(*args)
    check(r.returncode == 0 and r.stderr == "", f"case {i} runs cleanly: {r.stderr}")
    check(r.stdout.count("\n") == 1, f"case {i} prints exactly one line")
    out = json.loads(r.stdout)
    check(list(out) == ["clientId", "username", "mqttHostUrl", "passwd", "port"], f"case {i} field order")
    prefix, params, tail = out["clientId"].split("|")
    check(tail == "", f"case {i} clientId ends with |")
    check(prefix == (cid or f"{pk}.{dn}"), f"case {i} clientId prefix")
    kv = dict(p.split("=") for p in params.split(","))
    check(kv["signmethod"] == method, f"case {i} signmethod")
    check(kv["securemode"] == ("3" if i % 3 == 1 else "2"), f"case {i} securemode")
    content = f"clientId{prefix}deviceName{dn}productKey{pk}"
    if ts_mode == 2:
        check("timestamp" not in kv, f"case {i} has no timestamp")
    else:
        content += "timestamp" + kv["timestamp"]
        if ts_mode == 0:
            check(before <= int(kv["timestamp"]) <= int(time.time() * 1000), f"case {i} timestamp is now")
    expected = openssl_hmac(method.replace("hmac", ""), ds, content)
    if i % 3 == 1:
        expected = expected.upper()
    check(out["passwd"] == expected, f"case {i} password {out['passwd']} == openssl {expected}")
    check(out["username"] == f"{dn}&{pk}", f"case {i} username")
    if i % 5 == 0:
        check(out["mqttHostUrl"] == f"iot-06z00{pk.lower()[:6]}.mqtt.iothub.aliyuncs.com" and out["port"] == 8883,
              f"case {i} instance endpoint")
    else:
        check(out["mqttHostUrl"] == f"{pk}.iot-as-mqtt.cn-shanghai.aliyuncs.com" and out["port"] == 1883,
              f"case {i} region endpoint")

# --help documents every option and exits 0.
h = run("--help")
check(h.returncode == 0, "--help exits 0")
for opt in ["--product-key", "--device-name", "--device-secret", "--client-id", "--signmethod", "--securemode",
            "--timestamp", "--no-timestamp", "--region", "--instance-id", "--port", "--uppercase", "--help"]:
    check(opt in h.stdout, f"--help mentions {opt}")

# Bad arguments: a message on stderr, nothing on stdout, exit 2.
base = ["--product-key", "pk", "--device-name", "dn", "--device-secret", "ds"]
for bad in [[], ["--product-key", "pk"], base + ["--bogus"], base + ["--port", "0"], base + ["--port", "65536"],
            base + ["--port", "x"], base + ["--signmethod", "sha256"], base + ["--securemode", "1"],
            base + ["--timestamp", "12a"], base + ["--timestamp", "1", "--no-timestamp"],
            base + ["--region", "cn-shanghai", "--instance-id", "i"], base + ["--client-id", "a|b"],
            base + ["--client-id", "x" * 65], ["--product-key", "p&k", "--device-name", "dn", "--device-secret", "ds"],
            base + ["--region"], base + ["--region", "bad/region"], base + ["--product-key", "again"]]:
    r = run(*bad)
    check(r.returncode == 2 and r.stdout == "" and r.stderr.startswith("alimqtt-sign: "),
          f"bad args {bad} -> exit {r.returncode}, stderr {r.stderr!r}")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
