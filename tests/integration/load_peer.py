"""Load generators for the map-exhaustion tests (test_maps.py); fork churn is
nh_traffic's (C forks twenty times faster here). Usage:

  load_peer.py hold COUNT PORT PAYLOAD_CONNS PAYLOAD
      COUNT loopback TCP connections to itself (2 * COUNT sockets), all held
      idle but the last PAYLOAD_CONNS: over each of those PAYLOAD bytes are
      sent and read on the other end (tx and rx in the output). Prints
      {"ready": true, "pid", "comm", "sockets", "tx", "rx", "seconds"} and holds
      everything until stdin closes; a line "send N" on stdin moves PAYLOAD
      bytes over each of the first N connections and prints {"tx", "rx"};
      "send N reversed" goes over the same ones, last first.
  load_peer.py spoof DEV SRC COUNT DST PORT MAC
      COUNT UDP datagrams on a packet socket on DEV to DST:PORT at link address
      MAC. SRC a /16 (e.g. 10.99): each from its own source address in it (a
      spoofing peer); SRC one address: each from its own port (a scanner).
      Prints {"sent"}.
"""
import json
import os
import resource
import socket
import struct
import sys
import time


def hold(count, port, payload_conns, payload):
    start = time.monotonic()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 2 * count + 64:
        sys.exit(f"RLIMIT_NOFILE hard limit {hard} is below {2 * count + 64}; raise it first")
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", port))
    lst.listen(4096)
    pairs = []
    for _ in range(count):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.connect(("127.0.0.1", port))
        s, _ = lst.accept()
        pairs.append((c, s))
    tx, rx = exchange(pairs[len(pairs) - payload_conns:], payload)
    with open("/proc/self/comm") as f:
        comm = f.read().strip()
    print(json.dumps({"ready": True, "pid": os.getpid(), "comm": comm, "sockets": 2 * count,
                      "tx": tx, "rx": rx, "seconds": time.monotonic() - start}), flush=True)
    for line in sys.stdin:
        words = line.split()  # "send N [reversed]": the first N connections, idle until now
        n = int(words[1])
        tx, rx = exchange(pairs[:n][::-1] if words[2:] == ["reversed"] else pairs[:n], payload)
        print(json.dumps({"tx": tx, "rx": rx}), flush=True)


def exchange(pairs, payload):
    """payload bytes over each connection, read on its other end; returns (tx, rx)."""
    tx = rx = 0
    data = b"x" * payload
    for c, s in pairs:
        c.sendall(data)
        tx += payload
        got = 0
        while got < payload:
            got += len(s.recv(payload - got))
        rx += got
    return tx, rx


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def spoof(dev, src, count, dst, port, mac):
    """Datagrams from addresses nobody owns: what a scanner or a spoofing peer sends."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
    s.bind((dev, 0x0800))
    dst_raw = socket.inet_aton(dst)
    payload = b"spoof"
    sent = 0
    for i in range(count):
        one = src.count(".") == 3
        src_raw = socket.inet_aton(src if one else f"{src}.{(i >> 8) & 0xFF}.{i & 0xFF}")
        sport = 1024 + i % 60000
        udp = struct.pack("!HHHH", sport, port, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                         src_raw, dst_raw)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        s.sendto(ip + udp, (dev, 0x0800, 0, 0, bytes.fromhex(mac.replace(":", ""))))
        sent += 1
    print(json.dumps({"sent": sent}), flush=True)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "hold":
        hold(int(args[0]), int(args[1]), int(args[2]), int(args[3]))
    elif cmd == "spoof":
        spoof(args[0], args[1], int(args[2]), args[3], int(args[4]), args[5])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
