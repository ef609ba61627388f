#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The activator authors
#
# dnsq.py -- ask a DNS server for the A record of NAME over UDP or TCP.
# usage: dnsq.py [-n N] udp|tcp HOST PORT NAME
# Prints the first address of the answer ("no answer" if none); with
# -n N, sends N queries at once and prints "ok=K" (K answered).  Every
# wait is bounded (10 s).
import socket
import struct
import sys
import threading


def query(name, qid):
    head = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split("."))
    return head + labels + b"\0" + struct.pack(">HH", 1, 1)


def answer(reply):
    if len(reply) < 12 or struct.unpack(">H", reply[6:8])[0] == 0:
        return "no answer"
    return socket.inet_ntoa(reply[-4:])


def ask(proto, host, port, name, qid):
    if proto == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(10)
        try:
            s.sendto(query(name, qid), (host, port))
            return answer(s.recv(512))
        finally:
            s.close()
    s = socket.create_connection((host, port), 10)
    s.settimeout(10)
    try:
        q = query(name, qid)
        s.sendall(struct.pack(">H", len(q)) + q)
        data = b""
        while len(data) < 2 or len(data) < 2 + struct.unpack(">H", data[:2])[0]:
            chunk = s.recv(4096)
            if not chunk:
                return "closed"
            data += chunk
        return answer(data[2:])
    finally:
        s.close()


def main():
    args = sys.argv[1:]
    n = 1
    if len(args) > 1 and args[0] == "-n":
        n = int(args[1])
        args = args[2:]
    if len(args) != 4 or args[0] not in ("udp", "tcp"):
        sys.stderr.write("usage: dnsq.py [-n N] udp|tcp HOST PORT NAME\n")
        sys.exit(2)
    proto, host, port, name = args[0], args[1], int(args[2]), args[3]
    if n == 1:
        try:
            print(ask(proto, host, port, name, 1))
        except OSError as e:
            print("error: %s" % e)
            sys.exit(1)
        return
    results = []
    lock = threading.Lock()

    def one(i):
        try:
            r = ask(proto, host, port, name, i + 1)
        except OSError as e:
            r = "error: %s" % e
        with lock:
            results.append(r)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    good = sum(1 for r in results if r != "no answer" and not r.startswith(("error", "closed")))
    print("ok=%d" % good)
    sys.exit(0 if good == n else 1)


main()
