"""Load generators for the map-exhaustion tests (test_maps.py). Usage:

  load_peer.py hold COUNT PORT PAYLOAD_CONNS PAYLOAD
      COUNT loopback TCP connections to itself (2 * COUNT sockets), all held
      idle but the last PAYLOAD_CONNS: over each of those PAYLOAD bytes are
      sent and read on the other end (tx and rx in the output). Prints
      {"ready": true, "pid", "comm", "sockets", "tx", "rx", "seconds"} and holds
      everything until stdin closes.
  load_peer.py churn SECONDS ADDR PORT
      forks children as fast as it can for SECONDS; each sends one 1-byte UDP
      datagram to ADDR:PORT and exits. Prints {"children", "per_second"}.
  load_peer.py spoof DEV SRC_NET COUNT DST PORT
      COUNT UDP datagrams on a raw packet socket on DEV, each from its own
      source address in SRC_NET (a /16, e.g. 10.99), to DST:PORT. Prints
      {"sent"}.
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
    tx = rx = 0
    data = b"x" * payload
    for c, s in pairs[-payload_conns:]:
        c.sendall(data)
        tx += payload
        got = 0
        while got < payload:
            got += len(s.recv(payload - got))
        rx += got
    with open("/proc/self/comm") as f:
        comm = f.read().strip()
    print(json.dumps({"ready": True, "pid": os.getpid(), "comm": comm, "sockets": 2 * count,
                      "tx": tx, "rx": rx, "seconds": time.monotonic() - start}), flush=True)
    sys.stdin.read()


def churn(seconds, addr, port):
    end = time.monotonic() + seconds
    children = 0
    while time.monotonic() < end:
        pid = os.fork()
        if pid == 0:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.sendto(b"c", (addr, port))
            os._exit(0)
        children += 1
        # Reap whatever has finished, without waiting for the rest.
        while True:
            try:
                done, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if done == 0:
                break
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    print(json.dumps({"children": children, "per_second": children / seconds}), flush=True)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def spoof(dev, src_net, count, dst, port):
    """Datagrams from addresses nobody owns: what a scanner or a spoofing peer sends."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
    s.bind((dev, 0x0800))
    dst_raw = socket.inet_aton(dst)
    payload = b"spoof"
    sent = 0
    for i in range(count):
        src_raw = socket.inet_aton(f"{src_net}.{(i >> 8) & 0xFF}.{i & 0xFF}")
        sport = 1024 + i % 60000
        udp = struct.pack("!HHHH", sport, port, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                         src_raw, dst_raw)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        # The link-layer address: broadcast, so the veth peer takes it whatever its MAC.
        s.sendto(ip + udp, (dev, 0x0800, 0, 0, b"\xff" * 6))
        sent += 1
    print(json.dumps({"sent": sent}), flush=True)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "hold":
        hold(int(args[0]), int(args[1]), int(args[2]), int(args[3]))
    elif cmd == "churn":
        churn(float(args[0]), args[1], int(args[2]))
    elif cmd == "spoof":
        spoof(args[0], args[1], int(args[2]), args[3], int(args[4]))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
