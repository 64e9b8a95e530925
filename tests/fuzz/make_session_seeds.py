#!/usr/bin/env python3
"""Writes seed programs for fuzz_session into tests/fuzz/corpus/session/ and
for fuzz_session_qos1 (the same harness, QoS 2 compiled out) into
tests/fuzz/corpus/session_qos1/.

Each seed is a whole MQTT session in fuzz_session's step encoding (see
Harness::step in fuzz_session.cpp); the broker bytes are exactly what
mosquitto 2.0 sends for these exchanges (CONNACK, SUBACK, PUBACK, PUBREC,
PUBREL, PUBCOMP, UNSUBACK, PINGRESP, PUBLISH), written out by hand.
Usage: python3 tests/fuzz/make_session_seeds.py
"""
import os
import struct

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def raw(b):  # op 0: inbound bytes
    assert len(b) < 256
    return bytes([0, len(b)]) + b


def poll(n=4):  # op 9: poll n times
    return bytes([9, n - 1])


def connect(keepalive_index, clean, blocking=False):  # op 13
    return bytes([13, (10 << 1) | int(blocking), (0x08 if clean else 0) | keepalive_index])


def subscribe(filters, timeout=20):  # op 5: [(filter index, qos)]
    return bytes([5, len(filters) - 1] + [f | (q << 4) for f, q in filters] + [timeout])


def unsubscribe(f, timeout=20):  # op 7
    return bytes([7, f, timeout])


def publish(qos, payload, topic_index=0):  # op 8, no wait
    return bytes([8, qos | (topic_index << 5), len(payload)]) + payload


def seconds(s):  # op 4
    return bytes([4, s])


def disconnect():  # op 15
    return bytes([15, 10])


def peer_closes():  # op 14, kind 0
    return bytes([14, 0])


def pkt(first, body):
    assert len(body) < 128
    return bytes([first, len(body)]) + body


def s16(s):
    return struct.pack(">H", len(s)) + s


CONNACK = pkt(0x20, b"\x00\x00")
CONNACK_SP = pkt(0x20, b"\x01\x00")


def suback(pid, *codes):
    return pkt(0x90, struct.pack(">H", pid) + bytes(codes))


def ack(first, pid):
    return pkt(first, struct.pack(">H", pid))


def pub(topic, payload, qos=0, pid=0, dup=False):
    body = s16(topic) + (struct.pack(">H", pid) if qos else b"") + payload
    return pkt(0x30 | (0x08 if dup else 0) | (qos << 1), body)


# Seeds for both targets: QoS 0 and 1 only.
SHARED = {
    # connect, subscribe a/b QoS 1, publish QoS 1 both ways, keepalive ping, disconnect
    "seed_qos1_round_trip": connect(5, True) + raw(CONNACK) + poll() + subscribe([(0, 1)]) + poll()
    + raw(suback(1, 1)) + poll() + publish(1, b"hello") + poll() + raw(ack(0x40, 2)) + poll()
    + raw(pub(b"a/b", b"hi", 1, 1)) + poll() + seconds(60) + poll() + raw(pkt(0xD0, b"")) + poll()
    + disconnect(),
    # a refused filter next to a granted one, then unsubscribe the granted one
    "seed_refused_and_unsubscribe": connect(4, True) + raw(CONNACK) + poll()
    + subscribe([(1, 1), (8, 0)]) + poll() + raw(suback(1, 1, 0x80)) + poll(6)
    + raw(pub(b"a/c", b"to a/+", 0)) + raw(pub(b"$SYS/x", b"never", 0)) + poll(6)
    + unsubscribe(1) + poll() + raw(ack(0xB0, 2)) + poll(6) + disconnect(),
    # a subscription that times out, a late SUBACK, and a reconnect that resubscribes
    "seed_timeout_and_resubscribe": connect(5, True) + raw(CONNACK) + poll() + subscribe([(3, 0)], 2)
    + poll() + seconds(1) + poll(6) + raw(suback(1, 0)) + poll() + subscribe([(5, 1)]) + poll()
    + raw(suback(2, 1)) + poll() + peer_closes() + poll() + connect(5, True) + raw(CONNACK) + poll(8)
    + raw(suback(3, 1)) + poll(8) + raw(pub(b"c", b"back", 1, 9)) + poll(6) + disconnect(),
}

# fuzz_session only: QoS 2 works.
QOS2 = {
    # QoS 2 both ways, a duplicate inbound PUBLISH, then the broker restarts and
    # the client resumes its session (clean 0, session present)
    "seed_qos2_and_resume": connect(5, False) + raw(CONNACK) + poll() + subscribe([(2, 2)]) + poll()
    + raw(suback(1, 2)) + poll() + publish(2, b"exactly", 0) + poll() + raw(ack(0x50, 2)) + poll()
    + raw(pub(b"a/c", b"q2", 2, 7)) + poll() + raw(pub(b"a/c", b"q2", 2, 7, True)) + poll()
    + raw(ack(0x62, 7)) + poll() + publish(1, b"lost?") + poll() + peer_closes() + poll()
    + connect(5, False) + raw(CONNACK_SP) + poll(8) + raw(ack(0x70, 2)) + raw(ack(0x40, 3)) + poll(8)
    + disconnect(),
}

# fuzz_session_qos1 only: QoS 2 is compiled out (Config::max_qos = QoS 1).
QOS1 = {
    # QoS 2 asked for locally is refused (subscribe alone, in a mix, publish),
    # then QoS 1 still works both ways
    "seed_qos2_refused_locally": connect(5, True) + raw(CONNACK) + poll() + subscribe([(0, 2)])
    + subscribe([(0, 1), (2, 2)]) + publish(2, b"exactly") + subscribe([(0, 1)]) + poll()
    + raw(suback(1, 1)) + poll() + publish(1, b"least") + poll() + raw(ack(0x40, 2)) + poll()
    + raw(pub(b"a/b", b"hi", 1, 3)) + poll() + disconnect(),
    # a QoS 2 PUBLISH from the broker ends the link unacknowledged; the resumed
    # session resends our QoS 1 message (DUP) and takes QoS 1 from the broker
    "seed_qos2_publish_closes": connect(5, False) + raw(CONNACK) + poll() + subscribe([(0, 1)]) + poll()
    + raw(suback(1, 1)) + poll() + publish(1, b"kept") + poll() + raw(pub(b"a/b", b"q2", 2, 7)) + poll(4)
    + connect(5, False) + raw(CONNACK_SP) + poll(8) + raw(ack(0x40, 2)) + raw(pub(b"a/b", b"q1", 1, 8))
    + poll(8) + disconnect(),
    # PUBREC, PUBREL and PUBCOMP each end the link; the QoS 1 message in
    # flight survives all three reconnects and is acknowledged at last
    "seed_qos2_acks_close": connect(5, False) + raw(CONNACK) + poll() + publish(1, b"kept") + poll()
    + raw(ack(0x50, 1)) + poll(4) + connect(5, False) + raw(CONNACK_SP) + poll(8) + raw(ack(0x62, 1))
    + poll(4) + connect(5, False) + raw(CONNACK_SP) + poll(8) + raw(ack(0x70, 1)) + poll(4)
    + connect(5, False) + raw(CONNACK_SP) + poll(8) + raw(ack(0x40, 1)) + poll(4) + disconnect(),
}

CORPORA = {"session": SHARED | QOS2, "session_qos1": SHARED | QOS1}


def main():
    for corpus, seeds in CORPORA.items():
        out = os.path.join(CORPUS, corpus)
        os.makedirs(out, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
            print(f"{corpus}/{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
