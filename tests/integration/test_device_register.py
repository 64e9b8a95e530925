#!/usr/bin/env python3
"""aliyun_device --register against a scripted broker (python stdlib sockets)
that plays the platform: it checks the registration CONNECT byte for byte
(client id, username, HMAC-SHA256 password computed here with Python's hmac)
and publishes on /ext/register or /ext/regnwl right after CONNACK, without
any SUBSCRIBE. Proves: both flows print the result once (even with
--verbose, which must not show it), the run continues as the registered
device (register: signed with the new DeviceSecret; regnwl: authType=connwl
with the deviceToken), and malformed replies, refusals and silence give the
documented exit codes. Usage: test_device_register.py DEVICE_BINARY
"""
import hashlib
import hmac
import socket
import subprocess
import sys
import threading

DEVICE = sys.argv[1]
PK, DN, PS = "a1B2c3D4e5F", "pico-w-001", "k9XsBq2LmT7vRw4Z"
RANDOM = "8472916305"
SECRET = "Zq3e5RkT0pLm8VwXyB1nC4dF6gH7jK9s"
CLIENT_ID, TOKEN = "cid-42", "tk-7f1e9c2ab34d4e5f8a6b7c8d9e0f1a2b"

failures = 0


def check(what, ok, detail=""):
    global failures
    print(("ok   - " if ok else "FAIL - ") + what + ("" if ok else f"\n    {detail}"))
    if not ok:
        failures += 1


def hmac_hex(key, msg):
    return hmac.new(key.encode(), msg.encode(), hashlib.sha256).hexdigest()


# --- MQTT 3.1.1 by hand (the oracle does not share the library's codec) -----------------------

def read_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("peer closed")
        data += chunk
    return data


def read_packet(s):
    """(first byte, body) of the next packet (2.2: fixed header, remaining length)."""
    first = read_exact(s, 1)[0]
    length, mult = 0, 1
    for _ in range(4):
        b = read_exact(s, 1)[0]
        length += (b & 0x7F) * mult
        mult *= 128
        if b < 0x80:
            break
    return first, read_exact(s, length)


def utf8_field(body, i):
    n = int.from_bytes(body[i:i + 2], "big")
    return body[i + 2:i + 2 + n], i + 2 + n


def parse_connect(body):
    """client id, username, password, keepalive of a CONNECT body (3.1)."""
    name, i = utf8_field(body, 0)
    assert name == b"MQTT" and body[i] == 4, "not MQTT 3.1.1"
    flags = body[i + 1]
    keepalive = int.from_bytes(body[i + 2:i + 4], "big")
    i += 4
    client_id, i = utf8_field(body, i)
    if flags & 0x04:  # will
        _, i = utf8_field(body, i)
        _, i = utf8_field(body, i)
    user = pw = None
    if flags & 0x80:
        user, i = utf8_field(body, i)
    if flags & 0x40:
        pw, i = utf8_field(body, i)
    return {"client_id": client_id.decode(), "username": user and user.decode(),
            "password": pw and pw.decode(), "keepalive": keepalive, "clean": bool(flags & 0x02)}


def remaining(n):
    out = b""
    while True:
        d = n % 128
        n //= 128
        out += bytes([d | (0x80 if n else 0)])
        if not n:
            return out


def publish(topic, payload):
    body = len(topic).to_bytes(2, "big") + topic.encode() + payload.encode()
    return bytes([0x30]) + remaining(len(body)) + body


def connack(code):
    return bytes([0x20, 0x02, 0x00, code])


class Broker:
    """Accepts connections on 127.0.0.1 and plays `script(conn_index, sock)`
    for each; records what each CONNECT carried and any failure."""

    def __init__(self, script, connections=1):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(2)
        self.port = self.sock.getsockname()[1]
        self.connects, self.errors, self.after = [], [], []
        self.thread = threading.Thread(target=self.run, args=(script, connections), daemon=True)
        self.thread.start()

    def run(self, script, connections):
        self.sock.settimeout(20)
        try:
            for n in range(connections):
                conn, _ = self.sock.accept()
                conn.settimeout(20)
                with conn:
                    first, body = read_packet(conn)
                    if first != 0x10:
                        raise AssertionError(f"expected CONNECT, got {first:#x}")
                    self.connects.append(parse_connect(body))
                    script(n, conn, self)
        except Exception as e:  # reported by the test thread
            self.errors.append(repr(e))
        finally:
            self.sock.close()

    def rest(self, conn):
        """Packets until the client closes: their first bytes."""
        while True:
            try:
                first, body = read_packet(conn)
            except EOFError:
                return
            self.after.append((first, body))


def run_device(broker, *args, timeout=40):
    cmd = [DEVICE, "--product-key", PK, "--device-name", DN, "--host", "127.0.0.1",
           "--port", str(broker.port), "--no-tls", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    broker.thread.join(timeout=20)
    return p.returncode, p.stdout + p.stderr


def register_args(*extra):
    return ["--register", "--product-secret", PS, "--random", RANDOM, *extra]


def expected_connect(auth_type):
    return {"client_id": f"{DN}.{PK}|random={RANDOM},authType={auth_type},securemode=2,signmethod=hmacsha256|",
            "username": f"{DN}&{PK}",
            "password": hmac_hex(PS, f"deviceName{DN}productKey{PK}random{RANDOM}")}


def check_register_connect(broker, auth_type):
    got = broker.connects[0] if broker.connects else {}
    for field, want in expected_connect(auth_type).items():
        check(f"{auth_type}: CONNECT {field} is {want}", got.get(field) == want, f"got {got.get(field)!r}")


# --- register, --verbose: the secret is printed once, never in the trace -------------------------

def reply_then_close(topic, payload):
    def script(n, conn, broker):
        conn.sendall(connack(0) + publish(topic, payload))
        broker.rest(conn)
    return script


b = Broker(reply_then_close("/ext/register", '{"productKey":"%s","deviceName":"%s","deviceSecret":"%s"}'
                            % (PK, DN, SECRET)))
rc, out = run_device(b, *register_args("--verbose"))
check("register: exit 0", rc == 0, out)
check("register: broker script ran clean", not b.errors, b.errors)
check_register_connect(b, "register")
check("register: the DeviceSecret is printed once, on the result line",
      out.count(SECRET) == 1 and f"registered: DeviceSecret={SECRET} " in out, out)
check("register: --verbose traced the /ext/register PUBLISH with its payload withheld",
      'topic="/ext/register", 0 bytes' in out, out)
check("register: the device sent DISCONNECT after the reply",
      [f for f, _ in b.after] == [0xE0], b.after)

# --- regnwl, then continue as the device with authType=connwl -------------------------------------

def regnwl_then_connwl(n, conn, broker):
    if n == 0:
        conn.sendall(connack(0) + publish("/ext/regnwl", '{"clientId":"%s","productKey":"%s","deviceName":"%s",'
                                          '"deviceToken":"%s"}' % (CLIENT_ID, PK, DN, TOKEN)))
    else:
        conn.sendall(connack(0))
    broker.rest(conn)


b = Broker(regnwl_then_connwl, connections=2)
rc, out = run_device(b, *register_args("--regnwl", "--verbose", "--pub", f"/{PK}/{DN}/user/update", "hello"))
check("regnwl: exit 0", rc == 0, out)
check("regnwl: broker script ran clean", not b.errors, b.errors)
check_register_connect(b, "regnwl")
check("regnwl: clientId and deviceToken printed once, on the result line",
      out.count(TOKEN) == 1 and f"registered: ClientId={CLIENT_ID} DeviceToken={TOKEN} " in out, out)
second = b.connects[1] if len(b.connects) > 1 else {}
check("regnwl: then connects with <clientId>|securemode=-2,authType=connwl|",
      second.get("client_id") == f"{CLIENT_ID}|securemode=-2,authType=connwl|", second)
check("regnwl: username <dn>&<pk> and the deviceToken as password",
      second.get("username") == f"{DN}&{PK}" and second.get("password") == TOKEN, second)
pubs = [body for first, body in b.after if first >> 4 == 3]
check("regnwl: and publishes as that device", any(body.endswith(b"hello") for body in pubs), b.after)

# --- register, then continue signed with the new DeviceSecret -------------------------------------

def register_then_device(n, conn, broker):
    conn.sendall(connack(0) + (publish("/ext/register", '{"deviceSecret":"%s"}' % SECRET) if n == 0 else b""))
    broker.rest(conn)


b = Broker(register_then_device, connections=2)
rc, out = run_device(b, *register_args("--pub", f"/{PK}/{DN}/user/update", "hi"))
check("register+continue: exit 0", rc == 0, out)
second = b.connects[1] if len(b.connects) > 1 else {}
ts = "2524608000000"
check("register+continue: the second CONNECT is signed with the new DeviceSecret",
      second.get("password") == hmac_hex(SECRET, f"clientId{PK}.{DN}deviceName{DN}productKey{PK}timestamp{ts}")
      and second.get("client_id") == f"{PK}.{DN}|securemode=3,signmethod=hmacsha256,timestamp={ts}|", second)

# --- failures ------------------------------------------------------------------------------------------

b = Broker(reply_then_close("/ext/register", '{"deviceSecret":'))
rc, out = run_device(b, *register_args())
check("malformed reply: exit 6 naming the JSON error",
      rc == 6 and "registration failed: dynamic registration: the platform's reply is malformed or incomplete "
                  "(malformed JSON)" in out, out)

b = Broker(reply_then_close("/ext/regnwl", '{"clientId":"%s"}' % CLIENT_ID))
rc, out = run_device(b, *register_args("--regnwl"))
check("reply without deviceToken: exit 6 (JSON field missing)", rc == 6 and "(JSON field missing)" in out, out)


def connack_then_rest(code):
    """A broker script: CONNACK `code`, then nothing until the device leaves."""
    def script(n, conn, broker):
        conn.sendall(connack(code))
        broker.rest(conn)
    return script


for code, what, want_rc, want_text in (
        (4, "CONNACK 4: exit 3 naming the refusal", 3,
         "registration refused: connection refused: bad user name or password (CONNACK 4)"),
        (0, "no reply: exit 7 after the 10 s deadline", 7,
         "registration failed: dynamic registration: no reply from the platform before the deadline")):
    rc, out = run_device(Broker(connack_then_rest(code)), *register_args())
    check(what, rc == want_rc and want_text in out, out)

for args, what in ((["--register", "--random", "1"], "--register without --product-secret"),
                   (["--regnwl", "--device-secret", "x"], "--regnwl without --register"),
                   (register_args("--device-secret", "x"), "--register with --device-secret")):
    p = subprocess.run([DEVICE, "--product-key", PK, "--device-name", DN, "--host", "127.0.0.1", *args],
                       capture_output=True, text=True, timeout=20)
    check(f"usage: {what} exits 2", p.returncode == 2, p.stdout + p.stderr)

print("all checks passed" if not failures else f"{failures} check(s) failed")
sys.exit(1 if failures else 0)
